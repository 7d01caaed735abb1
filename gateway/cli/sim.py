"""`eugw sim`: run the simulated EU side (Eurodac and DubliNet peers), switch its faults.

The arguments live here so that `eugw --help` needs nothing else; the work is
done by the `simulators` package, imported only when a `sim` command runs
(the gateway itself never depends on the simulators).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from gateway.cli._env import CONTROL_TOKEN, TOKEN, from_environment
from gateway.cli._help import fields_help
from gateway.cli._parsers import Run, Subcommands, command_group
from gateway.messages.registry import MESSAGE_TYPES
from gateway.tracking.followups import FOLLOW_UPS

__all__ = ["register"]

# What a simulated peer can send: requests of its own, and messages on a request it made,
# with the fields the control API reads from each (and what it puts in when one is left out).
_REQUESTS = sorted(name for name, kind in MESSAGE_TYPES.items() if kind.request_type)
_REQUEST_FIELDS = {
    "record": "the person and application, canonical JSON (default: the example applicant)",
    "eurodac_reference": "the Eurodac reference of a hit-based request",
    "legal_basis": "the article the request rests on",
}
_FOLLOW_UPS = sorted({name for name, _, _ in FOLLOW_UPS})
_FOLLOW_UP_FIELDS = {
    "dublinet.reexamination-request": {"reasons": "why the negative reply is wrong"},
    "dublinet.transfer-arrangement": {
        "transfer_date": "YYYY-MM-DD (required)",
        "arrival_place": "default: Brussels Airport",
        "mode": "voluntary, controlled (default) or escorted",
    },
}
_ON_REQUEST_FIELDS = {"legal_basis": "default: Regulation (EC) No 1560/2003"}  # types 3 to 7


def register(commands: Subcommands) -> None:
    _, actions = command_group(
        commands,
        "sim",
        "Testers' tools: run the simulated EU side with the demo PKI of `eugw certs init`, "
        "and switch faults on its endpoints at run time.",
        metavar="ACTION",
    )
    _register_run(actions)
    _register_faults(actions)
    _register_scenario(actions)
    _register_inspect(actions)
    _register_peer_messages(actions)


def _register_run(actions: Subcommands) -> None:
    data = Path(os.environ.get("EUGW_DATA_DIR", "var"))
    run = actions.add_parser(
        "run",
        help="start the simulators and serve until stopped (Ctrl-C)",
        description=(
            "Start the Eurodac Central System (https://HOST:PORT/eurodac) and DubliNet peers "
            "(https://HOST:PORT/dublinet/XX) over mutual TLS, each party on a port of its own "
            "with its own certificate; replies go to the gateway's inbound URL. State and "
            "queued replies survive a restart in --data-dir."
        ),
    )
    run.add_argument(
        "--data-dir", type=Path, default=data / "sim", help="state (default: %(default)s)"
    )
    run.add_argument(
        "--certs",
        type=Path,
        default=data,
        help="demo PKI of `eugw certs init` (default: %(default)s)",
    )
    run.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    run.add_argument(
        "--eurodac-port",
        type=int,
        default=9443,
        help="Eurodac's port, as the gateway's default eurodac_url expects (default: %(default)s)",
    )
    run.add_argument(
        "--dublinet-port",
        type=int,
        default=9444,
        help="the first peer's port, each further peer on the next, as the gateway's default "
        "dublinet_url expects; 0: any free port for each (default: %(default)s)",
    )
    run.add_argument(
        "--control-port",
        type=int,
        default=9080,
        help="plain HTTP on 127.0.0.1 (default: %(default)s)",
    )
    run.add_argument(
        "--control-token", help=f"bearer token of the control API (default: ${CONTROL_TOKEN})"
    )
    run.add_argument(
        "--peers", default="NL,FR,DE", help="DubliNet peers to simulate (default: %(default)s)"
    )
    run.add_argument("--no-eurodac", action="store_true", help="do not run the Eurodac simulator")
    run.add_argument("--no-dublinet", action="store_true", help="do not run DubliNet peers")
    run.add_argument(
        "--member-state", default="BE", help="the gateway's member state (default: %(default)s)"
    )
    run.add_argument(
        "--gateway-url",
        default="https://127.0.0.1:8443/v1/inbound",
        help="where replies and peer requests go (default: %(default)s)",
    )
    run.add_argument(
        "--processing-delay",
        type=float,
        default=1.0,
        help="seconds before Eurodac replies (default: %(default)s)",
    )
    run.add_argument(
        "--reply-delay",
        type=float,
        default=1.0,
        help="seconds before a peer replies (default: %(default)s)",
    )
    run.add_argument(
        "--late-delay",
        type=float,
        default=30.0,
        help="seconds before a 'late' peer replies (default: %(default)s)",
    )
    run.add_argument(
        "--false-hit-rate",
        type=float,
        default=0.0,
        help="chance of a false Eurodac hit (default: %(default)s)",
    )
    run.add_argument(
        "--late-policy",
        choices=("flag", "refuse"),
        default="flag",
        help="late transmissions: record the flag, or refuse (default: %(default)s)",
    )
    run.add_argument(
        "--no-ack-check",
        action="store_true",
        help="accept the gateway's answers without verifying them",
    )
    run.set_defaults(run=_simulators("run_simulators", control_token=CONTROL_TOKEN))


def _register_faults(actions: Subcommands) -> None:
    faults = actions.add_parser(
        "faults",
        help="show, set or clear faults of a running simulator",
        description=(
            "Talk to the control API. `show`; `set ENDPOINT name=value ...` (endpoint: eurodac, "
            "a peer's state code or *; faults: drop, delay_ms, http_status, tls, ack_signature="
            "none|corrupt|missing, reply_signature=..., reply_tls, duplicate, out_of_order); "
            "`clear [ENDPOINT]`."
        ),
    )
    faults.add_argument("action", choices=("show", "set", "clear"))
    faults.add_argument("endpoint", nargs="?", help="eurodac, NL, FR, ... or *")
    faults.add_argument("faults", nargs="*", metavar="NAME=VALUE", help="faults to set")
    _add_control(faults)
    faults.set_defaults(run=_simulators("switch_faults", token=CONTROL_TOKEN))


def _register_scenario(actions: Subcommands) -> None:
    scenario = actions.add_parser(
        "scenario",
        help="run scenarios against a live gateway and the simulators, pass/fail per expectation",
        description=(
            "Run scenario files (YAML: steps and expected outcomes) against a running gateway "
            "(`eugw serve`) and simulators (`eugw sim run`). A FILE is a path or the name of a "
            "shipped scenario (--list shows them). Exit status 0 when every expectation holds, "
            "1 otherwise; each failure shows what was expected and what was found."
        ),
    )
    scenario.add_argument("files", nargs="*", metavar="FILE", help="scenario files or names")
    scenario.add_argument("--list", action="store_true", help="list the shipped scenarios")
    scenario.add_argument("--all", action="store_true", help="run every shipped scenario")
    scenario.add_argument(
        "--api", default="http://127.0.0.1:8080", help="the gateway's API (default: %(default)s)"
    )
    scenario.add_argument(
        "--token",
        help=f"gateway token with the submitter and operator roles (default: ${TOKEN})",
    )
    scenario.add_argument(
        "--control",
        default="http://127.0.0.1:9080",
        help="simulators' control API (default: %(default)s)",
    )
    scenario.add_argument("--control-token", help=f"default: ${CONTROL_TOKEN}")
    scenario.set_defaults(
        run=_simulators("run_scenarios", token=TOKEN, control_token=CONTROL_TOKEN)
    )


def _register_inspect(actions: Subcommands) -> None:
    inspect = actions.add_parser(
        "inspect",
        help="show what the simulators received, stored, notified and queued",
        description="Print, as JSON, a view of a running simulator from its control API.",
    )
    inspect.add_argument(
        "what", choices=("received", "records", "notifications", "outbox", "faults")
    )
    inspect.add_argument("--endpoint", help="with received: only this endpoint (eurodac, NL, ...)")
    _add_control(inspect)
    inspect.set_defaults(run=_simulators("inspect", token=CONTROL_TOKEN))


def _add_control(parser: argparse.ArgumentParser) -> None:
    """Where a running simulator's control API is, and its token."""
    parser.add_argument(
        "--control", default="http://127.0.0.1:9080", help="control API (default: %(default)s)"
    )
    parser.add_argument("--token", help=f"bearer token (default: ${CONTROL_TOKEN})")


