"""`eugw demo`: the whole chain on one machine, nothing to configure.

Makes a DEMO ONLY PKI and sample exports under the data directory, starts the
simulated EU side (the Eurodac Central System and DubliNet peers NL, FR, DE, IT)
and the gateway on SQLite, gives the operator a token, and plays the shipped
scenarios through the real API, mutual TLS and signatures. Then it keeps
running for exploration (API, console, `eugw queue`, `eugw audit verify`), or
stops with `--once` and exits 1 if a scenario failed. Standard output tells the
story; the gateway's warnings go to standard error, as readable lines
(`--verbose`: its info logs too).
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.broker.access import Role, new_token
from gateway.cli._context import settings_from
from gateway.cli._parsers import Subcommands, add_command
from gateway.cli.serve import bound_endpoints
from gateway.listen_ports import free_port
from gateway.settings import LogFormat, LogLevel, Settings

if TYPE_CHECKING:
    from gateway.adapters.web.server import Endpoints
    from simulators.scenarios.runner import Tally

__all__ = ["register"]

PEERS = ("NL", "FR", "DE", "IT")


def register(commands: Subcommands) -> None:
    parser = add_command(
        commands, "demo", __doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("var/demo"),
        help="where the demo keeps its PKI, databases and samples (default: var/demo)",
    )
    parser.add_argument("--persons", type=int, default=50, help="sample persons to generate")
    parser.add_argument(
        "--once", action="store_true", help="stop after the scenarios; exit 1 if one failed"
    )
    parser.add_argument(
        "--api-port", type=int, default=8080, help="the gateway's API port (0: any free port)"
    )
    parser.add_argument("--verbose", action="store_true", help="show the gateway's info logs")
    parser.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    # imported when the command runs, not for its --help
    from gateway.logging import configure_logging  # noqa: PLC0415
    from gateway.security.demo import why_make_demo_pki, write_demo_pki  # noqa: PLC0415
    from gateway.synthetic.exports.files import generate_exports  # noqa: PLC0415

    base = settings_from(args)
    # The scenario reports on standard output are the story; the logs go to standard error,
    # readable (not JSON) unless EUGW_LOG_FORMAT asks for JSON, and only warnings and errors
    # unless --verbose.
    log_format = LogFormat.CONSOLE if base.log_format is LogFormat.AUTO else base.log_format
    configure_logging(base.log_level if args.verbose else LogLevel.WARNING, log_format)
    data: Path = args.data_dir
    if why := why_make_demo_pki(data, datetime.now(tz=UTC)):
        write_demo_pki(data, member_state=base.member_state)
        print(f"demo PKI (DEMO ONLY) written to {data}: {why}")
    samples = data / "samples"
    if not (samples / "manifest.json").exists():
        generate_exports(count=args.persons, seed=2026, out=samples, invalid_rate=0.05)
        print(f"sample exports of {args.persons} persons written to {samples}")
    return asyncio.run(_demo(base, args))


async def _demo(base: Settings, args: argparse.Namespace) -> int:
    from gateway.adapters.web.server import serve  # noqa: PLC0415
    from gateway.app import audit_checkpoints, running_services  # noqa: PLC0415
    from simulators.runner import (  # noqa: PLC0415
        SimConfig,
        SimMaterial,
        Simulator,
        stop_on_signals,
    )

    data: Path = args.data_dir
    control_port, inbound_port = free_port(), free_port()
    api_port = args.api_port if args.api_port else free_port()
    simulator = Simulator(
        SimConfig(
            data_dir=data / "sim",
            gateway_url=f"https://localhost:{inbound_port}/v1/inbound",
            # Each simulated party on a free port of its own, with its own certificate.
            eurodac_port=0,
            dublinet_port=0,
            control_port=control_port,
            peers=PEERS,
        ),
        SimMaterial.from_certs(data, PEERS),
    )
    stop = stop_on_signals()
    await simulator.start()
    try:
        settings = Settings(
            **{
                **{field: getattr(base, field) for field in base.__dataclass_fields__},
                "data_dir": data,
                "api_port": api_port,
                "inbound_port": inbound_port,
                "eurodac_url": simulator.eurodac_url.replace("127.0.0.1", "localhost"),
                "dublinet_url": simulator.dublinet_urls.replace("127.0.0.1", "localhost"),
                "dublinet_peers": ",".join(PEERS),
                "retry_base_seconds": 1,
                # The console's Simulators page, for the demo token's tester role.
                "simulator_control_url": simulator.control_url,
            }
        )
        async with running_services(settings) as services, audit_checkpoints(services):
            token, secret = new_token(
                name="demo-operator",
                roles=frozenset({Role.SUBMITTER, Role.OPERATOR, Role.AUDITOR, Role.TESTER}),
                now=datetime.now(tz=UTC),
            )
            await services.store.add_token(token)
            (data / "demo-token.txt").write_text(secret + "\n")
            started: asyncio.Future[Endpoints] = asyncio.get_running_loop().create_future()
            server = asyncio.create_task(serve(services, stop, started))
            endpoints = await bound_endpoints(started, server)
            _banner(endpoints, simulator, data)
            tally = await _scenarios(endpoints.api, secret, simulator.control_url)
            passed = tally.all_held
            print(tally, flush=True)
            print(
                "all scenarios passed" if passed else "SOME SCENARIOS FAILED (see above)",
                flush=True,
            )
            if args.once:
                stop.set()
            else:
                print("the demo keeps running; Ctrl-C stops it", flush=True)
            await server
    finally:
        await simulator.stop()
    return 0 if passed else 1


def _banner(endpoints: Endpoints, simulator: object, data: Path) -> None:
    print(
        f"""
gateway API            {endpoints.api}   (token in {data / "demo-token.txt"})
web console            {endpoints.api}/console   (log in with that token: operator, auditor,
                       tester; the Simulators page drives the simulated EU side)
gateway inbound (mTLS) {endpoints.inbound}
Eurodac simulator      {getattr(simulator, "eurodac_url", "")}
DubliNet peers         {getattr(simulator, "dublinet_urls", "")}
simulator control      {getattr(simulator, "control_url", "")}
try, in another terminal:
  EUGW_DATA_DIR={data} .venv/bin/eugw queue
  EUGW_DATA_DIR={data} .venv/bin/eugw audit verify
  curl -H "Authorization: Bearer $(cat {data / "demo-token.txt"})" {endpoints.api}/v1/messages
playing the shipped scenarios against the live gateway...
""",
        flush=True,
    )


async def _scenarios(api: str, token: str, control: str) -> Tally:
    from simulators.scenarios.model import load_scenario, shipped_scenarios  # noqa: PLC0415
    from simulators.scenarios.runner import Endpoints as ScenarioEndpoints  # noqa: PLC0415
    from simulators.scenarios.runner import play_counted  # noqa: PLC0415

    return await play_counted(
        [load_scenario(path) for path in shipped_scenarios()],
        ScenarioEndpoints(api=api, token=token, control=control),
        today=datetime.now(UTC).date(),
        show=lambda text: print(text, flush=True),
    )
