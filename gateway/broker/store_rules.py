"""The message store's rules, written once: what a store does to its rows for each change.

Transitions and their timelines, the audit trail, correlation of inbound messages,
idempotent submissions and batches, and the order in which rows are locked are here,
over `Tables`: the few row operations each store implements for its engine, in
dictionaries (`InMemoryStore`), in SQLite and in PostgreSQL
(`gateway.adapters.sql_tables`). The three stores run these same functions, so they agree
on every change by construction; only the dialect and the connection handling differ.

Lock order (what `gateway.adapters.postgres_db` documents for PostgreSQL): a rule reads
and locks the row it changes first (`lock_*`: `FOR UPDATE` where the engine has row locks;
a claim skips locked rows), then writes the rows beside it, and hands its audit records to
`Tables.audit`, which chains them when the transaction ends, after every row lock.

Rules await nothing but their tables, so a store whose tables never wait (SQLite on its
database thread, the dictionaries) can run a rule to its end without an event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Protocol, Required, TypedDict, Unpack

from gateway.broker.access import ApiToken
from gateway.broker.audit import (
    AuditRecord,
    change_audit,
    inbound_audit,
    submission_audit,
    token_audit,
)
from gateway.broker.batch_records import Batch, BatchProgress, BatchRejection, BatchState
from gateway.broker.lifecycle import UnknownMessageError, apply_event, arrive
from gateway.broker.records import (
    InboundMessage,
    NewMessage,
    Receipt,
    StateChange,
    StoredMessage,
    Submission,
)
from gateway.broker.states import TRANSITIONS, Event, MessageState
from gateway.errors import TransportError

__all__ = [
    "BLOCKING_ORDER",
    "PURGEABLE",
    "WAITING",
    "Tables",
    "WorkSignal",
    "add_token",
    "advance_batch",
    "append_audit",
    "claim",
    "create_batch",
    "enqueue",
    "finish_batch",
    "is_due",
    "receive",
    "record",
    "revoke_token",
    "submit",
    "take_over_batch",
]

BLOCKING_ORDER = frozenset(
    {MessageState.QUEUED, MessageState.SENDING, MessageState.RETRY_WAIT, MessageState.DEAD}
)
"""An earlier message with the same order key in these states holds later ones back."""

WAITING = frozenset({MessageState.QUEUED, MessageState.SENDING, MessageState.RETRY_WAIT})
"""Messages not yet delivered (the queue an operator watches the age of)."""

PURGEABLE = frozenset(
    {
        MessageState.ACKNOWLEDGED,
        MessageState.ANSWERED,
        MessageState.CANCELLED,
        MessageState.REJECTED,
        MessageState.DEAD,
    }
)
"""Finished messages, whose bodies are erased after their retention."""


def is_due(message: StoredMessage, now: datetime) -> bool:
    """Whether a worker may claim the message at `now` (order aside)."""
    match message.state:
        case MessageState.QUEUED:
            return True
        case MessageState.RETRY_WAIT:
            return message.next_attempt_at is not None and message.next_attempt_at <= now
        case MessageState.SENDING:
            return message.lease_until is not None and message.lease_until <= now
        case _:
            return False


class WorkSignal:
    """A process's wake-up for its dispatchers: set when work may have arrived."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    async def wait(self, *, at_most: float) -> None:
        """Return when work may have arrived since the last return, or after `at_most` s."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(at_most):
                await self._event.wait()
        self._event.clear()


class Tables(Protocol):
    """The row operations of one transaction of a store. `lock_*` reads a row and keeps
    others from changing it until the transaction ends; `insert_*` leave a row already
    there (by its key) as it is and say whether they inserted."""

    async def lock_message(self, message_id: str) -> StoredMessage | None: ...

    async def lock_due(self, *, now: datetime, peer: str | None, limit: int) -> list[StoredMessage]:
        """Up to `limit` messages due at `now` (`is_due`), oldest first, none held back by
        an earlier message of its order key in a `BLOCKING_ORDER` state; rows another
        transaction holds are skipped."""
        ...

    async def insert_messages(self, messages: Sequence[StoredMessage]) -> set[str]:
        """The ids of those inserted."""
        ...

    async def update_messages(self, messages: Sequence[StoredMessage]) -> None:
        """Write their changing fields (state, attempts, times, lease, last error)."""
        ...

    async def add_changes(self, changes: Sequence[StateChange]) -> None: ...

    async def insert_submission(self, submission: Submission) -> bool: ...

    async def submission_by_key(self, submitter: str, key: str) -> Submission | None: ...

    async def insert_inbound(self, inbound: InboundMessage) -> bool: ...

    async def insert_token(self, token: ApiToken) -> None: ...

    async def lock_token(self, token_id: str) -> ApiToken | None: ...

    async def revoke(self, token_id: str, *, at: datetime) -> None: ...

    async def insert_batch(self, batch: Batch) -> bool: ...

    async def batch_by_key(self, submitter: str, key: str) -> Batch | None: ...

    async def lock_batch(self, batch_id: str) -> Batch | None: ...

    async def update_batch(self, batch: Batch) -> None:
        """Write its state, counters, error and time of change."""
        ...

    async def add_rejections(self, rejections: Sequence[BatchRejection]) -> None:
        """Keep each once (by batch and record)."""
        ...

    def audit(self, records: Sequence[AuditRecord]) -> None:
        """Append to the audit trail when the transaction ends (after every row lock)."""
        ...

    def wake(self) -> None:
        """Tell the dispatchers, once the transaction is committed, that work arrived."""
        ...


async def enqueue(tables: Tables, messages: Sequence[NewMessage], at: datetime) -> list[str]:
    """Queue the messages not stored yet (by id), each with its timeline from received on;
    the ids that were new, in order."""
    arrived: dict[str, tuple[StoredMessage, list[StateChange]]] = {}
    for message in messages:
        arrived.setdefault(message.message_id, arrive(message, at=at))
    if not arrived:
        return []
    new = await tables.insert_messages([stored for stored, _ in arrived.values()])
    changes = [change for key, (_, made) in arrived.items() if key in new for change in made]
    await tables.add_changes(changes)
    tables.audit([change_audit(change) for change in changes])
    if new:
        tables.wake()
    return [key for key in arrived if key in new]


async def submit(
    tables: Tables, submission: Submission, messages: Sequence[NewMessage]
) -> Submission:
    """Keep a submission and queue its messages; under a key used already, the first."""
    if not await tables.insert_submission(submission):
        earlier = await tables.submission_by_key(submission.submitter, submission.idempotency_key)
        if earlier is None:  # the first one's transaction was rolled back meanwhile
            raise TransportError("GW-TRN-RETRY", "a concurrent submission failed; try again")
        return earlier
    tables.audit([submission_audit(submission)])
    await enqueue(tables, messages, submission.created_at)
    return submission


async def receive(tables: Tables, inbound: InboundMessage, *, effect: Event | None) -> Receipt:
    """Keep an inbound message once and apply `effect` to the message it correlates with,
    when the transition table allows it. The correlated row is locked first."""
    correlated = (
        await tables.lock_message(inbound.correlation_id) if inbound.correlation_id else None
    )
    if not await tables.insert_inbound(inbound):  # seen before: nothing changes
        return Receipt(new=False, correlated=correlated)
    tables.audit([inbound_audit(inbound)])
    if correlated is not None and effect is not None and (correlated.state, effect) in TRANSITIONS:
        correlated = await _apply(
            tables, correlated, effect, at=inbound.received_at, detail=inbound.message_id
        )
    return Receipt(new=True, correlated=correlated)


async def claim(
    tables: Tables,
    *,
    worker: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    peer: str | None = None,
) -> list[StoredMessage]:
    """Take the due messages for `worker`: a lease run out is recorded as such first."""
    claimed: list[StoredMessage] = []
    changes: list[StateChange] = []
    for due in await tables.lock_due(now=now, peer=peer, limit=limit):
        message = due
        if message.state is MessageState.SENDING:
            message, change = apply_event(
                message, Event.LEASE_EXPIRED, at=now, detail="lease expired"
            )
            changes.append(change)
        message, change = apply_event(
            message, Event.CLAIM, at=now, worker=worker, lease_until=now + lease
        )
        claimed.append(message)
        changes.append(change)
    await _write(tables, claimed, changes)
    return claimed


class EventDetails(TypedDict, total=False):
    """What an event is recorded with beside the message and the event (`MessageStore.record`
    in `gateway.ports` says what each means); the stores pass it on as it came."""

    at: Required[datetime]
    worker: str | None
    retry_at: datetime | None
    detail: str
    actor: str


async def record(
    tables: Tables, message_id: str, event: Event, **details: Unpack[EventDetails]
) -> StoredMessage:
    """Apply one event to a stored message (`gateway.broker.lifecycle.apply_event`)."""
    message = await tables.lock_message(message_id)
    if message is None:
        raise UnknownMessageError(message_id)
    return await _apply(tables, message, event, **details)


async def add_token(tables: Tables, token: ApiToken, *, actor: str) -> None:
    await tables.insert_token(token)
    tables.audit([token_audit(token, "created", token.created_at, actor)])


async def revoke_token(tables: Tables, token_id: str, *, at: datetime, actor: str) -> bool:
    token = await tables.lock_token(token_id)
    if token is None:
        return False
    if token.revoked_at is None:
        await tables.revoke(token_id, at=at)
        tables.audit([token_audit(token, "revoked", at, actor)])
    return True


async def append_audit(tables: Tables, records: Sequence[AuditRecord]) -> None:
    tables.audit(records)


async def create_batch(tables: Tables, batch: Batch) -> Batch:
    """Keep a new batch; under a key used already, the first."""
    if await tables.insert_batch(batch):
        return batch
    earlier = await tables.batch_by_key(batch.submitter, batch.idempotency_key)
    if earlier is None:  # the first one's transaction was rolled back meanwhile
        raise TransportError("GW-TRN-RETRY", "a concurrent batch failed; try again")
    return earlier


async def advance_batch(
    tables: Tables,
    batch_id: str,
    progress: BatchProgress,
    messages: Sequence[NewMessage],
    *,
    at: datetime,
) -> Batch:
    """Queue a step's messages, keep its rejections and count them, together."""
    batch = await tables.lock_batch(batch_id)
    if batch is None:
        raise UnknownMessageError(batch_id)
    new = await enqueue(tables, messages, at)
    await tables.add_rejections(progress.rejections)
    advanced = replace(
        batch,
        total=batch.total + progress.read,
        mapped=batch.mapped + progress.mapped,
        rejected=batch.rejected + len(progress.rejections),
        queued=batch.queued + len(new),
        updated_at=at,
    )
    await tables.update_batch(advanced)
    return advanced


