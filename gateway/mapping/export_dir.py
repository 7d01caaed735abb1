"""Read an export directory (as `eugw sample generate` writes it) into fragments, and merge them.

    merged = merge_export_directory(Path("var/sample"), Path("mappings"), today=date.today())

The directory holds `evibel/*.jsonl|json` (or `*.csv` when there is no JSON),
`waiting-register/*.csv` and `printrak/*.eft|an2`. Every record is mapped
with its source's specification; those that map become fragments, those
that do not are kept with their problems (file, record number). The
fragments are then merged per person (`gateway.mapping.merge`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

from gateway.domain.frozen import frozen
from gateway.errors import InputError
from gateway.mapping import load_source_mapping
from gateway.mapping.merge import Fragment, MergeResult, merge
from gateway.mapping.printrak_source import PRINTRAK, map_printrak, printrak_files
from gateway.mapping.problems import FieldProblem

__all__ = [
    "ExportDirectory",
    "MergedExports",
    "Rejected",
    "merge_export_directory",
    "read_export_directory",
]

# The text sources merged, with the formats looked for in the order preferred: the Evibel CSV
# says the same as its JSON, so only one of them is read.
_TEXT_SOURCES = (("evibel", ("json", "csv")), ("waiting-register", ("csv",)))
_SUFFIXES = {"json": (".jsonl", ".json"), "csv": (".csv",)}


@frozen
class Rejected:
    """A source record that could not be mapped, so takes no part in the merge."""

    source: str
    file: str
    number: int
    problems: tuple[FieldProblem, ...]


@frozen
class ExportDirectory:
    fragments: tuple[Fragment, ...]
    rejected: tuple[Rejected, ...]
    files: tuple[str, ...]


@frozen
class MergedExports:
    persons: list[MergeResult]
    rejected: tuple[Rejected, ...]
    files: tuple[str, ...]


def read_export_directory(
    directory: Path, mappings_dir: Path, *, today: date | None = None
) -> ExportDirectory:
    """Map every record of the Evibel, Waiting Register and Printrak files under `directory`."""
    if not directory.is_dir():
        raise InputError("GW-IN-FILE", "an export directory is expected", str(directory))
    fragments: list[Fragment] = []
    rejected: list[Rejected] = []
    files: list[str] = []
    for source, fmt, file in _text_files(directory):
        files.append(str(file))
        mapping = load_source_mapping(mappings_dir, source, fmt)
        with file.open(encoding=mapping.encoding, newline="" if fmt == "csv" else None) as stream:
            for row in mapping.read(stream):
                problems: tuple[FieldProblem, ...]
                if row.problem is not None:
                    problems = (row.problem,)
                else:
                    result = mapping.map(row.data, today=today)
                    if result.record is not None:
                        fragments.append(Fragment.of(source, result.record))
                        continue
                    problems = result.problems
                rejected.append(
                    Rejected(source=source, file=str(file), number=row.number, problems=problems)
                )
    for file in printrak_files(directory / PRINTRAK) if (directory / PRINTRAK).is_dir() else []:
        files.append(str(file))
        result = map_printrak(file.read_bytes(), today=None)
        if result.record is not None:
            fragments.append(Fragment.of(PRINTRAK, result.record))
        else:
            rejected.append(
                Rejected(source=PRINTRAK, file=str(file), number=1, problems=result.problems)
            )
    return ExportDirectory(fragments=tuple(fragments), rejected=tuple(rejected), files=tuple(files))


def merge_export_directory(
    directory: Path, mappings_dir: Path, *, today: date | None = None
) -> MergedExports:
    """The persons of an export directory, each merged or with its conflicts."""
    export = read_export_directory(directory, mappings_dir)
    return MergedExports(
        persons=merge(export.fragments, today=today), rejected=export.rejected, files=export.files
    )


def _text_files(directory: Path) -> Iterator[tuple[str, str, Path]]:
    for source, formats in _TEXT_SOURCES:
        folder = directory / source
        for fmt in formats:
            found = sorted(
                p for p in folder.glob("*") if p.is_file() and p.name.endswith(_SUFFIXES[fmt])
            ) if folder.is_dir() else []  # fmt: skip
            if found:
                yield from ((source, fmt, file) for file in found)
                break
