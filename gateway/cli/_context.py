"""What commands share: building the gateway from settings and opening its store."""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from gateway.errors import ConfigError

if TYPE_CHECKING:  # the gateway's libraries take most of a second to import: a command's
    # --help must not wait for them, so they are imported when the command runs
    from gateway.app import Gateway
    from gateway.ports import MessageStore
    from gateway.settings import Settings

__all__ = [
    "NO_STORE",
    "gateway_from",
    "mappings_dir",
    "refuse_missing_store",
    "settings_from",
    "store_of",
]

NO_STORE = "GW-CFG-NO-STORE"


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings from the environment and `--config`, with logging configured."""
    return gateway_from(args).settings


def mappings_dir(args: argparse.Namespace, settings: Settings | None = None) -> Path:
    """The mapping specifications' directory: `--mappings`, else the configured one (from
    `settings` when the command has them already, else read only then)."""
    if args.mappings:
        return Path(args.mappings)
    return (settings or settings_from(args)).mappings_dir


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
