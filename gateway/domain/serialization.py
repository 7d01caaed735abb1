"""Canonical records to and from JSON-shaped data, with every problem reported at once.

The decoder walks the dataclass field types, so the JSON shape is the model:
field names are the dataclass field names, dates are ISO strings, partial
dates are `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, enums are their values, bytes
are base64 and reference numbers are their string form.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import types
import typing
from datetime import date
from enum import Enum
from typing import Any, TypeVar

from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.frozen import frozen
from gateway.domain.problems import Problem
from gateway.domain.record import CanonicalRecord

__all__ = [
    "DecodeResult",
    "decode",
    "decode_record",
    "encode",
]

T = TypeVar("T")

REQUIRED = "GW-VAL-REQUIRED"
UNKNOWN_FIELD = "GW-VAL-UNKNOWN-FIELD"
WRONG_TYPE = "GW-VAL-TYPE"
NOT_IN_LIST = "GW-VAL-ENUM"
BAD_FORMAT = "GW-VAL-FORMAT"

_MISSING = object()


@frozen
class DecodeResult(typing.Generic[T]):
    """The decoded value, or None with the problems that prevented it."""

    value: T | None
    problems: list[Problem]


def decode_record(data: object) -> DecodeResult[CanonicalRecord]:
    """Decode a canonical record from parsed JSON."""
    return decode(CanonicalRecord, data)


def decode(cls: type[T], data: object, path: str = "") -> DecodeResult[T]:
    """Decode any model dataclass from parsed JSON."""
    problems: list[Problem] = []
    value = _decode(cls, data, path, problems)
    return DecodeResult(value=None if problems else value, problems=problems)


def encode(value: object) -> Any:  # noqa: PLR0911 - one return per JSON shape
    """Turn a model object into JSON-shaped data; fields at their default are left out."""
    if isinstance(value, PartialDate | ReferenceNumber):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: encode(getattr(value, field.name))
            for field in dataclasses.fields(value)
            if not _at_default(field, getattr(value, field.name))
        }
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    return value


def _at_default(field: dataclasses.Field[Any], value: object) -> bool:
    return field.default is not dataclasses.MISSING and value == field.default


def _decode(tp: Any, data: object, path: str, problems: list[Problem]) -> Any:  # noqa: PLR0911
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        options = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return None if data is None else _decode(options[0], data, path, problems)
    if origin is tuple:
        return _decode_tuple(typing.get_args(tp)[0], data, path, problems)
    if tp in (PartialDate, ReferenceNumber, date):
        return _decode_text(tp, data, path, problems)
    if dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data, path, problems)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _decode_enum(tp, data, path, problems)
    if tp is bytes:
        return _decode_bytes(data, path, problems)
    if tp is bool or tp is int or tp is str:
        if type(data) is not tp:
            problems.append(_wrong_type(path, tp.__name__))
            return None
        return data
    raise TypeError(f"no decoder for {tp!r}")  # a model field of an unsupported type


@functools.cache
def _shape(cls: Any) -> tuple[dict[str, Any], dict[str, dataclasses.Field[Any]]]:
    """A model class's resolved type hints and fields: resolving them costs about 2 ms a
    call, and the classes never change, so once per class."""
    hints = typing.get_type_hints(cls)
    return hints, {field.name: field for field in dataclasses.fields(cls)}


def _decode_dataclass(cls: Any, data: object, path: str, problems: list[Problem]) -> Any:
    if not isinstance(data, dict):
        problems.append(_wrong_type(path, "object"))
        return None
    hints, fields = _shape(cls)
    for key in data:
        if key not in fields:
            problems.append(
                Problem(code=UNKNOWN_FIELD, message=f"unknown field {key!r}", path=_at(path, key))
            )
    before = len(problems)
    kwargs = {}
    for name, field in fields.items():
        raw = data.get(name, _MISSING)
        if raw is _MISSING:
            if (
                field.default is dataclasses.MISSING
                and field.default_factory is dataclasses.MISSING
            ):
                problems.append(
                    Problem(code=REQUIRED, message="this field is required", path=_at(path, name))
                )
            continue
        kwargs[name] = _decode(hints[name], raw, _at(path, name), problems)
    if len(problems) > before:
        return None
    return _construct(cls, kwargs, path, problems)


def _decode_tuple(item_type: Any, data: object, path: str, problems: list[Problem]) -> Any:
    if not isinstance(data, list):
        problems.append(_wrong_type(path, "array"))
        return None
    return tuple(_decode(item_type, item, f"{path}[{i}]", problems) for i, item in enumerate(data))


def _decode_text(cls: Any, data: object, path: str, problems: list[Problem]) -> Any:
    if not isinstance(data, str):
        problems.append(_wrong_type(path, "string"))
        return None
    parse = date.fromisoformat if cls is date else cls.parse
    try:
        return parse(data)
    except ValueError as error:
        problems.append(Problem(code=BAD_FORMAT, message=str(error), path=path))
        return None


def _decode_enum(cls: type[Enum], data: object, path: str, problems: list[Problem]) -> Any:
    try:
        return cls(data)
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in cls)
        problems.append(
            Problem(code=NOT_IN_LIST, message=f"{data!r} is not one of {allowed}", path=path)
        )
        return None


def _decode_bytes(data: object, path: str, problems: list[Problem]) -> Any:
    if not isinstance(data, str):
        problems.append(_wrong_type(path, "base64 string"))
        return None
    try:
        return base64.b64decode(data, validate=True)
    except binascii.Error:
        problems.append(Problem(code=BAD_FORMAT, message="this is not valid base64", path=path))
        return None


def _construct(cls: Any, kwargs: dict[str, Any], path: str, problems: list[Problem]) -> Any:
    try:
        return cls(**kwargs)
    except ValueError as error:
        problems.append(Problem(code=BAD_FORMAT, message=str(error), path=path))
        return None


def _wrong_type(path: str, expected: str) -> Problem:
    return Problem(code=WRONG_TYPE, message=f"expected {expected}", path=path)


def _at(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
