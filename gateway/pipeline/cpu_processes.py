"""CPU work on worker processes, each with a socket of its own to the event loop.

Each worker is a spawned process that builds its tools once (`build(argument)`)
and then runs the tasks it reads from its socket, one at a time, writing back
each task's result or exception. The event loop's side is an asyncio stream:
no feeder or manager thread competes with the event loop for the interpreter
lock, and a task costs one write and one read on each side.

At most `DEPTH` tasks are handed to a worker at once (one running, one waiting
behind it, so that a worker never idles while a result travels back); the rest
wait here and go to whichever worker is free first, so a long task does not
hold up short ones queued behind it.

A worker that dies fails the tasks it held as `GW-CPU-WORKER` (try again),
never silently, and a new worker takes its place. Workers stop by themselves
when the gateway does, even when it was killed with SIGKILL: the end of their
socket is the end of their work.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import multiprocessing
import pickle
import socket
import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from typing import Any, Generic, ParamSpec, TypeVar

from gateway.errors import ConfigError, TransportError
from gateway.logging import get_logger
from gateway.pipeline.cpu_work import CpuTools, Task

__all__ = ["DEPTH", "ProcessWork"]

P = ParamSpec("P")
T = TypeVar("T")
S = TypeVar("S")

DEPTH = 2
START_SECONDS = 120.0  # a worker imports the gateway and loads its keys
STOP_SECONDS = 5.0
RESPAWN_DELAY_SECONDS = 1.0
_READY = 0  # the job id of a worker's first frame: its tools are made (or why not)
_HEADER = struct.Struct("!QQ")  # job id, size of the pickled body


@dataclass(eq=False)
class _Job:
    job_id: int
    payload: bytes
    future: asyncio.Future[Any]


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    channel: socket.socket  # ours of the pair, also held by the streams below
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    held: dict[int, _Job] = field(default_factory=dict)
    listening: asyncio.Task[None] | None = None


class ProcessWork(Generic[S]):
    """`processes` worker processes, each running `build(argument)` once at start to make
    its tools. `build` is a module-level function and `argument` picklable (the settings)."""

    def __init__(self, build: Callable[[S], CpuTools], argument: S, *, processes: int) -> None:
        self._build = build
        self._argument = argument
        self._processes = processes
        self._workers: list[_Worker] = []
        self._waiting: deque[_Job] = deque()
        self._job_ids = itertools.count(_READY + 1)
        self._respawns: set[asyncio.Task[None]] = set()
        self._closed = False

    async def start(self) -> None:
        """Start every worker now (each loads its keys), not on the first task."""
        started = await asyncio.gather(
            *(self._spawn() for _ in range(self._processes)), return_exceptions=True
        )
        for worker in started:
            if isinstance(worker, _Worker):
                self._adopt(worker)
        if len(self._workers) < self._processes:
            self.close()
            raise ConfigError(
                "GW-CFG-INVALID",
                "the CPU worker processes could not start (see the log above)",
                "EUGW_CRYPTO_PROCESSES",
            )

    async def run(self, task: Task[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._closed:
            raise TransportError("GW-CPU-WORKER", "the CPU workers were stopped")
        job = _Job(
            job_id=next(self._job_ids),
            payload=pickle.dumps((task, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL),
            future=asyncio.get_running_loop().create_future(),
        )
        self._waiting.append(job)
        self._hand_out()
        result: T = await job.future
        return result

    def close(self) -> None:
        """Stop the workers: each finishes its task, reads the end of its socket and exits."""
        self._closed = True
        for respawn in self._respawns:
            respawn.cancel()
        workers, self._workers = self._workers, []
        for worker in workers:
            if worker.listening is not None:
                worker.listening.cancel()
            with contextlib.suppress(OSError):  # gone already
                worker.channel.shutdown(socket.SHUT_RDWR)  # the worker reads its end now
            worker.writer.close()
        for worker in workers:
            worker.process.join(STOP_SECONDS)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            self._fail(list(worker.held.values()), "the CPU workers were stopped")
        self._fail(list(self._waiting), "the CPU workers were stopped")
        self._waiting.clear()

    def _hand_out(self) -> None:
        while self._waiting:
            free = [worker for worker in self._workers if len(worker.held) < DEPTH]
            if not free:
                return
            worker = min(free, key=lambda candidate: len(candidate.held))
            job = self._waiting.popleft()
            if job.future.cancelled():  # its caller stopped waiting before it began
                continue
            worker.held[job.job_id] = job
            worker.writer.write(_HEADER.pack(job.job_id, len(job.payload)) + job.payload)

    async def _spawn(self) -> _Worker:
        ours, theirs = socket.socketpair()
        process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(self._build, self._argument, theirs), daemon=True
        )
        try:
            process.start()
        finally:
            theirs.close()  # the worker has its own copy; ours would hide its end
        reader, writer = await asyncio.open_unix_connection(sock=ours)
        worker = _Worker(process=process, channel=ours, reader=reader, writer=writer)
        job_id, ready, error = -1, False, None
        try:
            async with asyncio.timeout(START_SECONDS):
                job_id, body = await _read_frame(reader)
                ready, error = _outcome(body)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass
        except BaseException:  # cancelled: the gateway is stopping
            _stop(worker)
            raise
        if job_id != _READY or not ready:
            get_logger().error(
                "a CPU worker process could not start", code="GW-CPU-WORKER", error=str(error)
            )
            _stop(worker)
            raise TransportError("GW-CPU-WORKER", "a CPU worker process could not start")
        return worker

    def _adopt(self, worker: _Worker) -> None:
        self._workers.append(worker)
        worker.listening = asyncio.create_task(self._listen(worker))
        self._hand_out()

    async def _listen(self, worker: _Worker) -> None:
        try:
            while True:
                job_id, body = await _read_frame(worker.reader)
                job = worker.held.pop(job_id)
                succeeded, value = _outcome(body)
                if not job.future.cancelled():
                    if succeeded:
                        job.future.set_result(value)
                    else:
                        job.future.set_exception(value)
                self._hand_out()
        except (asyncio.IncompleteReadError, ConnectionError):
            self._lost(worker)

    def _lost(self, worker: _Worker) -> None:
        get_logger().error(
            "a CPU worker process died; starting another",
            code="GW-CPU-WORKER",
            pid=worker.process.pid,
            tasks_failed=len(worker.held),
        )
        self._workers.remove(worker)
        _stop(worker)  # gone already, or as good as: its socket is closed
        self._fail(list(worker.held.values()), "a CPU worker process stopped during the work")
        if self._closed:
            return
        respawn = asyncio.create_task(self._respawn())
        self._respawns.add(respawn)
        respawn.add_done_callback(self._respawns.discard)

    async def _respawn(self) -> None:
        # Cancelled by close(); a worker being started then is stopped by _spawn.
        delay = RESPAWN_DELAY_SECONDS
        while True:
            try:
                self._adopt(await self._spawn())
            except TransportError:
                if not self._workers:  # nobody will take them: fail rather than hang
                    self._fail(list(self._waiting), "no CPU worker process is running")
                    self._waiting.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
            else:
                return

    @staticmethod
    def _fail(jobs: list[_Job], why: str) -> None:
        for job in jobs:
            if not job.future.done():
                job.future.set_exception(TransportError("GW-CPU-WORKER", f"{why}; try again"))


def _stop(worker: _Worker) -> None:
    worker.writer.close()
    worker.process.kill()
    worker.process.join()


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    job_id, size = _HEADER.unpack(await reader.readexactly(_HEADER.size))
    return job_id, await reader.readexactly(size)


def _outcome(body: bytes) -> tuple[bool, Any]:
    """(succeeded, result or exception) from a worker's answer."""
    try:
        outcome: tuple[bool, Any] = pickle.loads(body)  # noqa: S301  # from our own worker
    except Exception as error:  # noqa: BLE001  # e.g. an exception that cannot be rebuilt here
        return False, _portable(error)
    return outcome


