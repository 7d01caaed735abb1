"""Ports: what the inner layers need from the outside world, as Protocols.

Adapters in `gateway.adapters` implement them for real; `gateway.testing`
implements them in memory for tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from gateway.broker.access import ApiToken
from gateway.broker.audit import AuditEntry
from gateway.broker.records import (
    InboundMessage,
    NewMessage,
    Receipt,
    StateChange,
    StoredMessage,
    Submission,
)
from gateway.broker.states import Event, MessageState

__all__ = ["Clock", "MessageFilter", "MessageStore", "Transport"]


class Clock(Protocol):
    """The time, as the gateway sees it (always timezone-aware, UTC)."""

    def now(self) -> datetime: ...

    def today(self) -> date: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class MessageFilter:
    """Which messages a listing shows; every field narrows it."""

    state: MessageState | None = None
    peer: str | None = None
    reference: str | None = None
    conversation_id: str | None = None
    since: datetime | None = None  # created at or after
    limit: int = 100
    offset: int = 0  # for paging: skip this many of the newest matches


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

    async def add_token(self, token: ApiToken) -> None: ...

    async def token_by_digest(self, digest: str) -> ApiToken | None: ...

    async def tokens(self) -> list[ApiToken]: ...

    async def revoke_token(self, token_id: str, *, at: datetime) -> bool:
        """Revoke a token; False when there is no such token."""
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
    ) -> StoredMessage:
        """Apply one event (see `gateway.broker.lifecycle.apply_event`)."""
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

    async def audit_entries(self, *, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
        """The audit trail in order, from the entry after `after`. Every change to a
        message, submission, inbound message or token appends to it in the same
        transaction."""
        ...

    async def wait_for_work(self, *, at_most: float) -> None:
        """Return when new work may have arrived (from any process), or after
        `at_most` seconds. Workers claim again after it returns."""
        ...

    async def close(self) -> None: ...


class Transport(Protocol):
    """Delivers one signed message to a peer and returns the peer's answer.

    Returns the body of the peer's acknowledgement. Raises `TransportError`
    when the peer could not be reached or failed for a while (the send is
    tried again) and `RemoteError` when the peer refused the message for good.
    """

    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes: ...
