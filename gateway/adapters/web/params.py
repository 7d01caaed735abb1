"""Query and path parameters, parsed strictly in one place and described from the same place.

A handler declares the query parameters it reads with `@query(LIMIT, STATE, ...)`: each
declared parameter is checked before the handler runs (a bad one is a 400 with a stable
code, a sentence and the parameter's name as path), `/openapi.json` lists them, and the
handler reads each with `param.read(request)` (None when absent) or `param.value(request,
default)`. Reading one the handler did not declare is a programming error, so the
description cannot drift from the code unnoticed.

Strict means: a number is ASCII digits only (`int()` and `str.isdigit()` also take '²',
Arabic-Indic '١٢'), of bounded length and within a range; a choice is one of its values; a text
has a length limit and no control characters; a time is ISO 8601 with its offset, in the
years a datetime can hold in any zone. A parameter is given at most once; an empty value
counts as none (HTML forms send their empty fields).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import wraps
from typing import Any, Generic, TypeVar

from aiohttp import web
from multidict import MultiMapping

from gateway.errors import InputError

__all__ = [
    "PATH_SCHEMA",
    "Choice",
    "Day",
    "Flag",
    "Number",
    "Param",
    "Text",
    "Time",
    "path_parameters_middleware",
    "query",
    "query_parameters",
]

T = TypeVar("T")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
QUERY_CODE = "GW-API-QUERY"
PATH_CODE = "GW-API-PATH"
_DIGITS = re.compile(r"[0-9]+")  # not \d: that matches every script's digits
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_DIGITS = 18  # any 18 digits fit a 64-bit integer; longer texts are never converted
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NO_CONTROL = "^[^\\u0000-\\u001f\\u007f]*$"  # the same, as a JSON Schema pattern
# What an id in the URL may be (`path_parameters_middleware`), for the OpenAPI description.
MAX_PATH_PARAMETER = 200
PATH_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": MAX_PATH_PARAMETER,
    "pattern": _NO_CONTROL,
}
_TRUE, _FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no"})


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)  # one object per parameter
class Param(Generic[T]):
    """One query parameter: its name, the code of its refusal and what it means."""

    name: str
    code: str = QUERY_CODE
    description: str = ""

    def read(self, request: web.Request) -> T | None:
        """The parsed value, or None when the parameter is absent or empty."""
        declared = query_parameters(request.match_info.handler)
        if self not in declared:
            raise RuntimeError(f"{self.name} is read but not declared with @query")
        return self.parsed(request.query)

    def value(self, request: web.Request, default: T) -> T:
        found = self.read(request)
        return default if found is None else found

    def parsed(self, given: MultiMapping[str]) -> T | None:
        if len(given.getall(self.name, ())) > 1:
            raise self.refusal(f"{self.name} is given more than once")
        text = given.get(self.name)
        if not text:
            return None
        return self.parse(text)

    def parse(self, text: str) -> T:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError

    def refusal(self, sentence: str) -> InputError:
        return InputError(self.code, sentence, self.name)

    def openapi(self) -> dict[str, Any]:
        described: dict[str, Any] = {"name": self.name, "in": "query", "schema": self.schema()}
        if self.description:
            described["description"] = self.description
        return described


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class Number(Param[int]):
    """A whole number of ASCII digits from `minimum` to `maximum`; with `clamp`, a larger
    one (of any length) is read as `maximum` (for pages people type into)."""

    minimum: int = 0
    maximum: int
    clamp: bool = False

    def parse(self, text: str) -> int:
        if not _DIGITS.fullmatch(text):
            raise self.refusal(f"{self.name} is a whole number written with the digits 0-9")
        # More digits than any range here holds are never converted (int() of a long text
        # is slow, and over 4300 digits an error).
        too_long = len(text.lstrip("0")) > _MAX_DIGITS
        number = self.maximum + 1 if too_long else int(text)
        if self.clamp and number > self.maximum:
            return self.maximum
        if not self.minimum <= number <= self.maximum:
            raise self.refusal(f"{self.name} is from {self.minimum} to {self.maximum}")
        return number

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class Choice(Param[T]):
    """One of a fixed set of words, read as the value it stands for."""

    choices: Mapping[str, T]

    def parse(self, text: str) -> T:
        if text not in self.choices:
            raise self.refusal(f"{self.name} is one of {', '.join(self.choices)}")
        return self.choices[text]

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "enum": list(self.choices)}


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class Text(Param[str]):
    """Text of at most `max_length` characters, without control characters."""

    max_length: int = 200

    def parse(self, text: str) -> str:
        if len(text) > self.max_length:
            raise self.refusal(f"{self.name} is at most {self.max_length} characters")
        if _CONTROL.search(text):
            raise self.refusal(f"{self.name} holds a control character")
        return text

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "maxLength": self.max_length, "pattern": _NO_CONTROL}


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class Flag(Param[bool]):
    """true/false, 1/0 or yes/no."""

    def parse(self, text: str) -> bool:
        lowered = text.lower()
        if lowered not in _TRUE | _FALSE:
            raise self.refusal(f"{self.name} is true or false")
        return lowered in _TRUE

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class Time(Param[datetime]):
    """An ISO 8601 time with its offset (e.g. 2026-03-02T10:00:00Z), in ASCII."""

    def parse(self, text: str) -> datetime:
        sentence = f"{self.name} is an ISO 8601 time with its offset, e.g. 2026-03-02T10:00:00Z"
        if len(text) > 64 or not text.isascii():  # fromisoformat also takes other digits
            raise self.refusal(sentence)
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise self.refusal(sentence) from None
        if parsed.tzinfo is None:
            raise self.refusal(f"{self.name} needs a time zone offset, e.g. Z")
        try:
            parsed.astimezone(UTC)  # the stores compare in UTC: year 1 at +01:00 has none
        except OverflowError:
            raise self.refusal(f"{self.name} is out of the range of times") from None
        return parsed

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}


@dataclass(frozen=True, kw_only=True, slots=True, eq=False)
class Day(Param[date]):
    """A calendar day, YYYY-MM-DD (what a browser's date field sends)."""

    def parse(self, text: str) -> date:
        sentence = f"{self.name} is a day written YYYY-MM-DD, e.g. 2026-03-02"
        if not _DAY.fullmatch(text):
            raise self.refusal(sentence)
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise self.refusal(sentence) from None

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


def query(*parameters: Param[Any]) -> Callable[[Handler], Handler]:
    """Declare the query parameters a handler reads; each is checked before it runs."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            for parameter in parameters:
                parameter.parsed(request.query)
            return await handler(request)

        checked.query_parameters = parameters  # type: ignore[attr-defined]
        return checked

    return decorate


def query_parameters(handler: object) -> tuple[Param[Any], ...]:
    """The query parameters `handler` declares (none when it declares nothing)."""
    declared: tuple[Param[Any], ...] = getattr(handler, "query_parameters", ())
    return declared


@web.middleware
async def path_parameters_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Ids in the URL are short and free of control characters (PostgreSQL refuses NUL)."""
    for name, value in request.match_info.items():
        if len(value) > MAX_PATH_PARAMETER or _CONTROL.search(value):
            raise InputError(
                PATH_CODE,
                f"{name} is at most {MAX_PATH_PARAMETER} characters, without control characters",
                name,
            )
    return await handler(request)
