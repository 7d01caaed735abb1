"""`@frozen`: the house's record, named once (STYLE.md, 4).

A class decorated `@frozen` is a `dataclasses.dataclass(frozen=True, kw_only=True,
slots=True)`, nothing more: fields cannot be reassigned, the constructor takes keywords
only, and instances carry no `__dict__`. Type checkers read the same through
`dataclass_transform`. A class that needs another choice (`eq=False`, positional
arguments) spells out `@dataclass(...)` itself, so that the difference shows.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar, dataclass_transform

__all__ = ["frozen"]

T = TypeVar("T")


@dataclass_transform(
    frozen_default=True,
    kw_only_default=True,
    field_specifiers=(dataclasses.field, dataclasses.Field),
)
def frozen(cls: type[T]) -> type[T]:
    """`cls` as a frozen, keyword-only, slotted dataclass (a new class, as `slots=True` makes)."""
    return dataclasses.dataclass(frozen=True, kw_only=True, slots=True)(cls)
