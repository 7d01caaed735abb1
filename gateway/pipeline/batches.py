"""Batch upload: a large source export in, its records mapped and queued one by one, with progress.

    batch, new = await batches.upload(BatchRequest(...), chunks)   # spooled, then 202
    batch = await batches.status(batch_id)                        # total, mapped, rejected, queued

The upload is written to a spool file under the data directory while its
digest is taken (the idempotency key's request), then recorded; a task reads
the file back record by record: each record is mapped, checked, built,
validated and signed off the event loop, and every `chunk` records the
signed messages, the refused records with their problems and the counters
are written in one transaction. Unlike a submission, a batch is not refused
as a whole: each good record is queued, each bad one kept with its problems.
The spool file holds personal data: it is erased when the batch ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import os
import uuid
from collections.abc import AsyncIterable, Iterator, Mapping
from concurrent.futures import Executor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from gateway.broker.batch_records import Batch, BatchProgress, BatchRejection, BatchState
from gateway.broker.outbox import Outbox
from gateway.broker.records import NewMessage
from gateway.domain import Problem
from gateway.domain.frozen import frozen
from gateway.errors import GatewayError, InputError
from gateway.logging import get_logger
from gateway.mapping.source_readers import ReadRecord, RecordSource
from gateway.pipeline.submissions import Submissions
from gateway.ports import Clock
from gateway.private_files import open_private

__all__ = ["BatchRequest", "Batches"]

TOO_LARGE = "GW-BATCH-TOO-LARGE"
UNREADABLE = "GW-BATCH-UNREADABLE"
_SOURCE = "GW-BATCH-SOURCE"


@frozen
class BatchRequest:
    submitter: str
    idempotency_key: str
    source: str
    format: str | None = None


class Batches:
    """Accepts batch uploads and works through them in the background."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        submissions: Submissions,
        sources: Mapping[str, RecordSource],
        clock: Clock,
        executor: Executor,
        spool_dir: Path,
        max_bytes: int,
        chunk: int = 100,
    ) -> None:
        self.outbox = outbox
        self.submissions = submissions
        self.sources = dict(sources)
        self.clock = clock
        self.executor = executor
        self.spool_dir = spool_dir
        self.max_bytes = max_bytes
        self.chunk = chunk
        self._tasks: dict[str, asyncio.Task[Batch]] = {}

    async def upload(self, request: BatchRequest, body: AsyncIterable[bytes]) -> tuple[Batch, bool]:
        """The batch recorded for this key and whether it is new (then being worked on)."""
        source = self.sources.get(request.source)
        if source is None:
            known = ", ".join(sorted(self.sources)) or "none"
            message = f"batches of {request.source!r} records are not taken (sources: {known})"
            raise InputError(_SOURCE, message, "source")
        if request.format is not None and request.format not in source.formats:
            message = f"{request.source} exports come as {', '.join(source.formats)}"
            raise InputError("GW-IN-FORMAT", message, "format")
        spooled, digest = await self._spool(request, body)
        try:  # a header that does not fit refuses the upload: no batch, nothing queued
            await asyncio.get_running_loop().run_in_executor(
                self.executor, _check_header, source, spooled, request.format
            )
        except BaseException:
            await self._erase(spooled)
            raise
        now = self.clock.now()
        batch = Batch(
            batch_id=str(uuid.uuid4()),
            submitter=request.submitter,
            idempotency_key=request.idempotency_key,
            request_digest=digest,
            source=request.source,
            format=request.format,
            state=BatchState.RUNNING,
            created_at=now,
            updated_at=now,
        )
        try:
            stored = await self.outbox.store.create_batch(batch)
        except BaseException:
            await self._erase(spooled)
            raise
        if stored.batch_id != batch.batch_id:
            await self._erase(spooled)
            if stored.request_digest != digest:
                raise InputError(
                    "GW-IN-IDEMPOTENCY-CONFLICT",
                    "this idempotency key was already used for a different upload",
                    "Idempotency-Key",
                )
            return stored, False
        path = spooled.with_suffix(".upload")
        spooled.rename(path)
        self._tasks[batch.batch_id] = asyncio.create_task(
            self._work_through(batch, path), name=f"batch {batch.batch_id}"
        )
        return batch, True

    async def status(self, batch_id: str) -> Batch | None:
        return await self.outbox.store.batch(batch_id)

    async def rejections(
        self, batch_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[BatchRejection]:
        return await self.outbox.store.batch_rejections(batch_id, limit=limit, offset=offset)

    async def watch(self, stop: asyncio.Event, *, stale_after: timedelta, every: float) -> None:
        """Until `stop`: take over batches whose worker stopped (see `resume_stale`)."""
        while not stop.is_set():
            await self.resume_stale(stale_after)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    async def resume_stale(self, stale_after: timedelta) -> list[str]:
        """Resume the running batches nobody advanced for `stale_after` (a crash, a restart).

        Each is claimed first (`take_over_batch`), so two processes never resume one
        batch; its first `total` records were committed with their messages, so the
        work goes on from the next one. A batch whose spool file is gone fails.
        """
        store = self.outbox.store
        now = self.clock.now()
        resumed = []
        for stale in await store.stale_batches(updated_before=now - stale_after):
            if stale.batch_id in self._tasks:
                continue
            batch = await store.take_over_batch(stale.batch_id, seen=stale.updated_at, at=now)
            if batch is None:
                continue
            path = self.spool_dir / f"{batch.batch_id}.upload"
            if not await asyncio.get_running_loop().run_in_executor(self.executor, path.exists):
                error = f"{UNREADABLE}: the uploaded file is gone; upload it again"
                await store.finish_batch(batch.batch_id, BatchState.FAILED, at=now, error=error)
                continue
            get_logger(batch_id=batch.batch_id).info("batch resumed", total=batch.total)
            self._tasks[batch.batch_id] = asyncio.create_task(
                self._work_through(batch, path, skip=batch.total), name=f"batch {batch.batch_id}"
            )
            resumed.append(batch.batch_id)
        return resumed

    async def close(self) -> None:
        """Stop the batches at work (they stay `running`, their spool files kept)."""
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _spool(self, request: BatchRequest, body: AsyncIterable[bytes]) -> tuple[Path, str]:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.executor, self._make_spool_dir)
        path = self.spool_dir / f"{uuid.uuid4()}.part"
        digest = hashlib.sha256()
        for part in (request.source, request.format or ""):
            digest.update(part.encode() + b"\0")
        size = 0
        file = await loop.run_in_executor(self.executor, open_private, path)  # 0600
        try:
            async for chunk in body:
                size += len(chunk)
                _check_size(size, self.max_bytes)
                digest.update(chunk)
                await loop.run_in_executor(self.executor, file.write, chunk)
        except BaseException:
            await loop.run_in_executor(self.executor, file.close)
            await self._erase(path)
            raise
        await loop.run_in_executor(self.executor, _close_synced, file)
        return path, digest.hexdigest()

    def _make_spool_dir(self) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    async def _erase(self, path: Path) -> None:
        await asyncio.get_running_loop().run_in_executor(
            self.executor, lambda: path.unlink(missing_ok=True)
        )

    async def _work_through(self, batch: Batch, path: Path, *, skip: int = 0) -> Batch:
        loop = asyncio.get_running_loop()
        store = self.outbox.store
        log = get_logger(batch_id=batch.batch_id, source=batch.source)
        state, error = BatchState.DONE, ""
        try:
            file = await loop.run_in_executor(self.executor, path.open, "rb")
            records: Iterator[ReadRecord] = iter(())
            try:
                records = self.sources[batch.source].records(file, batch.format)
                await loop.run_in_executor(self.executor, _skip, records, skip)
                while True:
                    progress, messages = await loop.run_in_executor(
                        self.executor, self._step, batch.batch_id, records
                    )
                    if not progress.read:
                        break
                    await store.advance_batch(
                        batch.batch_id, progress, messages, at=self.clock.now()
                    )
            finally:
                await loop.run_in_executor(self.executor, _close, records, file)
        except UnicodeDecodeError as problem:
            state, error = (
                BatchState.FAILED,
                f"{UNREADABLE}: the file is not text ({problem.reason})",
            )
        except GatewayError as problem:
            state, error = BatchState.FAILED, f"{problem.code}: {problem.message}"
        except OSError as problem:
            state, error = BatchState.FAILED, f"{UNREADABLE}: {problem.strerror}"
        finished = await store.finish_batch(batch.batch_id, state, at=self.clock.now(), error=error)
        await self._erase(path)
        self._tasks.pop(batch.batch_id, None)
        log.info(
            "batch finished",
            state=state.value,
            total=finished.total,
            rejected=finished.rejected,
            queued=finished.queued,
        )
        return finished

    def _step(
        self, batch_id: str, records: Iterator[ReadRecord]
    ) -> tuple[BatchProgress, list[NewMessage]]:
        """Up to `chunk` records: mapped, checked, signed and sealed (in the executor)."""
        read = mapped = 0
        rejections: list[BatchRejection] = []
        messages: list[NewMessage] = []
        cipher = self.outbox.cipher
        for item in records:
            read += 1
            problems = list(item.problems)
            if item.record is not None:
                mapped += 1
                if not problems:
                    message, found = self.submissions.message_for(item.record)
                    problems += [_located(p, item.index) for p in found]
                    if message is not None:
                        sealed = cipher.seal(message.body, message_id=message.message_id)
                        messages.append(replace(message, body=sealed, submission_id=batch_id))
            if problems:
                rejections.append(
                    BatchRejection(
                        batch_id=batch_id,
                        record=item.index,
                        line=item.line,
                        problems=tuple(problems),
                    )
                )
            if read == self.chunk:
                break
        return BatchProgress(read=read, mapped=mapped, rejections=tuple(rejections)), messages


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise InputError(TOO_LARGE, f"a batch file holds at most {limit} bytes", "")


def _located(problem: Problem, index: int) -> Problem:
    path = f"[{index}].{problem.path}" if problem.path else f"[{index}]"
    return Problem(code=problem.code, message=problem.message, path=path)


def _check_header(source: RecordSource, path: Path, fmt: str | None) -> None:
    with path.open("rb") as file:
        source.check(file, fmt)


def _skip(records: Iterator[ReadRecord], count: int) -> None:
    for _ in itertools.islice(records, count):
        pass


def _close(records: Iterator[ReadRecord], file: BinaryIO) -> None:
    close = getattr(records, "close", None)  # a generator: closes its text wrapper
    if close is not None:
        close()
    file.close()


def _close_synced(file: BinaryIO) -> None:
    # The batch is recorded once its file is on disk: a crash then loses no record of it.
    file.flush()
    os.fsync(file.fileno())
    file.close()
