"""The record layout of a fixed-width export, read from its specification.

    format: fixed
    fixed:
      columns:             # name: [first, last] character, counted from 1, inclusive
        RRN: [1, 11]
        NAAM: [12, 61]

Columns may not overlap, each column is read by a rule or listed under
`unread:`, and the rules read columns of the layout only; the layout is
refused with its line otherwise.
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping

from gateway.mapping.yamlfile import LineDict, spec_error

__all__ = ["check_layout", "fixed_columns"]


def fixed_columns(document: LineDict, file: str) -> tuple[tuple[str, int, int], ...]:
    """(name, first, last) of each column, in the order of the line."""
    layout = document.get("fixed")
    if not isinstance(layout, LineDict) or not isinstance(layout.get("columns"), LineDict):
        raise spec_error(
            file, document.line_of("fixed"), "'fixed' needs 'columns': name: [first, last]"
        )
    columns = layout["columns"]
    found: list[tuple[str, int, int]] = []
    for name, span in columns.items():
        line = columns.line_of(name)
        if (
            not isinstance(span, list)
            or len(span) != 2
            or not all(type(n) is int for n in span)
            or not 1 <= span[0] <= span[1]
        ):
            raise spec_error(
                file, line, f"column {name!r} needs [first, last], with 1 <= first <= last"
            )
        found.append((str(name), span[0], span[1]))
    found.sort(key=lambda column: column[1])
    for (before, _, end), (after, start, _) in itertools.pairwise(found):
        if start <= end:
            raise spec_error(file, columns.line_of(after), f"column {after!r} overlaps {before!r}")
    return tuple(found)


def check_layout(
    document: LineDict,
    file: str,
    columns: tuple[tuple[str, int, int], ...],
    read: Mapping[str, str],
    unread: Collection[str],
) -> None:
    """Refuse a layout with a column nobody reads (nor lists as unread), or rules (and
    `unread:`) that name a column the layout does not have."""
    names = {name for name, _, _ in columns}
    layout = document["fixed"]["columns"]
    for name, use in read.items():
        if name not in names:
            raise spec_error(
                file,
                document.line_of("fixed"),
                f"the layout has no column {name!r}, which the rules read ({use})",
            )
    for name in unread:
        if name not in names:
            raise spec_error(
                file,
                document["unread"].line_of(name),
                f"the layout has no column {name!r}, listed under 'unread'",
            )
    for name, _, _ in columns:
        if name not in read and name not in unread:
            raise spec_error(
                file,
                layout.line_of(name),
                f"no rule reads the column {name!r}: map it, or list it under 'unread' with why",
            )
