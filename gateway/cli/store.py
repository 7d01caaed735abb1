"""`eugw store check`: read the whole store and say whether it is whole."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from typing import TYPE_CHECKING

from gateway.cli._context import settings_from
from gateway.cli._parsers import Subcommands, add_json_option, command_group, print_json
from gateway.errors import TransportError

if TYPE_CHECKING:
    from gateway.adapters.store_check import StoreReport

__all__ = ["register"]


def register(commands: Subcommands) -> None:
    _, actions = command_group(
        commands,
        "store",
        "Check the store the gateway is configured with (EUGW_DATABASE_URL, "
        "else gateway.sqlite3 in EUGW_DATA_DIR).",
    )
    check = actions.add_parser(
        "check",
        help="read the whole store and list what is damaged",
        description="SQLite: PRAGMA integrity_check (every page and index; the gateway runs "
        "the quicker quick_check at each start), foreign_key_check, and the store's id "
        "against its marker file. PostgreSQL: the migrations, every table read through, "
        "and the indexes with amcheck when installed. Exit 0 when the store is whole, 1 "
        "with the problems listed (GW-STORE-CORRUPT), 2 when it cannot be reached. Stop "
        "the gateway first for a SQLite file: a check reads a moment's state.",
    )
    check.add_argument("--store", metavar="URL", help="sqlite:///PATH or postgresql://...")
    add_json_option(check, "the report as JSON")
    check.set_defaults(run=_check)


def _check(args: argparse.Namespace) -> int:
    # imported when the command runs, not for its --help
    from gateway.adapters.store_check import check_postgres, check_sqlite  # noqa: PLC0415
    from gateway.app import store_location  # noqa: PLC0415

    settings = settings_from(args)
    if args.store:
        settings = dataclasses.replace(settings, database_url=args.store)
    location = store_location(settings)
    if isinstance(location, str):
        report = asyncio.run(check_postgres(location))
    else:
        report = check_sqlite(location)
    if args.json:
        print_json({**dataclasses.asdict(report), "whole": report.whole})
    else:
        _print(report)
    if not report.whole:
        raise TransportError(
            "GW-STORE-CORRUPT", "the store is not whole (the problems are listed above)"
        )
    return 0


def _print(report: StoreReport) -> None:
    print(f"{report.store}: {'whole' if report.whole else 'DAMAGED'}")
    for done in report.checked:
        print(f"  checked: {done}")
    for problem in report.problems:
        print(f"  problem: {problem}")
