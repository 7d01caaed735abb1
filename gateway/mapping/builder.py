"""A compiled builder of canonical records from the plan's typed trees: the fast path.

The decoder of `gateway.domain.serialization` walks the model's type hints
for every record and parses every leaf; that is thorough but too slow for
bulk mapping. The plan's tree already holds typed leaves (enum members,
dates, partial dates, reference numbers), so this builder walks the type
hints once, compiles one constructor per dataclass, and only checks types.
At the first thing it does not expect it gives up, and the caller decodes the
tree the thorough way, so that the decoder's problems (codes and paths) stay
the reference. A test checks that both build the same records.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Any

from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.record import CanonicalRecord
from gateway.domain.serialization import encode

__all__ = ["GiveUp", "build_record", "compile_builder", "to_json"]

Build = Callable[[Any], Any]


class GiveUp(Exception):  # noqa: N818 - a signal, not an error: the decoder takes over
    """The tree is not what the fast path expects; decode it the thorough way."""


def compile_builder(tp: Any) -> Build:  # noqa: PLR0911 - one return per kind of field
    """A function building a value of type `tp` from a typed tree, or raising `GiveUp`."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        inner = compile_builder(next(a for a in typing.get_args(tp) if a is not type(None)))
        return lambda data: None if data is None else inner(data)
    if origin is tuple and typing.get_args(tp)[0] in (str, int):
        # The plan types text and numbers itself; the items need no look.
        return lambda data: tuple(data) if type(data) in _SEQUENCES else _give_up()
    if origin is tuple:
        item = compile_builder(typing.get_args(tp)[0])
        return lambda data: (
            tuple([item(x) for x in data]) if type(data) in _SEQUENCES else _give_up()
        )
    if tp in _VALUE_CLASSES:
        return lambda data: data if type(data) is tp else _give_up()
    if dataclasses.is_dataclass(tp):
        return _dataclass_builder(tp)
    if tp is int or tp is bool or tp is str:
        return lambda data: data if type(data) is tp else _give_up()
    if isinstance(tp, type) and (issubclass(tp, Enum) or tp in (bytes, date)):
        return lambda data: data if type(data) is tp else _give_up()
    raise TypeError(f"no builder for {tp!r}")  # a model field of an unsupported type


_SEQUENCES = (list, tuple)
# Dataclasses that are values (leaves of the tree), not records built from an object.
_VALUE_CLASSES = (PartialDate, ReferenceNumber)


def _dataclass_builder(cls: Any) -> Build:
    hints = typing.get_type_hints(cls)
    # Text and whole numbers are typed by the plan itself (text(), int()); only nested
    # records, lists and typed leaves (which may still be raw text) need a look.
    special = [
        (field.name, compile_builder(hints[field.name]))
        for field in dataclasses.fields(cls)
        if _inner(hints[field.name]) not in (str, int)
    ]

    def build(data: Any) -> Any:
        if type(data) is not dict:
            _give_up()
        kwargs = data.copy()
        for name, sub in special:
            value = kwargs.get(name)
            if value is not None:
                kwargs[name] = sub(value)
        try:
            return cls(**kwargs)
        except (TypeError, ValueError):  # an unknown or missing field, or a rule broken
            raise GiveUp from None

    return build


def _inner(tp: Any) -> Any:
    if typing.get_origin(tp) in (types.UnionType, typing.Union):
        return next(a for a in typing.get_args(tp) if a is not type(None))
    return tp


def _give_up() -> typing.NoReturn:
    raise GiveUp


def to_json(tree: Any) -> Any:
    """The JSON-shaped form of a typed tree, for the decoder."""
    if type(tree) is dict:
        return {key: to_json(value) for key, value in tree.items()}
    if type(tree) in _SEQUENCES:
        return [to_json(item) for item in tree]
    return encode(tree)


build_record: Callable[[Any], CanonicalRecord] = compile_builder(CanonicalRecord)
