"""An in-memory message store: the contract's reference, and the fake for tests.

Exported from `gateway.testing`; it passes the same contract tests as the SQLite and
PostgreSQL stores, and runs the same rules (`gateway.broker.store_rules`) over its
dictionaries. One lock stands in for transactions; a rule that fails is undone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar, Unpack

from gateway.broker import store_rules as rules
from gateway.broker.access import ApiToken
from gateway.broker.audit import GENESIS, AuditEntry, AuditRecord, chain
from gateway.broker.batch_records import Batch, BatchProgress, BatchRejection, BatchState
from gateway.broker.memory_tables import MemoryTables, Rows, submission_by_key
from gateway.broker.records import (
    InboundMessage,
    NewMessage,
    Receipt,
    StateChange,
    StoredMessage,
    Submission,
)
from gateway.broker.states import Event, MessageState
from gateway.broker.store_rules import BLOCKING_ORDER, PURGEABLE, WAITING, WorkSignal, is_due
from gateway.ports import AuditFilter, InboundFilter, MessageFilter

__all__ = ["BLOCKING_ORDER", "PURGEABLE", "WAITING", "InMemoryStore", "is_due"]

T = TypeVar("T")


class InMemoryStore:
    """Keeps everything in dictionaries."""

    def __init__(self) -> None:
        self._rows = Rows()
        self._lock = asyncio.Lock()
        self._work = WorkSignal()  # in-process wake-up: one process uses this store

    async def _change(self, rule: Callable[[rules.Tables], Awaitable[T]]) -> T:
        async with self._lock:
            tables = MemoryTables(self._rows)
            try:
                value = await rule(tables)
            except BaseException:
                tables.undo()
                raise
            self._append(*tables.records)
            if tables.woken:
                self._work.set()
            return value

    # Changes: the rules.

    async def enqueue(self, messages: Sequence[NewMessage], *, at: datetime) -> list[str]:
        return await self._change(lambda t: rules.enqueue(t, messages, at))

    async def submit(self, submission: Submission, messages: Sequence[NewMessage]) -> Submission:
        return await self._change(lambda t: rules.submit(t, submission, messages))

    async def receive(self, inbound: InboundMessage, *, effect: Event | None) -> Receipt:
        return await self._change(lambda t: rules.receive(t, inbound, effect=effect))

    async def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int, peer: str | None = None
    ) -> list[StoredMessage]:
        return await self._change(
            lambda t: rules.claim(t, worker=worker, now=now, lease=lease, limit=limit, peer=peer)
        )

    async def record(
        self, message_id: str, event: Event, **details: Unpack[rules.EventDetails]
    ) -> StoredMessage:
        return await self._change(lambda t: rules.record(t, message_id, event, **details))

    async def add_token(self, token: ApiToken, *, actor: str = "admin") -> None:
        await self._change(lambda t: rules.add_token(t, token, actor=actor))

    async def revoke_token(self, token_id: str, *, at: datetime, actor: str = "admin") -> bool:
        return await self._change(lambda t: rules.revoke_token(t, token_id, at=at, actor=actor))

    async def append_audit(self, records: Sequence[AuditRecord]) -> None:
        await self._change(lambda t: rules.append_audit(t, records))

    async def create_batch(self, batch: Batch) -> Batch:
        return await self._change(lambda t: rules.create_batch(t, batch))

    async def advance_batch(
        self,
        batch_id: str,
        progress: BatchProgress,
        messages: Sequence[NewMessage],
        *,
        at: datetime,
    ) -> Batch:
        return await self._change(
            lambda t: rules.advance_batch(t, batch_id, progress, messages, at=at)
        )

    async def finish_batch(
        self, batch_id: str, state: BatchState, *, at: datetime, error: str = ""
    ) -> Batch:
        return await self._change(
            lambda t: rules.finish_batch(t, batch_id, state, at=at, error=error)
        )

    async def take_over_batch(self, batch_id: str, *, seen: datetime, at: datetime) -> Batch | None:
        return await self._change(lambda t: rules.take_over_batch(t, batch_id, seen=seen, at=at))

    async def purge_bodies(self, *, updated_before: datetime) -> int:
        async with self._lock:
            messages = self._rows.messages
            purged = [
                message
                for message in messages.values()
                if message.body is not None
                and message.state in PURGEABLE
                and message.updated_at < updated_before
            ]
            for message in purged:
                messages[message.message_id] = replace(message, body=None)
            return len(purged)

    def _append(self, *records: AuditRecord) -> None:
        trail = self._rows.audit
        for record in records:
            prev = trail[-1].hash if trail else GENESIS
            trail.append(chain(record, seq=len(trail) + 1, prev_hash=prev))

    # Reads.

    async def submission(self, submission_id: str) -> Submission | None:
        return self._rows.submissions.get(submission_id)

    async def submission_by_key(self, submitter: str, idempotency_key: str) -> Submission | None:
        return submission_by_key(self._rows, submitter, idempotency_key)

    async def inbound(self, message_id: str) -> InboundMessage | None:
        return self._rows.inbound.get(message_id)

    async def find_inbound(self, query: InboundFilter) -> list[InboundMessage]:
        found = [
            inbound
            for inbound in sorted(
                self._rows.inbound.values(), key=lambda kept: kept.received_at, reverse=True
            )
            if (query.peer is None or inbound.peer == query.peer)
            and (query.message_type is None or inbound.message_type == query.message_type)
            and (query.conversation_id is None or inbound.conversation_id == query.conversation_id)
            and (query.correlation_ids is None or inbound.correlation_id in query.correlation_ids)
            and (query.since is None or inbound.received_at >= query.since)
            and (query.until is None or inbound.received_at < query.until)
        ]
        return found[query.offset : query.offset + query.limit]

    async def token_by_digest(self, digest: str) -> ApiToken | None:
        return next((t for t in self._rows.tokens.values() if t.digest == digest), None)

    async def tokens(self) -> list[ApiToken]:
        return sorted(self._rows.tokens.values(), key=lambda token: token.created_at)

    async def get(self, message_id: str) -> StoredMessage | None:
        return self._rows.messages.get(message_id)

    async def timeline(self, message_id: str) -> list[StateChange]:
        return list(self._rows.timelines.get(message_id, ()))

    async def find(self, query: MessageFilter) -> list[StoredMessage]:
        found = [
            message
            for message in reversed(self._rows.messages.values())
            if (query.state is None or message.state is query.state)
            and (query.peer is None or message.peer == query.peer)
            and (query.reference is None or message.reference == query.reference)
            and (query.conversation_id is None or message.conversation_id == query.conversation_id)
            and (query.correlation_id is None or message.correlation_id == query.correlation_id)
            and (query.since is None or message.created_at >= query.since)
            and (query.until is None or message.created_at < query.until)
            and (query.message_type is None or message.message_type == query.message_type)
        ]
        return found[query.offset : query.offset + query.limit]

    async def oldest_waiting(self) -> dict[str, datetime]:
        oldest: dict[str, datetime] = {}
        for message in self._rows.messages.values():
            if message.state in WAITING and (
                message.peer not in oldest or message.created_at < oldest[message.peer]
            ):
                oldest[message.peer] = message.created_at
        return oldest

    async def counts(self) -> dict[tuple[str, MessageState], int]:
        counts: dict[tuple[str, MessageState], int] = {}
        for message in self._rows.messages.values():
            key = (message.peer, message.state)
            counts[key] = counts.get(key, 0) + 1
        return counts

    async def next_due(self, *, peer: str | None = None) -> datetime | None:
        times = [
            moment
            for message in self._rows.messages.values()
            if peer is None or message.peer == peer
            for moment in (
                message.next_attempt_at if message.state is MessageState.RETRY_WAIT else None,
                message.lease_until if message.state is MessageState.SENDING else None,
            )
            if moment is not None
        ]
        return min(times, default=None)

    async def wait_for_work(self, *, at_most: float) -> None:
        await self._work.wait(at_most=at_most)

    async def audit_entries(self, *, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
        return [entry for entry in self._rows.audit if entry.seq > after][:limit]

    async def find_audit(self, query: AuditFilter) -> list[AuditEntry]:
        found = [
            entry
            for entry in reversed(self._rows.audit)
            if _audit_matches(entry, query) and (query.before is None or entry.seq < query.before)
        ]
        return found[: query.limit]

    async def audit_head(self) -> AuditEntry | None:
        return self._rows.audit[-1] if self._rows.audit else None

    async def batch(self, batch_id: str) -> Batch | None:
        return self._rows.batches.get(batch_id)

    async def batch_rejections(
        self, batch_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[BatchRejection]:
        kept = self._rows.rejections.get(batch_id, {})
        return [kept[record] for record in sorted(kept)][offset : offset + limit]

    async def stale_batches(self, *, updated_before: datetime) -> list[Batch]:
        return sorted(
            (
                batch
                for batch in self._rows.batches.values()
                if batch.state is BatchState.RUNNING and batch.updated_at < updated_before
            ),
            key=lambda batch: batch.created_at,
        )

    async def check(self) -> None:
        return None

    async def close(self) -> None:
        return None


def _audit_matches(entry: AuditEntry, query: AuditFilter) -> bool:
    kind = query.kind
    return (
        (kind is None or entry.kind == kind or (kind.endswith(".") and entry.kind.startswith(kind)))
        and (query.actor is None or entry.actor == query.actor)
        and (query.subject is None or entry.subject == query.subject)
        and (query.since is None or entry.at >= query.since)
        and (query.until is None or entry.at < query.until)
    )
