"""The steps of a compiled plan: closures that read a source row and write a canonical tree.

A step is `step(row, tree, problems)`. It converts its value with
converters chosen at load time, puts it at its place in the JSON-shaped tree,
or appends what went wrong to `problems` and lets the row carry on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gateway.mapping.conditions import compile_getter
from gateway.mapping.problems import FieldProblem, ItemsError, TransformError
from gateway.mapping.targets import Target

__all__ = [
    "REQUIRED",
    "Convert",
    "Put",
    "Row",
    "Step",
    "chained",
    "const_step",
    "from_step",
    "guarded",
    "list_converter",
    "putter",
]

REQUIRED = "GW-MAP-REQUIRED"

Row = Mapping[str, Any]
Step = Callable[[Row, dict[str, Any], list[FieldProblem]], None]
Convert = Callable[[Any], Any]
Put = Callable[[dict[str, Any], Any], None]


def list_converter(separator: str | None, chain: list[Convert]) -> Convert:
    """Convert a list, or a text holding several values, item by item; report every bad item."""
    item = chained(chain)

    def convert(raw: Any) -> list[Any]:
        if isinstance(raw, list):
            items = raw
        elif separator is not None and isinstance(raw, str):
            items = [part for part in raw.split(separator) if part.strip()]
        else:
            items = [raw]
        values, errors = [], []
        for i, one in enumerate(items):
            try:
                values.append(item(one))
            except TransformError as error:
                errors.append(TransformError(error.code, error.message, f"[{i}]"))
        if errors:
            raise ItemsError(errors)
        return values

    return convert


def chained(chain: list[Convert]) -> Convert:
    if len(chain) == 1:
        return chain[0]
    if len(chain) == 2:
        first, second = chain
        return lambda raw: second(first(raw))
    first, second, third = chain[0], chain[1], chain[2:]

    def convert(raw: Any) -> Any:
        value = second(first(raw))
        for step in third:
            value = step(value)
        return value

    return convert


def putter(keys: tuple[str | int, ...]) -> Callable[[dict[str, Any], Any], None]:
    if len(keys) == 1:
        (only,) = keys

        def put_one(tree: dict[Any, Any], value: Any) -> None:
            tree[only] = value

        return put_one
    if len(keys) == 2:
        return _put_two(*keys)
    parents, last = keys[:-1], keys[-1]

    def put(tree: dict[Any, Any], value: Any) -> None:
        node = tree
        for key in parents:
            child = node.get(key)
            if child is None:
                child = node[key] = {}
            node = child
        node[last] = value

    return put


def _put_two(first: str | int, last: str | int) -> Callable[[dict[str, Any], Any], None]:
    def put(tree: dict[Any, Any], value: Any) -> None:
        node = tree.get(first)
        if node is None:
            node = tree[first] = {}
        node[last] = value

    return put


def guarded(when: Callable[[Row], bool], steps: tuple[Step, ...]) -> Step:
    """The steps of rules that share a condition, run when it holds (tested once)."""
    if len(steps) == 1:
        (only,) = steps

        def guarded_one(row: Row, tree: dict[str, Any], problems: list[FieldProblem]) -> None:
            if when(row):
                only(row, tree, problems)

        return guarded_one

    def guarded_all(row: Row, tree: dict[str, Any], problems: list[FieldProblem]) -> None:
        if when(row):
            for step in steps:
                step(row, tree, problems)

    return guarded_all


def const_step(value: Any, put: Callable[[dict[str, Any], Any], None]) -> Step:
    def step(row: Row, tree: dict[str, Any], problems: list[FieldProblem]) -> None:
        put(tree, value)

    return step


def from_step(
    target: Target, source: str, convert_text: Convert | None, convert_any: Convert,
    put: Callable[[dict[str, Any], Any], None], *, required: bool, default: Any,
) -> Step:  # fmt: skip
    path = target.path
    nested = compile_getter(source) if "." in source else None

    def step(row: Row, tree: dict[str, Any], problems: list[FieldProblem]) -> None:
        raw = row.get(source) if nested is None else nested(row)
        try:
            if type(raw) is str:
                raw = raw.strip()
                if raw:
                    put(tree, raw if convert_text is None else convert_text(raw))
                    return
            elif raw is not None and raw != []:
                put(tree, convert_any(raw))
                return
        except TransformError as error:
            problems.append(
                FieldProblem(code=error.code, message=error.message, path=path, source=source)
            )
            return
        except ItemsError as errors:
            problems.extend(
                FieldProblem(code=e.code, message=e.message, path=path + e.suffix, source=source)
                for e in errors.errors
            )
            return
        if default is not None:
            put(tree, default)
        elif required:
            problems.append(
                FieldProblem(code=REQUIRED, message="a value is required", path=path, source=source)
            )

    return step
