"""Where the pipeline's CPU work runs: building, validating, signing, verifying.

The tasks are module-level functions taking a `CpuTools` first (the keys, the
trust store, the parse limits, the source readers) and plain, picklable data
after it, so that they run the same way on either kind of worker:

- `ThreadWork`: threads of this process. Simple, and the tools are shared;
  but the interpreter lock lets one thread run Python at a time, so the
  signing competes with the event loop.
- `ProcessWork`: worker processes, each building its own tools once at start
  (keys and certificates cannot be pickled, so each worker reads them from
  the settings). The event loop's process keeps its interpreter for I/O.

A worker process that dies takes its pool with it: the pool is replaced and
the work that was in it fails as `GW-CPU-WORKER` (try again), never silently.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar

from gateway.domain import CanonicalRecord, Problem
from gateway.errors import ConfigError, TransportError
from gateway.logging import get_logger
from gateway.pipeline.wire import Wire
from gateway.security.verifier import Verifier
from gateway.validation.parsing import DEFAULT_LIMITS, XmlLimits

__all__ = ["CpuTools", "CpuWork", "ProcessWork", "SourceReader", "ThreadWork"]

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S")

ORPHAN_CHECK_SECONDS = 1.0

SourceReader = Callable[[bytes, str | None], tuple[list[CanonicalRecord], list[Problem]]]
"""Maps a source export (bytes, format) to canonical records, or the problems found."""


@dataclass(frozen=True, kw_only=True)
class CpuTools:
    """What the CPU work needs, built once in each process that runs it."""

    wire: Wire
    verifier: Verifier | None = None  # None where nothing is verified (submissions alone)
    limits: XmlLimits = DEFAULT_LIMITS
    sources: Mapping[str, SourceReader] = field(default_factory=dict)

    def need_verifier(self) -> Verifier:
        if self.verifier is None:
            raise ConfigError("GW-CFG-INVALID", "these CPU tools have no trust store to verify")
        return self.verifier


Task = Callable[Concatenate[CpuTools, P], T]


class CpuWork(Protocol):
    """Runs a task with the tools of whichever worker takes it."""

    async def run(self, task: Task[P, T], *args: P.args, **kwargs: P.kwargs) -> T: ...


class ThreadWork:
    def __init__(self, tools: CpuTools, executor: Executor) -> None:
        self.tools = tools
        self.executor = executor

    async def run(self, task: Task[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, lambda: task(self.tools, *args, **kwargs))


class ProcessWork(Generic[S]):
    """A pool of `processes` workers, each running `build(argument)` once at start to make
    its tools. `build` is a module-level function and `argument` picklable (the settings)."""

    def __init__(self, build: Callable[[S], CpuTools], argument: S, *, processes: int) -> None:
        self._build = build
        self._argument = argument
        self._processes = processes
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor:
        # spawn, not fork: the event loop's process has threads (SQLite, crypto) that a
        # forked child would inherit in whatever state they were in.
        return ProcessPoolExecutor(
            self._processes,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(self._build, self._argument, os.getpid()),
        )

    async def start(self) -> None:
        """Start every worker now (each loads its keys), not on the first request."""
        try:
            await asyncio.gather(*(self.run(_ready) for _ in range(self._processes * 2)))
        except TransportError:
            self.close()
            raise ConfigError(
                "GW-CFG-INVALID",
                "the CPU worker processes could not start (see the log above)",
                "EUGW_CRYPTO_PROCESSES",
            ) from None

    async def run(self, task: Task[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, _call, task, args, kwargs)
        except BrokenProcessPool:
            get_logger().error(
                "a CPU worker process died; starting a new pool", code="GW-CPU-WORKER"
            )
            if self._pool is pool:
                self._pool = self._new_pool()
                pool.shutdown(wait=False, cancel_futures=True)
            raise TransportError(
                "GW-CPU-WORKER", "a CPU worker process stopped during the work; try again"
            ) from None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


_TOOLS: CpuTools | None = None  # in a worker process: its tools


def _start_worker(build: Callable[[Any], CpuTools], argument: object, parent: int) -> None:
    global _TOOLS  # noqa: PLW0603  # one set of tools per worker process, made at its start
    _TOOLS = build(argument)
    threading.Thread(target=_exit_with, args=(parent,), name="orphan-watch", daemon=True).start()


def _exit_with(parent: int) -> None:
    """A gateway killed with SIGKILL cannot stop its workers: they stop themselves when
    they find they have a new parent, instead of living on as orphans."""
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(0)


def _call(task: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    if _TOOLS is None:
        raise ConfigError("GW-CFG-INVALID", "a CPU worker ran before its tools were made")
    return task(_TOOLS, *args, **kwargs)


def _ready(_: CpuTools) -> None:
    return None
