"""Printrak transactions as a mapping source: one ANSI/NIST-ITL file is one record.

The other sources are text exports mapped by a YAML specification; a
Printrak capture is a binary transaction whose mapping is fixed in
`gateway.ansi_nist.read_printrak` (`mappings/printrak.md`). This module
gives it the same shape as the others: a `MapResult` per file, with every
problem as a `FieldProblem` (the path is the record and field of the file,
`record[3].14.013`, or the canonical path for a domain rule).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gateway.ansi_nist.printrak import read_printrak
from gateway.domain.rules import check_record
from gateway.errors import InputError
from gateway.mapping.engine import MapResult
from gateway.mapping.problems import FieldProblem
from gateway.sources import PRINTRAK

__all__ = ["PRINTRAK", "map_printrak", "printrak_files"]

# Printrak stations name their files .eft or .an2; a directory may hold other files too.
_SUFFIXES = frozenset({".eft", ".an2", ".nist", ".int"})


def map_printrak(data: bytes, *, today: date | None = None) -> MapResult:
    """The canonical fragment of one transaction; with `today`, the domain rules are checked."""
    try:
        record = read_printrak(data)
    except InputError as error:
        return MapResult(
            record=None,
            problems=tuple(
                FieldProblem(code=p.code, message=p.message, path=p.path) for p in error.problems
            ),
        )
    if today is not None:
        problems = check_record(record, today=today)
        if problems:
            return MapResult(
                record=None,
                problems=tuple(
                    FieldProblem(code=p.code, message=p.message, path=p.path) for p in problems
                ),
            )
    return MapResult(record=record)


def printrak_files(path: Path) -> list[Path]:
    """The file itself, or the transaction files of a directory (by name, not recursive)."""
    if not path.is_dir():
        return [path]
    return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in _SUFFIXES)
