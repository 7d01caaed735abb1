"""The `eugw` command line.

Each command lives in its own module with a `register(subparsers)` function.
Exit status: 0 done, 1 bad input, 2 bad usage or configuration, 70 an
unexpected error (reported in one line; the log has the details).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import structlog

from gateway import __version__
from gateway.cli import (
    audit,
    bench,
    cases,
    certs,
    check_record,
    deadline,
    deadlines,
    demo,
    hits,
    info,
    map_records,
    merge_exports,
    message,
    queue,
    sample,
    serve,
    sim,
    store,
    submit,
    tokens,
)
from gateway.errors import GatewayError

__all__ = ["build_parser", "main"]

COMMANDS = (
    info,
    check_record,
    demo,
    certs,
    message,
    map_records,
    sample,
    deadline,
    serve,
    queue,
    store,
    tokens,
    audit,
    bench,
    sim,
    merge_exports,
    submit,
    hits,
    cases,
    deadlines,
)

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eugw",
        description=(
            "eu-gateway: maps national asylum records, builds, signs and delivers "
            "Eurodac and DubliNet messages, and tracks the replies and legal deadlines."
        ),
        epilog="Settings come from EUGW_* environment variables and an optional TOML file.",
    )
    parser.add_argument("--version", action="version", version=f"eugw {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML configuration file (default: $EUGW_CONFIG, if set)",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    try:
        result: int = args.run(args)
    except GatewayError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback for users
        structlog.get_logger().exception("unexpected error", error_type=type(error).__name__)
        print(
            f"GW-INTERNAL: an unexpected error occurred ({type(error).__name__})", file=sys.stderr
        )
        return EXIT_INTERNAL
    return result
