"""`eugw version` and `eugw errors`: what this gateway is and what its error codes mean."""

from __future__ import annotations

import argparse
import json
import platform

from gateway import __version__
from gateway.errors import ERROR_CODES

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    version = commands.add_parser(
        "version", help="print the gateway's version", description="Print the gateway's version."
    )
    version.set_defaults(run=_version)
    errors = commands.add_parser(
        "errors",
        help="list the error codes and what they mean",
        description="List every stable error code the gateway emits, with its meaning.",
    )
    errors.add_argument("--json", action="store_true", help="print a JSON object")
    errors.set_defaults(run=_errors)


def _version(_: argparse.Namespace) -> int:
    print(f"eugw {__version__} (Python {platform.python_version()})")
    return 0


def _errors(args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(ERROR_CODES, indent=2))
    else:
        width = max(len(code) for code in ERROR_CODES)
        for code, meaning in sorted(ERROR_CODES.items()):
            print(f"{code:<{width}}  {meaning}")
    return 0
