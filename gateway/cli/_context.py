"""What commands share: building the gateway from settings, reading input files."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from gateway.app import Gateway, build_gateway, open_store
from gateway.errors import InputError
from gateway.ports import MessageStore
from gateway.settings import Settings, load_settings

__all__ = ["gateway_from", "read_fields", "read_json", "settings_from", "store_of"]


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings from the environment and `--config`, with logging configured."""
    return gateway_from(args).settings


@asynccontextmanager
async def store_of(settings: Settings) -> AsyncIterator[MessageStore]:
    """The gateway's store, opened for one command and closed after it."""
    store = await open_store(settings)
    try:
        yield store
    finally:
        await store.close()


def gateway_from(args: argparse.Namespace) -> Gateway:
    """The gateway configured by the environment and `--config`."""
    config = Path(args.config) if getattr(args, "config", None) else None
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