async def finish_batch(
    tables: Tables, batch_id: str, state: BatchState, *, at: datetime, error: str = ""
) -> Batch:
    batch = await tables.lock_batch(batch_id)
    if batch is None:
        raise UnknownMessageError(batch_id)
    finished = replace(batch, state=state, error=error, updated_at=at)
    await tables.update_batch(finished)
    return finished


async def take_over_batch(
    tables: Tables, batch_id: str, *, seen: datetime, at: datetime
) -> Batch | None:
    """The batch, now this process's, if it is still running and unchanged since `seen`."""
    batch = await tables.lock_batch(batch_id)
    if batch is None or batch.state is not BatchState.RUNNING or batch.updated_at != seen:
        return None
    taken = replace(batch, updated_at=at)
    await tables.update_batch(taken)
    return taken


async def _apply(
    tables: Tables,
    message: StoredMessage,
    event: Event,
    *,
    at: datetime,
    worker: str | None = None,
    retry_at: datetime | None = None,
    detail: str = "",
    actor: str = "gateway",
) -> StoredMessage:
    updated, change = apply_event(
        message, event, at=at, worker=worker, retry_at=retry_at, detail=detail, actor=actor
    )
    await _write(tables, [updated], [change])
    if updated.state is MessageState.QUEUED:
        tables.wake()
    return updated


async def _write(
    tables: Tables, messages: Sequence[StoredMessage], changes: Sequence[StateChange]
) -> None:
    if messages:
        await tables.update_messages(messages)
        await tables.add_changes(changes)
        tables.audit([change_audit(change) for change in changes])
