"""What the store keeps about a batch upload: its progress, and the rows it could not take."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from gateway.domain.frozen import frozen
from gateway.domain.problems import Problem

__all__ = ["Batch", "BatchProgress", "BatchRejection", "BatchState"]


class BatchState(StrEnum):
    RUNNING = "running"  # records are being mapped and queued
    DONE = "done"  # every record read: each is queued or rejected
    FAILED = "failed"  # the file could not be read to its end (see `error`)


@frozen
class Batch:
    """A file of source records uploaded under an idempotency key, and how far it has come."""

    batch_id: str
    submitter: str
    idempotency_key: str
    request_digest: str
    source: str
    format: str | None
    state: BatchState
    created_at: datetime
    updated_at: datetime
    total: int = 0  # records read
    mapped: int = 0  # records mapped to canonical records
    rejected: int = 0  # records refused (mapping, domain rules or message), kept with problems
    queued: int = 0  # messages queued
    error: str = ""

    @property
    def done(self) -> bool:
        return self.state is not BatchState.RUNNING


@frozen
class BatchRejection:
    """A record of the file that was refused, with every problem found."""

    batch_id: str
    record: int  # position in the file, from 0
    line: int | None  # the line it ends on (CSV, JSON lines), when known
    problems: tuple[Problem, ...]


@frozen
class BatchProgress:
    """What one step of a batch adds: records read and mapped, and the rows refused."""

    read: int
    mapped: int
    rejections: tuple[BatchRejection, ...] = ()
