"""An in-memory message store: the contract's reference, and the fake for tests.

Exported from `gateway.testing`; it passes the same contract tests as the
SQLite and PostgreSQL stores.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from gateway.broker.access import ApiToken
from gateway.broker.audit import (
    GENESIS,
    AuditEntry,
    AuditRecord,
    chain,
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
from gateway.ports import AuditFilter, InboundFilter, MessageFilter

__all__ = ["BLOCKING_ORDER", "PURGEABLE", "WAITING", "InMemoryStore", "is_due"]

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


class InMemoryStore:
    """Keeps everything in dictionaries; one lock stands in for transactions."""

    def __init__(self) -> None:
        self._messages: dict[str, StoredMessage] = {}
        self._timelines: dict[str, list[StateChange]] = {}
        self._submissions: dict[str, Submission] = {}
        self._inbound: dict[str, InboundMessage] = {}
        self._tokens: dict[str, ApiToken] = {}
        self._audit: list[AuditEntry] = []
        self._lock = asyncio.Lock()
        self._work = asyncio.Event()  # in-process wake-up: one process uses this store

    async def submit(self, submission: Submission, messages: Sequence[NewMessage]) -> Submission:
        async with self._lock:
            earlier = await self.submission_by_key(submission.submitter, submission.idempotency_key)
            if earlier is not None:
                return earlier
            self._submissions[submission.submission_id] = submission
            self._append(submission_audit(submission))
            self._enqueue(messages, at=submission.created_at)
            return submission

    async def submission(self, submission_id: str) -> Submission | None:
        return self._submissions.get(submission_id)

    async def submission_by_key(self, submitter: str, idempotency_key: str) -> Submission | None:
        for submission in self._submissions.values():
            if (submission.submitter, submission.idempotency_key) == (submitter, idempotency_key):
                return submission
        return None

    async def receive(self, inbound: InboundMessage, *, effect: Event | None) -> Receipt:
        async with self._lock:
            if inbound.message_id in self._inbound:
                again = self._messages.get(inbound.correlation_id or "")
                return Receipt(new=False, correlated=again)
            self._inbound[inbound.message_id] = inbound
            self._append(inbound_audit(inbound))
            outbound = self._messages.get(inbound.correlation_id or "")
            if (
                outbound is not None
                and effect is not None
                and (outbound.state, effect) in TRANSITIONS
            ):
                outbound = self._apply(
                    outbound, effect, at=inbound.received_at, detail=inbound.message_id
                )
            return Receipt(new=True, correlated=outbound)

    async def inbound(self, message_id: str) -> InboundMessage | None:
        return self._inbound.get(message_id)

    async def find_inbound(self, query: InboundFilter) -> list[InboundMessage]:
        found = [
            inbound
            for inbound in sorted(
                self._inbound.values(), key=lambda kept: kept.received_at, reverse=True
            )
            if (query.peer is None or inbound.peer == query.peer)
            and (query.message_type is None or inbound.message_type == query.message_type)
            and (query.conversation_id is None or inbound.conversation_id == query.conversation_id)
            and (query.correlation_ids is None or inbound.correlation_id in query.correlation_ids)
            and (query.since is None or inbound.received_at >= query.since)
            and (query.until is None or inbound.received_at < query.until)
        ]
        return found[query.offset : query.offset + query.limit]

    async def add_token(self, token: ApiToken, *, actor: str = "admin") -> None:
        self._tokens[token.token_id] = token
        self._append(token_audit(token, "created", token.created_at, actor))

    async def token_by_digest(self, digest: str) -> ApiToken | None:
        return next((t for t in self._tokens.values() if t.digest == digest), None)

    async def tokens(self) -> list[ApiToken]:
        return sorted(self._tokens.values(), key=lambda token: token.created_at)

    async def revoke_token(self, token_id: str, *, at: datetime, actor: str = "admin") -> bool:
        token = self._tokens.get(token_id)
        if token is None:
            return False
        if token.revoked_at is None:
            self._tokens[token_id] = replace(token, revoked_at=at)
            self._append(token_audit(token, "revoked", at, actor))
        return True

    async def enqueue(self, messages: Sequence[NewMessage], *, at: datetime) -> list[str]:
        async with self._lock:
            return self._enqueue(messages, at=at)

    def _enqueue(self, messages: Sequence[NewMessage], *, at: datetime) -> list[str]:
        new = []
        for message in messages:
            if message.message_id in self._messages:
                continue
            stored, changes = arrive(message, at=at)
            self._messages[message.message_id] = stored
            self._timelines[message.message_id] = changes
            self._append(*(change_audit(change) for change in changes))
            new.append(message.message_id)
        if new:
            self._work.set()
        return new

    async def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int, peer: str | None = None
    ) -> list[StoredMessage]:
        async with self._lock:
            claimed: list[StoredMessage] = []
            held_back: set[str] = set()
            for message in list(self._messages.values()):  # insertion order = queue order
                if len(claimed) >= limit:
                    break
                key = message.order_key
                if peer is not None and message.peer != peer:
                    if key is not None and message.state in BLOCKING_ORDER:
                        held_back.add(key)
                    continue
                if key is not None and key in held_back:
                    continue
                if key is not None and message.state in BLOCKING_ORDER:
                    held_back.add(key)
                if is_due(message, now):
                    claimed.append(self._claim_one(message, worker, now, lease))
            return claimed

    def _claim_one(
        self, message: StoredMessage, worker: str, now: datetime, lease: timedelta
    ) -> StoredMessage:
        if message.state is MessageState.SENDING:
            message = self._apply(message, Event.LEASE_EXPIRED, at=now, detail="lease expired")
        return self._apply(message, Event.CLAIM, at=now, worker=worker, lease_until=now + lease)

    def _apply(
        self,
        message: StoredMessage,
        event: Event,
        *,
        at: datetime,
        worker: str | None = None,
        lease_until: datetime | None = None,
        retry_at: datetime | None = None,
        detail: str = "",
        actor: str = "gateway",
    ) -> StoredMessage:
        updated, change = apply_event(
            message,
            event,
            at=at,
            worker=worker,
            lease_until=lease_until,
            retry_at=retry_at,
            detail=detail,
            actor=actor,
        )
        self._messages[message.message_id] = updated
        self._timelines[message.message_id].append(change)
        self._append(change_audit(change))
        return updated

    async def record(
        self,
        message_id: str,
        event: Event,
        *,
        at: datetime,
        worker: str | None = None,
        retry_at: datetime | None = None,
        detail: str = "",
        actor: str = "gateway",
    ) -> StoredMessage:
        async with self._lock:
            message = self._messages.get(message_id)
            if message is None:
                raise UnknownMessageError(message_id)
            updated = self._apply(
                message, event, at=at, worker=worker, retry_at=retry_at, detail=detail, actor=actor
            )
            if updated.state is MessageState.QUEUED:
                self._work.set()
            return updated

    async def get(self, message_id: str) -> StoredMessage | None:
        return self._messages.get(message_id)

    async def timeline(self, message_id: str) -> list[StateChange]:
        return list(self._timelines.get(message_id, ()))

    async def find(self, query: MessageFilter) -> list[StoredMessage]:
        found = [
            message
            for message in reversed(self._messages.values())
            if (query.state is None or message.state is query.state)
            and (query.peer is None or message.peer == query.peer)
            and (query.reference is None or message.reference == query.reference)
            and (query.conversation_id is None or message.conversation_id == query.conversation_id)
            and (query.since is None or message.created_at >= query.since)
            and (query.until is None or message.created_at < query.until)
            and (query.message_type is None or message.message_type == query.message_type)
        ]
        return found[query.offset : query.offset + query.limit]

    async def oldest_waiting(self) -> dict[str, datetime]:
        oldest: dict[str, datetime] = {}
        for message in self._messages.values():
            if message.state in WAITING and (
                message.peer not in oldest or message.created_at < oldest[message.peer]
            ):
                oldest[message.peer] = message.created_at
        return oldest

    async def counts(self) -> dict[tuple[str, MessageState], int]:
        counts: dict[tuple[str, MessageState], int] = {}
        for message in self._messages.values():
            key = (message.peer, message.state)
            counts[key] = counts.get(key, 0) + 1
        return counts

    async def purge_bodies(self, *, updated_before: datetime) -> int:
        async with self._lock:
            purged = 0
            for message in self._messages.values():
                if (
                    message.body is not None
                    and message.state in PURGEABLE
                    and message.updated_at < updated_before
                ):
                    self._messages[message.message_id] = replace(message, body=None)
                    purged += 1
            return purged

    async def next_due(self, *, peer: str | None = None) -> datetime | None:
        times = [
            moment
            for message in self._messages.values()
            if peer is None or message.peer == peer
            for moment in (
                message.next_attempt_at if message.state is MessageState.RETRY_WAIT else None,
                message.lease_until if message.state is MessageState.SENDING else None,
            )
            if moment is not None
        ]
        return min(times, default=None)

    async def wait_for_work(self, *, at_most: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(at_most):
                await self._work.wait()
        self._work.clear()

    async def append_audit(self, records: Sequence[AuditRecord]) -> None:
        async with self._lock:
            self._append(*records)

    async def audit_entries(self, *, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
        return [entry for entry in self._audit if entry.seq > after][:limit]

    async def find_audit(self, query: AuditFilter) -> list[AuditEntry]:
        found = [
            entry
            for entry in reversed(self._audit)
            if _audit_matches(entry, query) and (query.before is None or entry.seq < query.before)
        ]
        return found[: query.limit]

    async def audit_head(self) -> AuditEntry | None:
        return self._audit[-1] if self._audit else None

    def _append(self, *records: AuditRecord) -> None:
        for record in records:
            prev = self._audit[-1].hash if self._audit else GENESIS
            self._audit.append(chain(record, seq=len(self._audit) + 1, prev_hash=prev))

    async def check(self) -> None:
        return None

    async def close(self) -> None:
        return None

    # Batch uploads.

    def _batch_tables(self) -> tuple[dict[str, Batch], dict[str, dict[int, BatchRejection]]]:
        # Made on first use, so the constructor above stays as it is.
        if not hasattr(self, "_batch_state"):
            self._batch_state: tuple[dict[str, Batch], dict[str, dict[int, BatchRejection]]] = (
                {},
                {},
            )
        return self._batch_state

    async def create_batch(self, batch: Batch) -> Batch:
        batches, rejections = self._batch_tables()
        async with self._lock:
            for earlier in batches.values():
                if (earlier.submitter, earlier.idempotency_key) == (
                    batch.submitter,
                    batch.idempotency_key,
                ):
                    return earlier
            batches[batch.batch_id] = batch
            rejections[batch.batch_id] = {}
            return batch

    async def batch(self, batch_id: str) -> Batch | None:
        return self._batch_tables()[0].get(batch_id)

    async def advance_batch(
        self,
        batch_id: str,
        progress: BatchProgress,
        messages: Sequence[NewMessage],
        *,
        at: datetime,
    ) -> Batch:
        batches, rejections = self._batch_tables()
        async with self._lock:
            batch = batches.get(batch_id)
            if batch is None:
                raise UnknownMessageError(batch_id)
            new = self._enqueue(messages, at=at)
            kept = rejections[batch_id]
            for rejection in progress.rejections:
                kept.setdefault(rejection.record, rejection)
            batches[batch_id] = updated = replace(
                batch,
                total=batch.total + progress.read,
                mapped=batch.mapped + progress.mapped,
                rejected=batch.rejected + len(progress.rejections),
                queued=batch.queued + len(new),
                updated_at=at,
            )
            return updated

    async def finish_batch(
        self, batch_id: str, state: BatchState, *, at: datetime, error: str = ""
    ) -> Batch:
        batches, _ = self._batch_tables()
        async with self._lock:
            batch = batches.get(batch_id)
            if batch is None:
                raise UnknownMessageError(batch_id)
            batches[batch_id] = updated = replace(batch, state=state, error=error, updated_at=at)
            return updated

    async def batch_rejections(
        self, batch_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[BatchRejection]:
        kept = self._batch_tables()[1].get(batch_id, {})
        return [kept[record] for record in sorted(kept)][offset : offset + limit]

    async def stale_batches(self, *, updated_before: datetime) -> list[Batch]:
        batches = self._batch_tables()[0].values()
        return sorted(
            (b for b in batches if b.state is BatchState.RUNNING and b.updated_at < updated_before),
            key=lambda batch: batch.created_at,
        )

    async def take_over_batch(self, batch_id: str, *, seen: datetime, at: datetime) -> Batch | None:
        batches, _ = self._batch_tables()
        async with self._lock:
            batch = batches.get(batch_id)
            if batch is None or batch.state is not BatchState.RUNNING or batch.updated_at != seen:
                return None
            batches[batch_id] = taken = replace(batch, updated_at=at)
            return taken


def _audit_matches(entry: AuditEntry, query: AuditFilter) -> bool:
    kind = query.kind
    return (
        (kind is None or entry.kind == kind or (kind.endswith(".") and entry.kind.startswith(kind)))
        and (query.actor is None or entry.actor == query.actor)
        and (query.subject is None or entry.subject == query.subject)
        and (query.since is None or entry.at >= query.since)
        and (query.until is None or entry.at < query.until)
    )
