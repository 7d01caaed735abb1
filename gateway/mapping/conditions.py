"""Reading source fields and testing the `when:` conditions of rules, compiled to closures."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from gateway.mapping.yamlfile import LineDict

__all__ = ["compile_condition", "compile_getter", "is_empty"]

Row = Mapping[str, Any]

_TESTS = ("equals", "in", "present", "matches")


def is_empty(value: object) -> bool:
    """No value: missing, null, an empty list or blank text."""
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def compile_getter(source: str) -> Callable[[Row], Any]:
    """Read a source field; `a.b` reads field b of the JSON object in field a."""
    if "." not in source:
        return lambda row: row.get(source)
    first, *rest = source.split(".")
    if len(rest) == 1:
        (second,) = rest

        def get_two(row: Row) -> Any:
            value = row.get(first)
            return value.get(second) if type(value) is dict else None

        return get_two

    def get(row: Row) -> Any:
        value = row.get(first)
        for key in rest:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    return get


def compile_condition(spec: object) -> Callable[[Row], bool]:
    """`{field: F, equals: V}`, `{field: F, in: [..]}`, `{field: F, present: true}` or
    `{field: F, matches: REGEX}`; several tests in one condition must all hold."""
    if not isinstance(spec, LineDict) or not isinstance(spec.get("field"), str):
        raise ValueError(  # noqa: TRY004 - reported as a spec error with its line
            "'when' is a mapping with 'field' and a test: " + ", ".join(_TESTS)
        )
    unknown = set(spec) - {"field", *_TESTS}
    if unknown:
        raise ValueError(
            f"'when' has no test {sorted(unknown, key=str)[0]!r} (tests: {', '.join(_TESTS)})"
        )
    get = compile_getter(spec["field"])
    tests = [_test(name, spec[name]) for name in _TESTS if name in spec]
    if not tests:
        raise ValueError("'when' needs a test: " + ", ".join(_TESTS))
    if len(tests) == 1:
        (only,) = tests
        return lambda row: only(get(row))
    return lambda row: all(test(get(row)) for test in tests)


def _test(name: str, expected: Any) -> Callable[[Any], bool]:
    if name == "present":
        if not isinstance(expected, bool):
            raise ValueError("'present' is true or false")
        return lambda value: is_empty(value) is not expected
    if name == "matches":
        try:
            pattern = re.compile(str(expected))
        except re.error as error:
            raise ValueError(f"'matches' is not a valid regular expression: {error}") from None
        return lambda value: value is not None and pattern.fullmatch(_as_text(value)) is not None
    if name == "in":
        if not isinstance(expected, list):
            raise ValueError("'in' is a list of values")
        allowed = {str(item) for item in expected}
        return lambda value: _as_text(value) in allowed
    text = str(expected)
    return lambda value: _as_text(value) == text


def _as_text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value)
