"""The `eugw` command line.

Each command lives in its own module with a `register(subparsers)` function.
Modules are imported lazily: `COMMANDS` names each command, its module and its
one-line help, so `eugw --help` and a command imports only that command's
module (the gateway's libraries take seconds to import). Exit status: 0 done,
1 bad input, 2 bad usage or configuration, 70 an unexpected error (reported in
one line; the log has the details), 130 interrupted, 141 the reader of the
output went away (`eugw queue list | head`: quietly, as Unix tools do).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from gateway import __version__
from gateway.errors import GatewayError

__all__ = ["COMMANDS", "build_parser", "main"]

# command -> (module of gateway.cli, help), in the order `eugw --help` lists them. A module
# may register several commands (info: version and errors); tests check this table against
# what the modules register.
COMMANDS: dict[str, tuple[str, str]] = {
    "version": ("info", "print the gateway's version"),
    "errors": ("info", "list the error codes and what they mean"),
    "check-record": ("check_record", "check a canonical record (JSON) against the domain rules"),
    "demo": (
        "demo",
        "run the gateway and the simulated EU side on sample data (nothing to configure)",
    ),
    "certs": ("certs", "generate demo certificates, list certificates and their expiry"),
    "message": (
        "message",
        "list, build, validate, sign and verify Eurodac and DubliNet messages",
    ),
    "map": (
        "map_records",
        "map a national export (Evibel, Actio, Waiting Register, Printrak) to records",
    ),
    "sample": ("sample", "synthetic national exports"),
    "deadline": ("deadline", "compute the legal deadline of a Dublin step"),
    "serve": ("serve", "run the gateway: API, mutual-TLS inbound endpoint and dispatcher"),
    "queue": ("queue", "inspect the outbox and act on messages"),
    "store": ("store", "check the message store for damage (the whole file or database)"),
    "tokens": ("tokens", "make, list and revoke API tokens"),
    "audit": ("audit", "verify, checkpoint or export the hash-chained audit trail"),
    "bench": ("bench", "measure throughput, stage by stage"),
    "sim": ("sim", "run the simulated Eurodac Central System and DubliNet peers"),
    "merge": (
        "merge_exports",
        "merge the Evibel, Printrak and Waiting Register records of each person",
    ),
    "submit": ("submit", "upload a source export to a running gateway and follow its progress"),
    "hits": ("hits", "list Eurodac hits and give the expert's verdict"),
    "cases": ("cases", "list Dublin cases and show one with its history"),
    "deadlines": ("deadlines", "the digest of Dublin deadlines overdue and due soon"),
}

EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, the status of a Unix tool whose reader went away
_GLOBAL_WITH_VALUE = "--config"


def build_parser(command: str | None = None, *, every: bool = False) -> argparse.ArgumentParser:
    """The parser, with `command`'s module (or, with `every`, all modules) registered in full
    and the other commands as their name and help only."""
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
    chosen = COMMANDS[command][0] if command in COMMANDS else None
    registered: set[str] = set()
    for name, (module, help_text) in COMMANDS.items():
        if every or module == chosen:
            if module not in registered:
                importlib.import_module(f"gateway.cli.{module}").register(commands)
                registered.add(module)
        else:
            commands.add_parser(name, help=help_text, add_help=False)
    return parser


def command_of(argv: Sequence[str]) -> str | None:
    """The command named by the arguments: the first that is not an option of `eugw`."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg.startswith("-"):
            # `--config FILE` (or an abbreviation, as argparse takes) holds the next argument.
            skip = len(arg) > 2 and "=" not in arg and _GLOBAL_WITH_VALUE.startswith(arg)
        else:
            return arg
    return None


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(command_of(arguments))
    args = parser.parse_args(arguments)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    try:
        result: int = args.run(args)
        sys.stdout.flush()  # a reader gone shows here, not at the interpreter's exit
    except BrokenPipeError:
        return _reader_gone()
    except GatewayError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback for users
        import structlog  # noqa: PLC0415 - only on this path: its import takes a while

        structlog.get_logger().exception("unexpected error", error_type=type(error).__name__)
        print(
            f"GW-INTERNAL: an unexpected error occurred ({type(error).__name__})", file=sys.stderr
        )
        return EXIT_INTERNAL
    return result


def _reader_gone() -> int:
    """Stop quietly: what is still buffered for standard output goes nowhere (else Python
    reports the closed pipe again when it flushes at exit), as the Python docs advise."""
    with contextlib.suppress(OSError, ValueError):  # ValueError: no descriptor (a test's)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_BROKEN_PIPE