def _types(
    names: list[str], fields: Mapping[str, Mapping[str, str]], default: Mapping[str, str]
) -> str:
    """TYPE's choices, each with what it is and the fields its JSON file may hold."""
    return fields_help(
        {
            f"{name.removeprefix('dublinet.'):<27} {MESSAGE_TYPES[name].description}": fields.get(
                name, default
            )
            for name in names
        }
    )


def _register_peer_messages(actions: Subcommands) -> None:
    request = _peer_command(
        actions,
        "request",
        _REQUESTS,
        _types(_REQUESTS, {}, _REQUEST_FIELDS),
        help="make a simulated DubliNet peer send the gateway a request",
        description=(
            "Make a running simulator's peer send the gateway a signed request (through the\n"
            "control API: POST /control/dublinet/{state}/requests); prints its message id,\n"
            "conversation and national reference. Later messages on it: `eugw sim send`."
        ),
    )
    request.add_argument(
        "--reference", metavar="REF", help="the peer's national reference (default: made up)"
    )
    request.set_defaults(run=_simulators("peer_request", token=CONTROL_TOKEN))
    send = _peer_command(
        actions,
        "send",
        _FOLLOW_UPS,
        _types(_FOLLOW_UPS, _FOLLOW_UP_FIELDS, _ON_REQUEST_FIELDS),
        help="make a simulated peer send a message on a request it made (re-examination, ...)",
        description=(
            "Make a running simulator's peer send the gateway a message on a request it made\n"
            "(through the control API: POST /control/dublinet/{state}/messages): in the\n"
            "request's conversation, correlated with it, so that the gateway finds its case.\n"
            "Prints the message's id."
        ),
    )
    send.add_argument(
        "--request", required=True, metavar="REF", help="the national reference of its request"
    )
    send.set_defaults(run=_simulators("peer_send", token=CONTROL_TOKEN))


