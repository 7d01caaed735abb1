"""What the `eugw sim` commands do (their arguments are in `gateway.cli.sim`): run the
simulators, and drive a running one through its control API."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from gateway.errors import ConfigError, InputError, TransportError
from gateway.json_files import read_fields
from gateway.logging import configure_logging
from gateway.security.identity import PeerId
from simulators.common.faults import Faults
from simulators.dublinet.peer import DublinetConfig
from simulators.eurodac.central import EurodacConfig, LatePolicy
from simulators.runner import SimConfig, SimMaterial, Simulator, stop_on_signals
from simulators.scenarios.model import load_scenario, shipped_scenarios
from simulators.scenarios.runner import Endpoints, play_counted

__all__ = [
    "inspect",
    "parse_faults",
    "peer_request",
    "peer_send",
    "run_scenarios",
    "run_simulators",
    "switch_faults",
]

USAGE = "GW-CFG-USAGE"
BAD_CONTROL = "GW-SIM-CONTROL"


def _config(args: argparse.Namespace) -> SimConfig:
    peers = tuple(p.strip().upper() for p in args.peers.split(",") if p.strip())
    try:
        gateway = PeerId(party=args.member_state, system="gateway")
        return SimConfig(
            data_dir=args.data_dir,
            gateway=gateway,
            gateway_url=args.gateway_url,
            host=args.host,
            eurodac_port=None if args.no_eurodac else args.eurodac_port,
            dublinet_port=None if args.no_dublinet or not peers else args.dublinet_port,
            control_port=args.control_port,
            control_token=args.control_token,
            peers=peers,
            eurodac=EurodacConfig(
                processing_delay=timedelta(seconds=args.processing_delay),
                false_hit_rate=args.false_hit_rate,
                late_policy=LatePolicy(args.late_policy),
            ),
            dublinet=DublinetConfig(
                reply_delay=timedelta(seconds=args.reply_delay),
                late_delay=timedelta(seconds=args.late_delay),
            ),
            verify_gateway_ack=not args.no_ack_check,
        )
    except ValueError as error:
        raise ConfigError(USAGE, str(error)) from None


def run_simulators(args: argparse.Namespace) -> int:
    config = _config(args)
    material = SimMaterial.from_certs(
        args.certs,
        config.peers if config.dublinet_port is not None else (),
        eurodac=config.eurodac_port is not None,
    )
    configure_logging()
    return asyncio.run(_serve(Simulator(config, material)))


async def _serve(simulator: Simulator) -> int:
    stop = stop_on_signals()
    await simulator.start()
    try:
        if simulator.eurodac_url:
            print(f"Eurodac Central System  {simulator.eurodac_url}")
        for party in simulator.peers:
            print(f"DubliNet peer {party}        {simulator.dublinet_url(party)}")
        if simulator.control_url:
            print(f"control API             {simulator.control_url}/control/faults")
        print(f"replies go to           {simulator.config.gateway_url}")
        if simulator.peers:
            print(f"gateway setting         EUGW_DUBLINET_URL={simulator.dublinet_urls}")
        print("serving; Ctrl-C stops", flush=True)
        await stop.wait()
    finally:
        await simulator.stop()
    return 0


def parse_faults(pairs: list[str]) -> Faults:
    """`drop=true delay_ms=200 ack_signature=corrupt` → Faults (an InputError when bad)."""
    values: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep:
            raise InputError("GW-SIM-FAULT", f"{pair!r} is not NAME=VALUE", pair)
        try:
            values[name] = json.loads(text)
        except json.JSONDecodeError:
            values[name] = text  # a bare word such as corrupt
    return Faults.from_json(values)


def switch_faults(args: argparse.Namespace) -> int:
    if args.action == "set" and not args.endpoint:
        raise ConfigError(USAGE, "`eugw sim faults set` needs an endpoint (eurodac, NL, ... or *)")
    base = "/control/faults"
    if args.action == "show":
        method, path, body = "GET", base, None
    elif args.action == "set":
        method, path, body = "PUT", f"{base}/{args.endpoint}", parse_faults(args.faults).to_json()
    else:
        method, path, body = "DELETE", f"{base}/{args.endpoint}" if args.endpoint else base, None
    result = asyncio.run(_control(args.control, args.token, method, path, body))
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


INSPECTIONS = {
    "received": "/control/received",
    "records": "/control/eurodac/records",
    "notifications": "/control/eurodac/notifications",
    "outbox": "/control/outbox",
    "faults": "/control/faults",
}


def inspect(args: argparse.Namespace) -> int:
    """Print what the simulators received, stored, notified or queued (JSON)."""
    path = INSPECTIONS[args.what]
    if args.what == "received" and args.endpoint:
        path += f"?endpoint={args.endpoint}"
    result = asyncio.run(_control(args.control, args.token, "GET", path, None))
    print(json.dumps(result, indent=2, sort_keys=True))
    return 0


def peer_request(args: argparse.Namespace) -> int:
    """Make a peer send the gateway a request; print what the control API says of it."""
    given = {"type": args.type} | ({"national_reference": args.reference} if args.reference else {})
    body = read_fields(args.file, BAD_CONTROL, **given)
    path = f"/control/dublinet/{args.peer.upper()}/requests"
    return _show(asyncio.run(_control(args.control, args.token, "POST", path, body)))


def peer_send(args: argparse.Namespace) -> int:
    """Make a peer send a message on a request it made; print what the control API says."""
    body = read_fields(args.file, BAD_CONTROL, type=args.type, national_reference=args.request)
    path = f"/control/dublinet/{args.peer.upper()}/messages"
    return _show(asyncio.run(_control(args.control, args.token, "POST", path, body)))


def _show(answer: Any) -> int:
    print(json.dumps(answer, indent=2, sort_keys=True))
    return 0


async def _control(control: str, token: str | None, method: str, path: str, body: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    url = control.rstrip("/") + path
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
            session.request(method, url, json=body, headers=headers) as response,
        ):
            answer = await response.json(content_type=None)
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as error:
        raise TransportError(
            "GW-TRN-REFUSED", f"the control API at {control} cannot be reached ({error})"
        ) from None
    if status >= 400:
        code = str(answer.get("code", BAD_CONTROL))
        # The detail is the error as the simulator printed it: `CODE: sentence (at path)`.
        raise InputError(code, str(answer.get("detail")).removeprefix(f"{code}: "))
    return answer


def _scenario_files(args: argparse.Namespace) -> list[Path]:
    shipped = {path.stem: path for path in shipped_scenarios()}
    if args.all:
        return list(shipped.values())
    files = []
    for name in args.files:
        path = Path(name)
        if not path.exists() and name.removesuffix(".yaml") in shipped:
            path = shipped[name.removesuffix(".yaml")]
        files.append(path)
    return files


def run_scenarios(args: argparse.Namespace) -> int:
    if args.list:
        for path in shipped_scenarios():
            print(f"{path.stem:50} {load_scenario(path).name}")
        return 0
    files = _scenario_files(args)
    if not files:
        raise ConfigError(USAGE, "name scenario files, or --all, or --list")
    if not args.token:
        raise ConfigError(USAGE, "a gateway token is needed (--token or $EUGW_TOKEN)", "--token")
    scenarios = [load_scenario(path) for path in files]  # every file checked before running
    endpoints = Endpoints(
        api=args.api.rstrip("/"),
        token=args.token,
        control=args.control.rstrip("/"),
        control_token=args.control_token,
    )
    tally = asyncio.run(
        play_counted(
            scenarios,
            endpoints,
            today=datetime.now(UTC).date(),
            show=lambda text: print(text, flush=True),
        )
    )
    print(tally, flush=True)
    return 0 if tally.all_held else 1
