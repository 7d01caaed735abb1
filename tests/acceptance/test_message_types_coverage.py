"""Every message type of the registry is exchanged between the real gateway and the
simulators by at least one test of `test_message_types_*.py`.

Each such test names the types it exchanges in its `exercises` mark (on the test or on one
of its parameters), and the `exercised` fixture checks after the test that each went over
the wire, verified and acknowledged. `TABLE` gathers the marks: type -> tests. A new type
in `MESSAGE_TYPES` that no test exchanges fails here.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway.messages import MESSAGE_TYPES

MODULES = sorted(
    path.stem
    for path in Path(__file__).parent.glob("test_message_types_*.py")
    if path.stem != Path(__file__).stem
)


def _marks(test: Any) -> Iterator[pytest.Mark]:
    for mark in getattr(test, "pytestmark", []):
        yield mark
        if mark.name == "parametrize":
            for parameters in mark.args[1]:
                yield from getattr(parameters, "marks", ())


def _table() -> dict[str, list[str]]:
    table: dict[str, list[str]] = defaultdict(list)
    for name in MODULES:
        module = importlib.import_module(name)
        for test_name, test in vars(module).items():
            if not test_name.startswith("test_"):
                continue
            for mark in _marks(test):
                if mark.name == "exercises":
                    for kind in mark.args:
                        table[kind].append(f"{name}::{test_name}")
    return {kind: sorted(set(tests)) for kind, tests in sorted(table.items())}


TABLE = _table()


def test_every_message_type_is_exchanged_by_a_test() -> None:
    shown = "\n".join(f"{kind:40} {', '.join(tests)}" for kind, tests in TABLE.items())
    assert len(MODULES) >= 3, MODULES
    missing = sorted(set(MESSAGE_TYPES) - set(TABLE))
    unknown = sorted(set(TABLE) - set(MESSAGE_TYPES))
    assert (missing, unknown) == ([], []), f"exchanged by no test: {missing}\n{shown}"