def _peer_command(
    actions: Subcommands,
    name: str,
    types: list[str],
    types_help: str,
    *,
    help: str,  # noqa: A002 - argparse's own name for it
    description: str,
) -> argparse.ArgumentParser:
    """A command by which a peer sends a message of one of `types`."""
    command = actions.add_parser(
        name,
        help=help,
        description=description,
        epilog=types_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument("--peer", required=True, help="the sending peer: NL, FR, ...")
    command.add_argument(
        "--type",
        required=True,
        choices=[kind.removeprefix("dublinet.") for kind in types],
        metavar="TYPE",
        help="one of those below",
    )
    command.add_argument("--file", metavar="JSON", help="its fields (- for standard input)")
    _add_control(command)
    return command


def _simulators(work: str, **variables: str) -> Run:
    """The `run` of a sim command: `simulators.cli`'s function `work`, imported only when the
    command runs (the gateway itself never depends on the simulators), each option named in
    `variables` taken, when not given, from its environment variable (read when the command
    runs, so that `--help` warns of no deprecated variable)."""

    def run(args: argparse.Namespace) -> int:
        from simulators import cli  # noqa: PLC0415 - only `eugw sim` needs them

        for option, variable in variables.items():
            setattr(args, option, getattr(args, option) or from_environment(variable) or None)
        done: int = getattr(cli, work)(args)
        return done

    return run
