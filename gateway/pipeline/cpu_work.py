"""Where the pipeline's CPU work runs: building, validating, signing, verifying.

The tasks are module-level functions taking a `CpuTools` first (the keys, the
trust store, the parse limits, the source readers) and plain, picklable data
after it, so that they run the same way on either kind of worker:

- `ThreadWork`: threads of this process. Simple, and the tools are shared;
  but the interpreter lock lets one thread run Python at a time, so the
  signing competes with the event loop.
- `ProcessWork` (`gateway.pipeline.cpu_processes`): worker processes, each
  building its own tools once at start (keys and certificates cannot be
  pickled, so each worker reads them from the settings). The event loop's
  process keeps its interpreter for I/O.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from gateway.domain import CanonicalRecord, Problem
from gateway.errors import ConfigError
from gateway.pipeline.wire import Wire
from gateway.security.verifier import Verifier
from gateway.validation.parsing import DEFAULT_LIMITS, XmlLimits

__all__ = ["CpuTools", "CpuWork", "SourceReader", "Task", "ThreadWork"]

P = ParamSpec("P")
T = TypeVar("T")

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
