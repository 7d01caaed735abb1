"""A compiled encoder of canonical records to JSON-shaped data: the output fast path.

`gateway.domain.serialization.encode` is the reference; it inspects every
value's type on every call. This encoder walks the model's type hints once
and compiles one function per dataclass that gives the same result (fields
at their default left out, dates as ISO text, enums as their values, partial
dates and reference numbers as text, bytes as base64). A test checks that
both agree.
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

__all__ = ["compile_encoder", "encode_record"]

Encode = Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def compile_encoder(tp: Any) -> Encode:  # noqa: PLR0911 - one return per kind of field
    """A function giving the JSON-shaped form of a value of type `tp`."""
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        inner = compile_encoder(next(a for a in typing.get_args(tp) if a is not type(None)))
        return _same if inner is _same else lambda value: None if value is None else inner(value)
    if origin is tuple:
        item = compile_encoder(typing.get_args(tp)[0])
        return list if item is _same else lambda value: [item(x) for x in value]
    if tp is PartialDate or tp is ReferenceNumber:
        return str
    if dataclasses.is_dataclass(tp):
        return _dataclass_encoder(tp)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return lambda value: value.value
    if tp is date:
        return lambda value: value.isoformat()
    if tp is bytes:
        return lambda value: base64.b64encode(value).decode("ascii")
    return _same


def _dataclass_encoder(cls: Any) -> Encode:
    hints = typing.get_type_hints(cls)
    fields = [
        (
            field.name,
            field.default is not dataclasses.MISSING,
            field.default,
            compile_encoder(hints[field.name]),
        )
        for field in dataclasses.fields(cls)
    ]

    def encode(value: Any) -> dict[str, Any]:
        out = {}
        for name, has_default, default, sub in fields:
            item = getattr(value, name)
            if has_default and item == default:
                continue
            out[name] = item if sub is _same else sub(item)
        return out

    return encode


encode_record: Callable[[CanonicalRecord], dict[str, Any]] = compile_encoder(CanonicalRecord)
