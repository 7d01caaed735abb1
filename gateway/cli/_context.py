"""What commands share: building the gateway from settings, reading input files."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.errors import ConfigError, InputError

if TYPE_CHECKING:  # the gateway's libraries take most of a second to import: a command's
    # --help must not wait for them, so they are imported when the command runs
    from gateway.app import Gateway
    from gateway.ports import MessageStore
    from gateway.settings import Settings

__all__ = [
    "NO_STORE",
    "gateway_from",
    "read_fields",
    "read_json",
    "refuse_missing_store",
    "settings_from",
    "store_of",
]

NO_STORE = "GW-CFG-NO-STORE"


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings from the environment and `--config`, with logging configured."""
    return gateway_from(args).settings


@asynccontextmanager
async def store_of(settings: Settings, *, create: bool = False) -> AsyncIterator[MessageStore]:
    """The gateway's store, opened for one command and closed after it. Unless `create`
    (a command that sets a gateway up), a store that does not exist is refused rather than
    made: a command pointed at the wrong place must not answer for an empty gateway."""
    from gateway.app import open_store  # noqa: PLC0415 - when the command runs

    if not create:
        refuse_missing_store(settings)
    store = await open_store(settings)
    try:
        yield store
    finally:
        await store.close()


def refuse_missing_store(settings: Settings) -> None:
    """`GW-CFG-NO-STORE` (exit 2) when the SQLite store the settings name does not exist,
    naming it and how to point at the right one (a PostgreSQL database is not looked for)."""
    from gateway.app import store_location  # noqa: PLC0415 - when the command runs

    path = store_location(settings)
    if isinstance(path, str):  # a PostgreSQL database
        return
    if settings.database_url:
        how = "set EUGW_DATABASE_URL (or database_url in --config) to the gateway's"
    else:
        how = (
            f"the data directory is {settings.data_dir}: set EUGW_DATA_DIR (or data_dir in "
            "--config) to the gateway's, e.g. EUGW_DATA_DIR=var/demo for `eugw demo`"
        )
    if not path.is_file():
        raise ConfigError(NO_STORE, f"no gateway store at {path} ({how})", str(path))


def gateway_from(args: argparse.Namespace) -> Gateway:
    """The gateway configured by the environment and `--config`."""
    config = Path(args.config) if getattr(args, "config", None) else None
    from gateway.app import build_gateway  # noqa: PLC0415 - when the command runs
    from gateway.settings import load_settings  # noqa: PLC0415 - when the command runs

    return build_gateway(load_settings(os.environ, config))


def read_json(name: str) -> Any:
    """Parse a JSON file (`-` for standard input) or raise an `InputError`."""
    try:
        text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
    except OSError as error:
        raise InputError("GW-IN-FILE", f"cannot read the file: {error.strerror}", name) from None
    except UnicodeDecodeError:
        raise InputError("GW-IN-FILE", "the file is not UTF-8 text", name) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            "GW-IN-JSON",
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
            name,
        ) from None


def read_fields(name: str | None, code: str, **given: str) -> dict[str, Any]:
    """The JSON object of fields in file `name` (none without one) with the fields `given` on
    the command line, which the file may repeat but not contradict; else an `InputError`
    with `code`."""
    fields = {} if name is None else read_json(name)
    if not isinstance(fields, dict):
        raise InputError(code, "the file holds a JSON object of fields", name or "")
    for key, value in given.items():
        if fields.get(key, value) != value:
            raise InputError(
                code, f"the file says {key} {fields[key]!r}, the command line {value!r}", key
            )
    return fields | given
