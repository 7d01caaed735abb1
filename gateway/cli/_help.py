"""Help texts the commands that take `--type TYPE --file JSON` share."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["fields_help"]


def fields_help(types: Mapping[str, Mapping[str, str]]) -> str:
    """Each TYPE (a line that names it) with the fields of its JSON object and their meaning;
    types with the same fields are listed together, above them."""
    groups: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for label, fields in types.items():
        groups.setdefault(tuple(fields.items()), []).append(label)
    lines = ["TYPE, and the fields of the JSON object in --file:"]
    for fields_of_group, labels in groups.items():
        lines.extend(f"  {label}" for label in labels)
        lines.extend(f"      {name:<18} {meaning}" for name, meaning in fields_of_group)
    return "\n".join(lines)