# In the worker process.


def _serve(build: Callable[[Any], CpuTools], argument: object, channel: socket.socket) -> None:
    """Make the tools, say so, then run each task read from `channel` until it ends."""
    try:
        tools = build(argument)
    except Exception as error:  # noqa: BLE001  # told to the gateway, which logs it
        _answer(channel, _READY, (False, _portable(error)))
        return
    _answer(channel, _READY, (True, None))
    while (request := _receive(channel)) is not None:
        job_id, body = request
        try:
            task, args, kwargs = pickle.loads(body)  # noqa: S301  # from the gateway
            outcome: tuple[bool, Any] = (True, task(tools, *args, **kwargs))
        except Exception as error:  # noqa: BLE001  # raised again in the gateway
            outcome = (False, error)
        try:
            _answer(channel, job_id, outcome)
        except (BrokenPipeError, ConnectionResetError):
            return  # the gateway is gone
        except Exception as error:  # noqa: BLE001  # the result itself cannot be pickled
            _answer(channel, job_id, (False, _portable(error)))


def _receive(channel: socket.socket) -> tuple[int, bytes] | None:
    header = _read_exactly(channel, _HEADER.size)
    if header is None:
        return None
    job_id, size = _HEADER.unpack(header)
    body = _read_exactly(channel, size)
    return None if body is None else (job_id, body)


def _read_exactly(channel: socket.socket, size: int) -> bytes | None:
    """`size` bytes, or None when the gateway closed the socket (or died)."""
    chunks = bytearray()
    while len(chunks) < size:
        try:
            chunk = channel.recv(size - len(chunks))
        except ConnectionError:
            return None
        if not chunk:
            return None
        chunks += chunk
    return bytes(chunks)


def _answer(channel: socket.socket, job_id: int, outcome: tuple[bool, Any]) -> None:
    body = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
    channel.sendall(_HEADER.pack(job_id, len(body)) + body)


def _portable(error: Exception) -> TransportError:
    return TransportError("GW-CPU-WORKER", f"a CPU worker failed: {type(error).__name__}: {error}")
