"""What commands share: building the gateway from settings, reading input files."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from gateway.app import Gateway, build_gateway
from gateway.errors import InputError
from gateway.settings import load_settings

__all__ = ["gateway_from", "read_json"]


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
