"""A compiled builder of canonical records from JSON-shaped trees: the fast path.

The decoder of `gateway.domain.serialization` walks the model's type hints
for every record; that is thorough but too slow for bulk mapping. This module
walks them once and compiles a constructor per dataclass. It handles only
well-formed trees: at the first thing it does not expect it gives up, and the
caller falls back to the decoder, whose problems (codes and paths) stay the
reference. A test checks that both build the same records.
"""

from __future__ import annotations

import base64
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

__all__ = ["GiveUp", "build_record", "compile_builder"]

Build = Callable[[Any], Any]


class GiveUp(Exception):  # noqa: N818 - a signal, not an error: the decoder takes over
    """The tree is not what the fast path expects; decode it the thorough way."""


def compile_builder(tp: Any) -> Build:  # noqa: PLR0911 - one return per kind of field
    """A function building a value of type `tp` from JSON-shaped data, or raising `GiveUp`."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        inner = compile_builder(next(a for a in typing.get_args(tp) if a is not type(None)))
        return lambda data: None if data is None else inner(data)
    if origin is tuple:
        item = compile_builder(typing.get_args(tp)[0])
        return lambda data: tuple(item(x) for x in _expect(data, list))
    if tp is date:
        return lambda data: _parsed(date.fromisoformat, _expect(data, str))
    if tp is PartialDate or tp is ReferenceNumber:
        return lambda data: _parsed(tp.parse, _expect(data, str))
    if dataclasses.is_dataclass(tp):
        return _dataclass_builder(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return lambda data: _parsed(tp, data)
    if tp is bytes:
        return lambda data: _parsed(lambda s: base64.b64decode(s, validate=True), data)
    if tp in (str, int, bool):
        return lambda data: data if type(data) is tp else _give_up()
    raise TypeError(f"no builder for {tp!r}")  # a model field of an unsupported type


def _dataclass_builder(cls: Any) -> Build:
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    builders = {field.name: compile_builder(hints[field.name]) for field in fields}
    required = frozenset(
        field.name
        for field in fields
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
    )
    known = frozenset(builders)

    def build(data: Any) -> Any:
        if type(data) is not dict:
            _give_up()
        keys = data.keys()
        if not (required <= keys <= known):
            _give_up()
        try:
            return cls(**{name: builders[name](value) for name, value in data.items()})
        except ValueError:
            raise GiveUp from None

    return build


def _expect(data: Any, kind: type) -> Any:
    if type(data) is not kind:
        _give_up()
    return data


def _parsed(parse: Callable[[Any], Any], data: Any) -> Any:
    try:
        return parse(data)
    except (ValueError, TypeError):
        raise GiveUp from None


def _give_up() -> typing.NoReturn:
    raise GiveUp


build_record: Callable[[Any], CanonicalRecord] = compile_builder(CanonicalRecord)
