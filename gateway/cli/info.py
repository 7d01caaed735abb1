"""`eugw version` and `eugw errors`: what this gateway is and what its error codes mean."""

from __future__ import annotations

import argparse
import platform

from gateway import __version__
from gateway.cli._parsers import Subcommands, add_command, add_json_option, print_json
from gateway.errors import ERROR_CODES

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    version = add_command(commands, "version", "Print the gateway's version.")
    version.set_defaults(run=_version)
    errors = add_command(
        commands, "errors", "List every stable error code the gateway emits, with its meaning."
    )
    add_json_option(errors, "print a JSON object")
    errors.set_defaults(run=_errors)


def _version(_: argparse.Namespace) -> int:
    print(f"eugw {__version__} (Python {platform.python_version()})")
    return 0


def _errors(args: argparse.Namespace) -> int:
    if args.json:
        return print_json(ERROR_CODES)
    width = max(len(code) for code in ERROR_CODES)
    for code, meaning in sorted(ERROR_CODES.items()):
        print(f"{code:<{width}}  {meaning}")
    return 0
