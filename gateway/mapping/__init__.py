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
from gateway.mapping.engine import FORMATS, Mapping, MapResult, load_mapping
from gateway.mapping.problems import FieldProblem
from gateway.mapping.readers import SourceRow, read_rows

__all__ = [
    "FORMATS",
    "SOURCES",
    "FieldProblem",
    "MapResult",
    "Mapping",
    "SourceRow",
    "load_mapping",
    "load_source_mapping",
    "read_rows",
]

# The national sources with a shipped specification, and the formats of each.
SOURCES: dict[str, tuple[str, ...]] = {
    "evibel": ("json", "csv"),
    "actio": ("json",),
    "waiting-register": ("csv", "fixed"),
}


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
