"""Declarative mapping of national source records to the canonical model.

Specifications (`mappings/<source>.<format>.yaml`) are compiled once into
plans of closures (`load_mapping`); code lists are data files; a bad record
yields every problem at once, each with its code, canonical path and source
field; fragments about one person from several sources are merged with
conflicts reported (`merge`).
"""

from __future__ import annotations

from pathlib import Path

from gateway.errors import ConfigError
from gateway.mapping.engine import EXTENSIONS, FORMATS, Mapping, MapResult, load_mapping
from gateway.mapping.problems import FieldProblem
from gateway.mapping.readers import SourceRow, read_rows
from gateway.sources import SOURCES

__all__ = [
    "FORMATS",
    "SOURCES",
    "FieldProblem",
    "MapResult",
    "Mapping",
    "SourceRow",
    "format_of_file",
    "load_mapping",
    "load_source_mapping",
    "read_rows",
]


def load_source_mapping(directory: Path, source: str, fmt: str | None = None) -> Mapping:
    """The compiled specification `<directory>/<source>.<format>.yaml`."""
    formats = SOURCES.get(source)
    if formats is None:
        raise ConfigError("GW-CFG-USAGE", f"no mapping for the source {source!r}", "--source")
    chosen = fmt or formats[0]
    if chosen not in formats:
        raise ConfigError(
            "GW-CFG-USAGE",
            f"{source} exports come as {', '.join(formats)}, not {chosen}",
            "--format",
        )
    return load_mapping(directory / f"{source}.{chosen}.yaml")


def format_of_file(directory: Path | None, source: str, file_name: str) -> str | None:
    """The format of a `source` export named `file_name`, from the `extensions` of the
    source's specifications in `directory` (by default, or without a directory, `.json` and
    `.jsonl` are JSON, `.csv` CSV, `.txt` fixed width). None when the name says nothing (the
    source's own format then; its content is checked). A name that says a format the
    source does not come in is refused (`GW-CFG-USAGE`)."""
    formats = SOURCES.get(source, ())
    endings = {fmt: _extensions(directory, source, fmt) for fmt in formats}
    name = file_name.lower()
    for fmt, extensions in endings.items():
        if name.endswith(extensions):
            return fmt
    other = [fmt for fmt, extensions in EXTENSIONS.items() if name.endswith(extensions)]
    if other:
        listing = "; ".join(f"{fmt} ({', '.join(ends)})" for fmt, ends in endings.items())
        raise ConfigError(
            "GW-CFG-USAGE",
            f"{source} exports come as {listing}; {file_name!r} is named like a {other[0]} "
            "export: give --format if it is one of the source's",
            "--format",
        )
    return None


def _extensions(directory: Path | None, source: str, fmt: str) -> tuple[str, ...]:
    spec = directory / f"{source}.{fmt}.yaml" if directory is not None else None
    if spec is None or not spec.is_file():
        return EXTENSIONS[fmt]
    return load_mapping(spec).extensions
