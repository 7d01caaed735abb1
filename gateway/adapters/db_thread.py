"""A database's own thread, where units of work wait in line and run in groups.

Both SQL stores commit this way: the units waiting when the thread comes round run in
one transaction with one COMMIT (one flush to disk), and each caller hears of its unit
once that commit is done. The thread does not wait for the event loop between its
statements (a busy loop would slow every round trip of every group), and the loop never
waits for the database. How a group runs is the database's (`run_group`); whatever
happens to it, every caller is answered.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gateway.errors import GatewayError
from gateway.logging import get_logger

__all__ = ["DatabaseThread", "Outcome", "Unit"]

T = TypeVar("T")
W = TypeVar("W")
Outcome = tuple[bool, Any]  # (succeeded, the value or the exception)


@dataclass(frozen=True, slots=True)
class Unit(Generic[W]):
    work: W  # what the thread runs, in the form its database takes
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    locks: tuple[str, ...] = ()  # rows the unit will lock (a group locks them first, in order)
    ahead: tuple[Any, ...] = ()  # statements it begins with, which a group may send first


class DatabaseThread(Generic[W]):
    """Units of work in line for the executor's threads (`threads` of them at once, each
    taking the next group when it is free), run `max_group` at a time by `run_group`."""

    def __init__(
        self,
        executor: ThreadPoolExecutor,
        run_group: Callable[[list[Unit[W]]], list[Outcome]],
        *,
        name: str,
        max_group: int = 64,
        threads: int = 1,
    ) -> None:
        self._executor = executor
        self._run_group = run_group
        self._name = name
        self._max_group = max_group
        self._threads = threads
        self._pending: deque[Unit[W]] = deque()
        self._lock = threading.Lock()
        self._draining = 0  # threads draining now

    async def run(
        self, work: W, *, locks: tuple[str, ...] = (), ahead: tuple[Any, ...] = ()
    ) -> Any:
        """Queue `work`; its value once the group it ran in is committed."""
        loop = asyncio.get_running_loop()
        unit = Unit(work, loop.create_future(), loop, locks, ahead)
        with self._lock:
            self._pending.append(unit)
            start = self._draining < min(self._threads, len(self._pending))
            if start:
                self._draining += 1
        if start:
            self._executor.submit(self._drain)
        return await unit.future

    def _drain(self) -> None:
        """On the thread: run waiting units in groups until none is left."""
        while True:
            with self._lock:
                if not self._pending:
                    self._draining -= 1
                    return
                count = min(self._max_group, len(self._pending))
                group = [self._pending.popleft() for _ in range(count)]
            try:
                outcomes = self._run_group(group)
            except Exception as error:  # noqa: BLE001 - a fault of ours: tell the callers
                get_logger().exception(
                    f"a {self._name} group failed", error_type=type(error).__name__
                )
                reason = f"the {self._name} store failed: {error!r}"
                outcomes = [(False, GatewayError("GW-INTERNAL", reason)) for _ in group]
            settled: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
            for unit, outcome in zip(group, outcomes, strict=True):
                settled.setdefault(unit.loop, []).append((unit.future, outcome))
            for loop, results in settled.items():  # one wake-up of each loop per group
                if not loop.is_closed():
                    loop.call_soon_threadsafe(_settle_all, results)


def _settle_all(outcomes: list[tuple[asyncio.Future[Any], Outcome]]) -> None:
    for future, (succeeded, value) in outcomes:
        if future.cancelled():  # the caller stopped waiting; the unit ran all the same
            continue
        if succeeded:
            future.set_result(value)
        else:
            future.set_exception(value)
