"""`eugw message ...`: work with Eurodac and DubliNet XML messages."""

from __future__ import annotations

import argparse

from gateway.cli import signing

__all__ = ["register"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "message",
        help="sign and verify XML messages",
        description="Work with Eurodac and DubliNet XML messages.",
    )
    actions = parser.add_subparsers(title="message commands", metavar="COMMAND")
    signing.register_subcommands(actions)
