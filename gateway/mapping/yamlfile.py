"""YAML files that remember where each key and item was written, for errors with a line.

Mapping specifications and code lists are YAML. The loader builds plain
dicts and lists that also carry the line of every key and item, so that a
bad specification is refused with its file and line. Duplicate keys, which
YAML would silently let the last one win, are refused too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from gateway.errors import ConfigError

__all__ = ["LineDict", "LineList", "load_yaml", "spec_error"]

SPEC = "GW-MAP-SPEC"


class LineDict(dict[Any, Any]):
    """A YAML mapping; `line` is where it starts, `lines[key]` where a key is written."""

    line: int
    lines: dict[Any, int]
    file: str

    def line_of(self, key: object) -> int:
        return self.lines.get(key, self.line)


class LineList(list[Any]):
    """A YAML sequence; `line` is where it starts, `lines[i]` where item i is written."""

    line: int
    lines: list[int]
    file: str


def spec_error(file: str, line: int, message: str) -> ConfigError:
    """The error that refuses a specification, pointing at its file and line."""
    return ConfigError(SPEC, message, f"{file}:{line}")


def load_yaml(path: Path) -> Any:
    """Parse a YAML file into `LineDict`/`LineList`/scalars, or refuse it with file and line."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise spec_error(name, 0, f"cannot read the file: {error}") from None
    loader = _LineLoader(text)
    loader.file_name = name
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        raise spec_error(name, line, f"not valid YAML: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise spec_error(name, 0, f"not valid YAML: {error}") from None
    finally:
        loader.dispose()


class _LineLoader(yaml.SafeLoader):
    file_name = ""


# YAML 1.1 reads NO (Norway), ON and Y as booleans; only true and false are booleans here.
_BOOL = "tag:yaml.org,2002:bool"
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|false)$"), list("tf"))


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    result.file = loader.file_name
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int | bool | float):
            raise spec_error(loader.file_name, line, "a key must be a plain value")
        if key in result:
            raise spec_error(loader.file_name, line, f"the key {key!r} is given twice")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    result.file = loader.file_name
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
