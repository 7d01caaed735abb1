"""The names of the national sources the gateway maps and their export formats, apart from
`gateway.mapping` (which imports YAML and the XML validation) so that a command's options
can offer them without importing it."""

from __future__ import annotations

__all__ = ["PRINTRAK", "SOURCES"]

# The national sources with a shipped specification, and the formats of each.
SOURCES: dict[str, tuple[str, ...]] = {
    "evibel": ("json", "csv"),
    "actio": ("json",),
    "waiting-register": ("csv", "fixed"),
}
# The Printrak captures (ANSI/NIST-ITL transactions): a source whose mapping is fixed in code
# (`gateway.mapping.printrak_source`), not a specification.
PRINTRAK = "printrak"
