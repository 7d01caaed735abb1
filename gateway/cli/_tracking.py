"""What the tracking commands share: the tracking store, the whole service, the operator
(`--by`)."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from gateway.cli._context import refuse_missing_store

if TYPE_CHECKING:  # imported when a command runs, not for its --help (see `_context`)
    from gateway.pipeline.services import Tracking
    from gateway.ports import TrackingStore
    from gateway.settings import Settings

__all__ = ["add_by_option", "operator", "tracking_of", "tracking_store_of"]


@asynccontextmanager
async def tracking_store_of(settings: Settings) -> AsyncIterator[TrackingStore]:
    """The tracking tables only (for reading: no keys or certificates needed); a store that
    does not exist is refused, not made (`GW-CFG-NO-STORE`)."""
    refuse_missing_store(settings)
    from gateway.app import open_tracking  # noqa: PLC0415 - when the command runs

    store = await open_tracking(settings)
    try:
        yield store
    finally:
        await store.close()


@asynccontextmanager
async def tracking_of(settings: Settings) -> AsyncIterator[Tracking]:
    """The tracking service wired as `eugw serve` wires it (signing key, outbox, store)."""
    from gateway.app import running_services  # noqa: PLC0415 - when the command runs

    async with running_services(settings) as services:
        if services.tracking is None:  # always wired by the composition root
            raise RuntimeError("tracking is not wired")
        yield services.tracking


def add_by_option(parser: argparse.ArgumentParser, who: str) -> None:
    """`--by`: who acts (`who`, in the help), else the login name (see `operator`)."""
    parser.add_argument("--by", help=f"{who} (default: your login)")


def operator(given: str | None) -> str:
    """Who gives a verdict from the command line: `--by`, else the login name."""
    return given or f"cli:{getpass.getuser()}"
