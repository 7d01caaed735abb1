"""What the store keeps about an outbound message and its history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from gateway.broker.states import Event, MessageState
from gateway.domain.frozen import frozen

__all__ = [
    "InboundMessage",
    "NewMessage",
    "Receipt",
    "StateChange",
    "StoredMessage",
    "Submission",
    "SubmissionStatus",
]


@frozen
class NewMessage:
    """A signed message ready to queue. `body` is sealed before it reaches a store."""

    message_id: str
    peer: str  # "PARTY:system", e.g. "EU:eurodac" or "NL:dublinet"
    message_type: str
    conversation_id: str
    body: bytes
    correlation_id: str | None = None
    order_key: str | None = None  # messages with one key are delivered in their order
    submission_id: str | None = None
    reference: str | None = None  # Eurodac or DubliNet reference, for search


@frozen
class StoredMessage:
    message_id: str
    peer: str
    message_type: str
    conversation_id: str
    correlation_id: str | None
    order_key: str | None
    submission_id: str | None
    reference: str | None
    state: MessageState
    attempts: int
    created_at: datetime
    updated_at: datetime
    first_attempt_at: datetime | None
    next_attempt_at: datetime | None
    lease_owner: str | None
    lease_until: datetime | None
    last_error: str | None
    body: bytes | None  # None once purged after the retention period


@frozen
class StateChange:
    """One row of a message's timeline, written with the change it records."""

    message_id: str
    at: datetime
    from_state: MessageState | None
    to_state: MessageState
    event: Event
    detail: str = ""
    actor: str = "gateway"  # who made it happen (an operator's name for resend/release/cancel)


class SubmissionStatus(StrEnum):
    ACCEPTED = "accepted"  # its messages are queued
    REJECTED = "rejected"  # bad input: nothing queued, the problems are in the answer


@frozen
class Submission:
    """What a national system sent under an idempotency key, and the answer it got.

    A repeated key gets `response` again; no second message is made.
    """

    submission_id: str
    submitter: str
    idempotency_key: str
    request_digest: str  # SHA-256 of the request, to catch a key reused for other content
    status: SubmissionStatus
    http_status: int
    response: str  # the JSON answer, replayed for a repeated key
    message_ids: tuple[str, ...]
    created_at: datetime


@frozen
class InboundMessage:
    """A verified message from a peer: an acknowledgement or a reply. `body` is sealed."""

    message_id: str
    peer: str
    message_type: str
    conversation_id: str
    correlation_id: str | None  # the outbound message it answers
    received_at: datetime
    body: bytes


@frozen
class Receipt:
    """What recording an inbound message did."""

    new: bool  # False: the message id was seen before; nothing changed
    correlated: StoredMessage | None  # the outbound message it answers, after the change
