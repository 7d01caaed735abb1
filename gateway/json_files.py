"""JSON files a person hands a command (`-`: standard input): read whole, or refused with
`GW-IN-FILE` / `GW-IN-JSON` and the file's name. Light on purpose: the `eugw` commands and
`eugw sim`'s control calls both read their files through it."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from gateway.errors import InputError

__all__ = ["read_fields", "read_json"]


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
