"""Code lists: data files under `mappings/codelists/` that turn source codes into canonical ones.

    name: sex-evibel
    description: Sex as Evibel records it (Dutch and French initials).
    case_sensitive: false        # optional, default false
    values:
      M: M
      V: F

Keys are the source codes (numbers are read as text), values the canonical
codes. A list is loaded once, when the specification that names it is compiled.
"""

from __future__ import annotations

from pathlib import Path

from gateway.domain.frozen import frozen
from gateway.mapping.yamlfile import LineDict, load_yaml, spec_error

__all__ = ["CodeList", "load_code_list"]


@frozen
class CodeList:
    """A loaded code list, with the line of each value for errors about it."""

    name: str
    file: str
    values: dict[str, str]
    lines: dict[str, int]
    case_sensitive: bool = False


def load_code_list(directory: Path, name: str) -> CodeList:
    """Load `directory/<name>.yaml`, or refuse it with its file and line."""
    path = directory / f"{name}.yaml"
    document = load_yaml(path)
    file = str(path)
    if not isinstance(document, LineDict):
        raise spec_error(file, 1, "a code list is a mapping with a 'values' key")
    unknown = set(document) - {"name", "description", "case_sensitive", "values"}
    if unknown:
        key = sorted(unknown, key=str)[0]
        raise spec_error(file, document.line_of(key), f"a code list has no key {key!r}")
    values = document.get("values")
    if not isinstance(values, LineDict) or not values:
        raise spec_error(file, document.line_of("values"), "'values' must be a non-empty mapping")
    table: dict[str, str] = {}
    lines: dict[str, int] = {}
    for key, value in values.items():
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise spec_error(file, values.line_of(key), f"the value of {key!r} must be text")
        table[str(key).strip()] = str(value)
        lines[str(key).strip()] = values.line_of(key)
    case_sensitive = document.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool):
        raise spec_error(file, document.line_of("case_sensitive"), "must be true or false")
    return CodeList(name=name, file=file, values=table, lines=lines, case_sensitive=case_sensitive)
