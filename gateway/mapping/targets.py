"""Canonical field paths (`person.documents[0].number`) checked against the model's types.

A specification names its targets by the JSON paths of
`gateway.domain.serialization`; each is resolved once, at load time, to the
keys that reach it and the type it holds.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from typing import Any

from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord

__all__ = ["Target", "resolve_target"]

_SEGMENT = re.compile(r"^([a-z_][a-z0-9_]*)(?:\[(\d+)\])?$")


@frozen
class Target:
    """A resolved canonical path: the dict keys and list indexes to it, and its type."""

    path: str
    keys: tuple[str | int, ...]
    type: Any
    item_type: Any = None  # for a list field, the type of its items

    @property
    def is_list(self) -> bool:
        return self.item_type is not None

    @property
    def list_prefix(self) -> tuple[str | int, ...] | None:
        """The keys of the list this path goes through by index, if any."""
        for i, key in enumerate(self.keys):
            if isinstance(key, int):
                return self.keys[:i]
        return None


def resolve_target(path: str) -> Target:
    """Resolve a path against the canonical record, or raise `ValueError` saying why."""
    keys: list[str | int] = []
    tp: Any = CanonicalRecord
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if match is None:
            raise ValueError(f"{segment!r} is not a field name, nor a name with an [index]")
        name, index = match.groups()
        tp = _optional_inner(tp)
        if not dataclasses.is_dataclass(tp):
            raise ValueError(f"{'.'.join(map(str, keys)) or 'the record'} has no field {name!r}")
        hints = typing.get_type_hints(tp)
        if name not in hints:
            known = ", ".join(sorted(hints))
            raise ValueError(
                f"{getattr(tp, '__name__', tp)} has no field {name!r} (its fields: {known})"
            )
        keys.append(name)
        tp = _optional_inner(hints[name])
        if index is not None:
            if typing.get_origin(tp) is not tuple:
                raise ValueError(f"{name!r} is not a list and takes no [index]")
            if any(isinstance(key, int) for key in keys):
                raise ValueError("a path goes through one list index at most")
            keys.append(int(index))
            tp = _optional_inner(typing.get_args(tp)[0])
    item = typing.get_args(tp)[0] if typing.get_origin(tp) is tuple else None
    return Target(path=path, keys=tuple(keys), type=tp, item_type=item)


def _optional_inner(tp: Any) -> Any:
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        options = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return options[0]
    return tp
