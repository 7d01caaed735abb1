"""Lists as CSV files: the rows a console list shows under its filters, for a spreadsheet.

A cell that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab
or a carriage return) is written with a leading apostrophe, so a value a peer or a
submitter chose cannot run as a formula on an operator's desk (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiohttp import web

__all__ = ["MAX_EXPORTED", "csv_response", "flat"]

MAX_EXPORTED = 10_000  # rows of one export (narrow the filters for more)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_response(
    name: str, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]
) -> web.Response:
    """A CSV file named `name`.csv of `columns` (the header row), one line per row."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return web.Response(
        body=text.getvalue().encode("utf-8"),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


def flat(document: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested document as one level: `{"deadline": {"date": d}}` is `deadline.date`."""
    out: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, Mapping):
            out |= flat(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list | tuple | dict):
        text = json.dumps(value, sort_keys=True)
    else:
        text = str(value)
    return f"'{text}" if text.startswith(_FORMULA) else text
