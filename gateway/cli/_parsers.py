"""What the commands' parsers share: a command made of subcommands, a subcommand whose work is
a coroutine on the settings, the options several commands take, and a JSON answer. Light: a
command's --help imports this."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable, Coroutine, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from gateway.cli._context import settings_from
from gateway.errors import ConfigError

if TYPE_CHECKING:  # the settings load the gateway's libraries: imported when a command runs
    from gateway.settings import Settings

__all__ = [
    "Run",
    "SubcommandModule",
    "Subcommands",
    "add_command",
    "add_count_option",
    "add_input_file",
    "add_json_option",
    "add_mappings_option",
    "add_out_option",
    "at_least_one",
    "command_group",
    "print_json",
    "usage",
    "with_settings",
]

# argparse's class is not subscriptable when the program runs: the alias is for the checker
Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
Run = Callable[[argparse.Namespace], int]


class SubcommandModule(Protocol):
    """A module that adds subcommands to another command's group (that command's
    `EXTENSIONS`: `eugw message sign` comes from `gateway.cli.signing`)."""

    def register_subcommands(self, subcommands: Subcommands) -> None: ...


def add_command(
    commands: Subcommands, name: str, description: str, **options: Any
) -> argparse.ArgumentParser:
    """The command `name`, with the one-line help `eugw --help` gives it (`COMMANDS`)."""
    from gateway.cli import COMMANDS  # noqa: PLC0415 - the package imports its commands lazily

    return commands.add_parser(name, help=COMMANDS[name][1], description=description, **options)


def command_group(
    commands: Subcommands,
    name: str,
    description: str,
    *,
    title: str | None = None,
    metavar: str = "COMMAND",
    run: Run | None = None,
    subcommands: Callable[[Subcommands], None] | None = None,
    extensions: Iterable[SubcommandModule] = (),
    **options: Any,
) -> tuple[argparse.ArgumentParser, Subcommands]:
    """The command `name` and its subcommands: those `subcommands` adds, then those of each of
    `extensions` (the command module's `EXTENSIONS`), in that order in its help. Named alone
    it runs `run`, else it shows its help on standard error and exits 2 (a command is
    missing)."""
    parser = add_command(commands, name, description, **options)
    parser.set_defaults(run=run or (lambda _: usage(parser)))
    group = parser.add_subparsers(title=title or f"{name} commands", metavar=metavar)
    if subcommands is not None:
        subcommands(group)
    for extension in extensions:
        extension.register_subcommands(group)
    return parser, group


def add_input_file(parser: argparse.ArgumentParser, what: str) -> None:
    """The argument FILE (`args.file`): `what`, or standard input when it is '-'."""
    parser.add_argument("file", metavar="FILE", help=f"{what} ('-' for stdin)")


def add_out_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """`--out FILE` (`args.out`, a path or None): where the command writes what it makes."""
    parser.add_argument("--out", metavar="FILE", type=Path, help=help_text)


def add_json_option(
    parser: argparse.ArgumentParser, help_text: str = "print a JSON report"
) -> None:
    """`--json`: the command answers in JSON rather than in text."""
    parser.add_argument("--json", action="store_true", help=help_text)


def add_count_option(parser: argparse.ArgumentParser, default: int, what: str) -> None:
    """`--count N` of a benchmark: how many `what` it measures (checked by `at_least_one`
    when it runs)."""
    parser.add_argument("--count", type=int, default=default, help=f"{what} (default {default})")


def add_mappings_option(parser: argparse.ArgumentParser) -> None:
    """`--mappings DIR`: mapping specifications other than the configured ones (read by
    `_context.mappings_dir`)."""
    parser.add_argument(
        "--mappings", metavar="DIR", help="the specifications' directory (default: mappings_dir)"
    )


def usage(parser: argparse.ArgumentParser) -> int:
    """The help of a command named without what it needs: exit status 2."""
    parser.print_help(sys.stderr)
    return 2


def with_settings(work: Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]) -> Run:
    """A subcommand's `run`: `work` on the settings (environment and --config) and its args."""
    return lambda args: asyncio.run(work(settings_from(args), args))


def at_least_one(value: int, option: str) -> int:
    """`value`, given by `option`, when it is 1 or more; else `GW-CFG-USAGE` (exit 2)."""
    if value < 1:
        raise ConfigError("GW-CFG-USAGE", f"{option} is at least 1", option)
    return value


def print_json(document: object) -> int:
    """`document` as indented JSON on standard output; exit status 0."""
    print(json.dumps(document, indent=2))
    return 0
