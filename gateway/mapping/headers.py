"""What a source export holds, checked against its specification before any record is mapped.

A specification names the source fields its rules read (`from`, the parts of a
`name`, the `field` of a `when`) and, under `unread:`, those an export holds
that the gateway deliberately does not read, each with the reason:

    unread:
      ADRES: the address; not in the canonical model, never sent to the EU

An export whose header does not fit is refused as a whole, before any record
(`GW-MAP-HEADER`, the path naming the column or key), so that a renamed column
cannot quietly leave a field out of every record:

- CSV: the header line lacks a column a rule reads, holds one that is neither
  read nor unread, or holds one twice;
- fixed width: the first line holds text after the layout's last column (the
  layout itself is checked against the rules when the specification is loaded);
- JSON (no header): a record holds a key, at any depth the specification reads
  into, that is neither read nor unread. A key that is read may be absent from a
  record: optional data, as an empty column of a CSV line.

Content that is not in the format at all (JSON read as CSV, a CSV header split
by another delimiter, ...) is `GW-MAP-FORMAT`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from typing import Any, TextIO

from gateway.domain.frozen import frozen
from gateway.domain.problems import Problem
from gateway.errors import InputError
from gateway.mapping.readers import FORMAT, HEADER, SourceRow, read_json_rows

__all__ = ["FORMAT", "HEADER", "ExportFields", "checked_json_rows", "refuse", "text_start"]

_MAX_UNKNOWN_KEYS = 50  # distinct keys reported for one JSON export
_DELIMITERS = (";", ",", "\t", "|")
_SHOWN = 60  # characters of the start of an export quoted in a GW-MAP-FORMAT sentence


@frozen
class ExportFields:
    """The fields a specification reads (each with where it goes) and those it leaves unread."""

    spec: str  # the specification's file, named in the sentences
    read: Mapping[str, str]  # source field -> the canonical path it is mapped to, or its use
    unread: frozenset[str] = frozenset()
    _tree: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_tree", _key_tree([*self.read, *self.unread]))

    def csv_problems(self, header: Sequence[str], *, delimiter: str) -> list[Problem]:
        """What is wrong with a CSV header line: every missing, unknown or doubled column."""
        first = header[0].lstrip() if header else ""
        if first.startswith(("{", "[")):
            return [_not_the_format("CSV", ",".join(header), "json")]
        if len(header) == 1 and len(self.read) > 1:
            other = [d for d in _DELIMITERS if d != delimiter and d in first]
            if other:
                message = (
                    f"the header line is not separated by {delimiter!r}, the delimiter of "
                    f"{self.spec}, but by {other[0]!r}: another export, or another delimiter"
                )
                return [Problem(code=FORMAT, message=message, path="")]
        problems = []
        seen: set[str] = set()
        for name in header:
            if name in seen:
                message = f"the column {name!r} is in the header line twice"
                problems.append(Problem(code=HEADER, message=message, path=name))
            seen.add(name)
        for name, target in self.read.items():
            if name not in seen:
                message = (
                    f"the header line has no column {name!r}, which {self.spec} maps to "
                    f"{target}: a column renamed or left out?"
                )
                problems.append(Problem(code=HEADER, message=message, path=name))
        problems += [
            Problem(code=HEADER, message=self._unknown(f"the column {name!r}"), path=name)
            for name in dict.fromkeys(header)
            if name not in self.read and name not in self.unread
        ]
        return problems

    def json_problems(self, rows: Iterable[SourceRow], *, array: bool) -> list[Problem]:
        """Every key of the records that is neither read nor unread, once, where it is first."""
        first_at: dict[str, int] = {}
        for row in rows:
            if row.problem is not None or not isinstance(row.data, dict):
                continue  # reported with the record, as GW-MAP-ROW
            for key in _unknown_keys(row.data, self._tree, ""):
                first_at.setdefault(key, row.number)
            if len(first_at) >= _MAX_UNKNOWN_KEYS:
                break
        where = "item" if array else "line"
        return [
            Problem(
                code=HEADER,
                message=self._unknown(f"the key {key!r} (first in the record at {where} {at})"),
                path=key,
            )
            for key, at in first_at.items()
        ]

    def _unknown(self, what: str) -> str:
        return (
            f"{what} is not in {self.spec}: a field renamed, or one to list under 'unread' "
            "if the gateway need not read it"
        )


def refuse(problems: list[Problem]) -> None:
    """Raise the problems of a header as one `InputError`, if there are any."""
    if problems:
        raise InputError.from_problems(problems)


def text_start(text: str) -> str:
    """The start of a text as a sentence quotes it."""
    shown = " ".join(text.split())
    return repr(shown[:_SHOWN] + ("..." if len(shown) > _SHOWN else ""))


def checked_json_rows(stream: TextIO, fields: ExportFields) -> Iterator[SourceRow]:
    """The rows of a JSON export once all its keys are checked (a first pass over it)."""
    source = _rereadable(stream)
    try:
        start = source.tell()
        head = source.read(4096)
        first = head.lstrip()[:1]
        if first and first not in "[{":
            refuse([_not_the_format("JSON", head, "csv or fixed")])
        source.seek(start)
        refuse(fields.json_problems(read_json_rows(source), array=first == "["))
        source.seek(start)
        yield from read_json_rows(source)
    finally:
        if source is not stream:
            source.close()  # the copy of standard input


def _not_the_format(expected: str, head: str, other: str) -> Problem:
    message = f"the export is not {expected}: it begins with {text_start(head)} (is it {other}?)"
    return Problem(code=FORMAT, message=message, path="")


def _rereadable(stream: TextIO) -> TextIO:
    """The stream itself when it can be read again, else a copy (standard input)."""
    if stream.seekable():
        return stream
    copy = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
    for block in iter(lambda: stream.read(1 << 20), ""):
        copy.write(block)
    copy.seek(0)
    return copy


def _key_tree(names: Iterable[str]) -> dict[str, Any]:
    """The dotted names as nested dicts; a name read whole is a leaf (None), whatever it holds."""
    tree: dict[str, Any] = {}
    for name in sorted(names, key=lambda n: n.count(".")):
        node: dict[str, Any] | None = tree
        *parents, last = name.split(".")
        for key in parents:
            if node is None:
                break
            node = node.setdefault(key, {})
        if node is not None:
            node[last] = None
    return tree


def _unknown_keys(record: Mapping[str, Any], tree: Mapping[str, Any], prefix: str) -> Iterator[str]:
    for key, value in record.items():
        if key not in tree:
            yield f"{prefix}{key}"
            continue
        inner = tree[key]
        if inner is not None and isinstance(value, dict):
            yield from _unknown_keys(value, inner, f"{prefix}{key}.")
