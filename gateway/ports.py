"""Ports: what the inner layers need from the outside world, as Protocols.

Adapters in `gateway.adapters` implement them for real; `gateway.testing`
implements them in memory for tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from gateway.broker.access import ApiToken
from gateway.broker.audit import AuditEntry, AuditRecord
from gateway.broker.batch_records import Batch, BatchProgress, BatchRejection, BatchState
from gateway.broker.records import (
    InboundMessage,
    NewMessage,
    Receipt,
    StateChange,
    StoredMessage,
    Submission,
)
from gateway.broker.states import Event, MessageState
from gateway.domain.frozen import frozen
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import CaseChange, CaseOpening, Result, StoredCase, StoredHit

__all__ = [
    "AuditFilter",
    "Clock",
    "InboundFilter",
    "MessageFilter",
    "MessageStore",
    "TrackingStore",
    "Transport",
]


class Clock(Protocol):
    """The time, as the gateway sees it (always timezone-aware, UTC)."""

    def now(self) -> datetime: ...

    def today(self) -> date: ...


@frozen
class MessageFilter:
    """Which messages a listing shows; every field narrows it."""

    state: MessageState | None = None
    peer: str | None = None
    reference: str | None = None
    conversation_id: str | None = None
    correlation_id: str | None = None  # answering this message
    since: datetime | None = None  # created at or after
    until: datetime | None = None  # created before
    message_type: str | None = None
    limit: int = 100
    offset: int = 0  # for paging: skip this many of the newest matches


@frozen
class InboundFilter:
    """Which inbound messages a listing shows; every field narrows it."""

    peer: str | None = None  # the sender
    message_type: str | None = None
    conversation_id: str | None = None
    correlation_ids: tuple[str, ...] | None = None  # answering one of these messages
    since: datetime | None = None  # received at or after
    until: datetime | None = None  # received before
    limit: int = 100
    offset: int = 0  # for paging: skip this many of the newest matches


@frozen
class AuditFilter:
    """Which audit entries a listing shows, newest first; every field narrows it."""

    kind: str | None = None  # exactly, or every kind under a prefix ending in "." (`case.`)
    actor: str | None = None
    subject: str | None = None
    since: datetime | None = None  # at or after
    until: datetime | None = None  # before
    before: int | None = None  # entries with a lower sequence number (paging)
    limit: int = 100


class MessageStore(Protocol):
    """Where outbound messages and their timelines live.

    Every state change is written in the same transaction as the change of
    the message it records. Bodies arrive sealed (encrypted) and are opaque
    here. Methods that change a message raise `UnknownMessageError`,
    `IllegalTransitionError` or `LeaseLostError` from `gateway.broker`.
    """

    async def enqueue(self, messages: Sequence[NewMessage], *, at: datetime) -> list[str]:
        """Queue new messages in one transaction; ids already stored are left
        as they are (a repeated submission queues nothing twice). Returns the
        ids that were new."""
        ...

    async def submit(self, submission: Submission, messages: Sequence[NewMessage]) -> Submission:
        """Record a submission and queue its messages in one transaction.

        When the submitter already used the idempotency key, nothing is
        written and the first submission is returned."""
        ...

    async def submission(self, submission_id: str) -> Submission | None: ...

    async def submission_by_key(
        self, submitter: str, idempotency_key: str
    ) -> Submission | None: ...

    async def receive(self, inbound: InboundMessage, *, effect: Event | None) -> Receipt:
        """Record a verified inbound message once (by message id) and, in the same
        transaction, apply `effect` (acknowledge or answer) to the outbound message
        it correlates with, when that message exists and the event is allowed."""
        ...

    async def inbound(self, message_id: str) -> InboundMessage | None: ...

    async def find_inbound(self, query: InboundFilter) -> list[InboundMessage]:
        """Inbound messages, the latest received first."""
        ...

    async def add_token(self, token: ApiToken, *, actor: str = "admin") -> None:
        """Keep a new token; `actor` made it (for the audit trail)."""
        ...

    async def token_by_digest(self, digest: str) -> ApiToken | None: ...

    async def tokens(self) -> list[ApiToken]: ...

    async def revoke_token(self, token_id: str, *, at: datetime, actor: str = "admin") -> bool:
        """Revoke a token (`actor` did, for the audit trail); False when there is no such
        token."""
        ...

    async def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int, peer: str | None = None
    ) -> list[StoredMessage]:
        """Take up to `limit` messages due for sending, oldest first: queued,
        retry_wait whose time has come, and sending whose lease expired.
        A message waits while an earlier one with its order key is undelivered."""
        ...

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
        """Apply one event (see `gateway.broker.lifecycle.apply_event`); `actor` is who
        asked for it, for the audit trail (an operator's name for resend/release/cancel)."""
        ...

    async def get(self, message_id: str) -> StoredMessage | None: ...

    async def timeline(self, message_id: str) -> list[StateChange]: ...

    async def find(self, query: MessageFilter) -> list[StoredMessage]:
        """Newest first."""
        ...

    async def counts(self) -> dict[tuple[str, MessageState], int]:
        """Number of messages per (peer, state)."""
        ...

    async def oldest_waiting(self) -> dict[str, datetime]:
        """Per peer, when its oldest message still waiting to be delivered (queued,
        sending or retry_wait) was created."""
        ...

    async def purge_bodies(self, *, updated_before: datetime) -> int:
        """Erase the bodies of finished messages last changed before the cut-off;
        their metadata and timeline stay. Returns how many were erased."""
        ...

    async def next_due(self, *, peer: str | None = None) -> datetime | None:
        """When the earliest waiting retry or lease falls due (for sleeping)."""
        ...

    async def append_audit(self, records: Sequence[AuditRecord]) -> None:
        """Append entries that record no change of a stored row (a refused inbound message)."""
        ...

    async def audit_entries(self, *, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
        """The audit trail in order, from the entry after `after`. Every change to a
        message, submission, inbound message or token appends to it in the same
        transaction."""
        ...

    async def find_audit(self, query: AuditFilter) -> list[AuditEntry]:
        """Audit entries matching `query`, the newest first."""
        ...

    async def audit_head(self) -> AuditEntry | None:
        """The last entry of the audit trail (None while it is empty): what a checkpoint
        of the trail signs (`gateway.broker.checkpoints`)."""
        ...

    async def wait_for_work(self, *, at_most: float) -> None:
        """Return when new work may have arrived (from any process), or after
        `at_most` seconds. Workers claim again after it returns."""
        ...

    async def check(self) -> None:
        """Return when the store can work; raise its `TransportError` when it cannot: a
        damaged file (GW-STORE-CORRUPT), a database away or failing (GW-STORE-UNAVAILABLE,
        GW-STORE-FAILED). What readiness asks."""
        ...

    async def close(self) -> None: ...

    # Batch uploads (migration 030).

    async def create_batch(self, batch: Batch) -> Batch:
        """Record a new batch; when the submitter already used its idempotency key,
        nothing is written and the first batch is returned."""
        ...

    async def batch(self, batch_id: str) -> Batch | None: ...

    async def advance_batch(
        self,
        batch_id: str,
        progress: BatchProgress,
        messages: Sequence[NewMessage],
        *,
        at: datetime,
    ) -> Batch:
        """In one transaction: queue the messages (sealed), keep the rejections, and add
        to the counters (total, mapped, rejected, and queued by the messages that were new)."""
        ...

    async def finish_batch(
        self, batch_id: str, state: BatchState, *, at: datetime, error: str = ""
    ) -> Batch: ...

    async def batch_rejections(
        self, batch_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[BatchRejection]:
        """Rejected records in file order."""
        ...

    async def stale_batches(self, *, updated_before: datetime) -> list[Batch]:
        """Running batches last changed before the cut-off: their worker may be gone."""
        ...

    async def take_over_batch(self, batch_id: str, *, seen: datetime, at: datetime) -> Batch | None:
        """Claim a stale batch for this process: only when it is still running and was
        last changed at `seen` (nobody advanced or took it meanwhile); None otherwise."""
        ...


class Transport(Protocol):
    """Delivers one signed message to a peer and returns the peer's answer.

    Returns the body of the peer's acknowledgement. Raises `TransportError`
    when the peer could not be reached or failed for a while (the send is
    tried again) and `RemoteError` when the peer refused the message for good.
    """

    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes: ...


class TrackingStore(Protocol):
    """Where hits, Dublin cases and the results for national systems live.

    Each change is written in one transaction with its effects: the results it
    produces and, for a confirmed hit, the case it opens. A change that finds
    its subject no longer in the state it was read in raises `InputError`
    (GW-HIT-ALREADY-VERIFIED, GW-CASE-CONFLICT): another process got there first.
    Results are recorded once by their id.
    """

    async def add_hit(self, hit: StoredHit, results: Sequence[Result]) -> bool:
        """Record a new hit once (by id); False when it was there already."""
        ...

    async def hit(self, hit_id: str) -> StoredHit | None: ...

    async def hits(self, *, status: HitStatus | None = None, limit: int = 100) -> list[StoredHit]:
        """Oldest first."""
        ...

    async def decide_hit(
        self,
        hit: StoredHit,
        *,
        results: Sequence[Result],
        opening: CaseOpening | None = None,
        expected: HitStatus = HitStatus.AWAITING_VERIFICATION,
    ) -> None:
        """Store a hit changed from the status `expected` (the expert's verdict on a hit
        awaiting verification, by default)."""
        ...

    async def add_case(self, opening: CaseOpening, results: Sequence[Result]) -> bool:
        """Record a new case once (by id); False when it was there already."""
        ...

    async def case(self, case_id: str) -> StoredCase | None: ...

    async def case_by_message(self, message_id: str) -> StoredCase | None:
        """The case whose request is the message `message_id`."""
        ...

    async def cases(self, *, open_only: bool = False, limit: int = 100) -> list[StoredCase]:
        """Newest first; `open_only` leaves out transferred, shifted and closed cases."""
        ...

    async def move_case(
        self, case: StoredCase, change: CaseChange, results: Sequence[Result]
    ) -> None:
        """Store the case after `change`, if it is still in `change.from_state`."""
        ...

    async def case_changes(self, case_id: str) -> list[CaseChange]: ...

    async def add_results(self, results: Sequence[Result]) -> list[str]:
        """Record results once each; returns the ids that were new."""
        ...

    async def results(self, *, submitter: str, after: int = 0, limit: int = 100) -> list[Result]:
        """A submitter's results with a sequence number above `after`, in order."""
        ...

    async def result(self, result_id: str) -> Result | None: ...

    async def unqueued_results(self, *, submitters: Sequence[str], limit: int) -> list[Result]:
        """Results of these submitters not yet handed to the outbox for their webhook."""
        ...

    async def mark_queued(self, result_ids: Sequence[str], *, at: datetime) -> None: ...

    async def close(self) -> None: ...
