"""Thin readers of source exports: JSON (an array or one object per line), CSV, fixed width.

They yield `SourceRow`s one at a time (a JSON array is the exception: it is
parsed whole), so a file of any length streams through the mapping. A row
that cannot be read is yielded with its problem instead of stopping the file.
What the header must hold is the specification's to say (`gateway.mapping.headers`):
the CSV reader hands it the header line, the fixed-width reader refuses a first
line with text after the layout before any row.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from gateway.domain.frozen import frozen
from gateway.domain.problems import Problem
from gateway.errors import InputError
from gateway.mapping.problems import FieldProblem
from gateway.validation.json_parsing import MAX_JSON_DEPTH, TOO_DEEP, json_depth, parse_json

__all__ = ["SourceRow", "read_csv_rows", "read_fixed_rows", "read_json_rows", "read_rows"]

BAD_ROW = "GW-MAP-ROW"
HEADER = "GW-MAP-HEADER"
FORMAT = "GW-MAP-FORMAT"


@frozen
class SourceRow:
    """One source record and where it was (line, or position in an array), or its problem."""

    number: int
    data: Any = None
    problem: FieldProblem | None = None


def read_rows(
    stream: TextIO,
    fmt: str,
    options: dict[str, str] | None = None,
    *,
    columns: tuple[tuple[str, int, int], ...] = (),
) -> Iterator[SourceRow]:
    """Rows of a `json`, `csv` or `fixed` (width) export."""
    if fmt == "csv":
        return read_csv_rows(stream, delimiter=(options or {}).get("delimiter", ","))
    if fmt == "fixed":
        return read_fixed_rows(stream, columns)
    return read_json_rows(stream)


def read_fixed_rows(
    stream: TextIO, columns: tuple[tuple[str, int, int], ...]
) -> Iterator[SourceRow]:
    """Rows of a fixed-width file: each column from its first to its last character (from 1).

    Text after the layout's last column is refused, never dropped: on the first line the
    whole file (`GW-MAP-HEADER`: the layout is not the file's), on a later line that row.
    A first line that begins like JSON is `GW-MAP-FORMAT`."""
    shortest = max((start for _, start, _ in columns), default=1)
    width = max((end for _, _, end in columns), default=0)
    first = True
    for number, line in enumerate(stream, start=1):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        extra = text[width:].rstrip()
        if first:
            _check_first_fixed_line(text, number, width, extra)
            first = False
        if extra:
            message = (
                f"line {number} holds text after character {width}, where the layout ends: "
                f"{extra[:20]!r}"
            )
            yield SourceRow(number=number, problem=FieldProblem(code=BAD_ROW, message=message))
            continue
        if len(text) < shortest:
            message = f"line {number} has {len(text)} characters; the layout needs {shortest}"
            yield SourceRow(number=number, problem=FieldProblem(code=BAD_ROW, message=message))
            continue
        yield SourceRow(
            number=number, data={name: text[start - 1 : end] for name, start, end in columns}
        )


def _check_first_fixed_line(text: str, number: int, width: int, extra: str) -> None:
    if text.lstrip().startswith(("{", "[")):
        message = f"the export is not fixed width: line {number} begins like JSON (is it json?)"
        raise InputError(FORMAT, message)
    if extra:
        end = width + len(extra)
        message = (
            f"line {number} holds text in characters {width + 1}-{end}, after the layout's "
            f"last column ends at character {width}: a column the specification does not know "
            f"({extra[:20]!r}), or a layout that is not the file's"
        )
        raise InputError(HEADER, message, f"characters {width + 1}-{end}")


def read_json_rows(stream: TextIO) -> Iterator[SourceRow]:
    """Objects of a JSON array (numbered from 1), or of JSON lines (numbered by line)."""
    first, skipped = _first_character(stream)
    if first == "[":
        yield from _json_array(first + stream.read())
        return
    for number, line in enumerate(_lines_from(first, stream), start=1 + skipped):
        if not line.strip():
            continue
        if json_depth(line, stop_above=MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
            message = f"line {number} nests deeper than {MAX_JSON_DEPTH} levels"
            yield SourceRow(number=number, problem=FieldProblem(code=TOO_DEEP, message=message))
            continue
        try:
            yield SourceRow(number=number, data=json.loads(line))
        except json.JSONDecodeError as error:
            message = f"line {number} is not valid JSON: {error.msg} (column {error.colno})"
            yield SourceRow(number=number, problem=FieldProblem(code=BAD_ROW, message=message))
        except ValueError as error:  # an integer of more than 4300 digits
            message = f"line {number} is not valid JSON: {str(error)[:200]}"
            yield SourceRow(number=number, problem=FieldProblem(code=BAD_ROW, message=message))


def read_csv_rows(
    stream: TextIO,
    *,
    delimiter: str = ",",
    check_header: Callable[[Sequence[str]], list[Problem]] | None = None,
) -> Iterator[SourceRow]:
    """Rows of a CSV file with a header line, numbered by the line they end on; with
    `check_header`, the header's problems refuse the file before any row."""
    reader = csv.DictReader(stream, delimiter=delimiter)
    try:
        fields = reader.fieldnames  # None: an empty file, no header and no row
        if check_header is not None and fields is not None and (problems := check_header(fields)):
            raise InputError.from_problems(problems)
        for row in reader:
            if None in row or None in row.values():
                columns = len(reader.fieldnames or [])
                message = f"line {reader.line_num} does not have the header's {columns} columns"
                yield SourceRow(
                    number=reader.line_num, problem=FieldProblem(code=BAD_ROW, message=message)
                )
                continue
            yield SourceRow(number=reader.line_num, data=row)
    except csv.Error as error:
        raise InputError(
            BAD_ROW, f"the CSV file cannot be read at line {reader.line_num}: {error}"
        ) from None


def _first_character(stream: TextIO) -> tuple[str, int]:
    """The first character that is not white space, and how many line ends came before it."""
    skipped = 0
    while True:
        char = stream.read(1)
        if not char or not char.isspace():
            return char, skipped
        skipped += char == "\n"


def _lines_from(first: str, stream: TextIO) -> Iterator[str]:
    if not first:
        return
    yield first + stream.readline()
    yield from stream


def _json_array(text: str) -> Iterator[SourceRow]:
    items = parse_json(text)  # sized and its nesting measured before decoding
    for number, item in enumerate(items, start=1):
        yield SourceRow(number=number, data=item)
