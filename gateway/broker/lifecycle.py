"""Applying an event to a stored message: the one place that knows the bookkeeping.

Every store adapter loads the row (locked), calls `apply_event`, and writes
back the message and the state change in the same transaction, so the
adapters agree on attempts, leases and retry times by construction.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from gateway.broker.records import NewMessage, StateChange, StoredMessage
from gateway.broker.states import Event, MessageState, next_state
from gateway.errors import GatewayError

__all__ = ["ARRIVAL", "LeaseLostError", "UnknownMessageError", "apply_event", "arrive"]

ARRIVAL: tuple[Event, ...] = (Event.MAP, Event.VALIDATE, Event.SIGN, Event.QUEUE)
"""The pipeline's steps from received to queued, recorded when a message is queued."""

_CLEARS_LEASE = frozenset(
    {Event.ACKNOWLEDGE, Event.ANSWER, Event.FAIL, Event.GIVE_UP, Event.LEASE_EXPIRED}
)
_STARTS_OVER = frozenset({Event.RELEASE, Event.RESEND})
_NOT_WAITING = frozenset({Event.RETRY_NOW, Event.CANCEL, Event.ACKNOWLEDGE, Event.ANSWER})


class LeaseLostError(GatewayError):
    """A worker reports on a message whose lease another worker has taken over."""

    def __init__(self, message_id: str, worker: str) -> None:
        super().__init__(
            "GW-BRK-LEASE-LOST",
            f"worker {worker!r} no longer holds the lease of message {message_id}",
            "message_id",
        )


class UnknownMessageError(GatewayError):
    def __init__(self, message_id: str) -> None:
        super().__init__("GW-BRK-UNKNOWN", f"no message with id {message_id}", "message_id")


def arrive(message: NewMessage, *, at: datetime) -> tuple[StoredMessage, list[StateChange]]:
    """A new message in state queued, with its timeline from received on."""
    changes = [
        StateChange(
            message_id=message.message_id,
            at=at,
            from_state=None,
            to_state=MessageState.RECEIVED,
            event=Event.RECEIVE,
        )
    ]
    state = MessageState.RECEIVED
    for event in ARRIVAL:
        following = next_state(state, event)
        changes.append(
            StateChange(
                message_id=message.message_id,
                at=at,
                from_state=state,
                to_state=following,
                event=event,
            )
        )
        state = following
    stored = StoredMessage(
        message_id=message.message_id,
        peer=message.peer,
        message_type=message.message_type,
        conversation_id=message.conversation_id,
        correlation_id=message.correlation_id,
        order_key=message.order_key,
        submission_id=message.submission_id,
        reference=message.reference,
        state=state,
        attempts=0,
        created_at=at,
        updated_at=at,
        first_attempt_at=None,
        next_attempt_at=None,
        lease_owner=None,
        lease_until=None,
        last_error=None,
        body=message.body,
    )
    return stored, changes


def apply_event(
    message: StoredMessage,
    event: Event,
    *,
    at: datetime,
    worker: str | None = None,
    lease_until: datetime | None = None,
    retry_at: datetime | None = None,
    detail: str = "",
    actor: str = "gateway",
) -> tuple[StoredMessage, StateChange]:
    """The message after `event`, and the timeline row that records it.

    `worker` is checked against the lease of a message being sent, so a
    worker whose lease was taken over cannot overwrite the new owner's work.
    """
    following = next_state(message.state, event)
    if (
        worker is not None
        and message.state is MessageState.SENDING
        and event is not Event.CLAIM
        and message.lease_owner != worker
    ):
        raise LeaseLostError(message.message_id, worker)
    updated = replace(message, state=following, updated_at=at)
    if event is Event.CLAIM:
        if worker is None or lease_until is None:
            raise ValueError("a claim needs a worker and a lease")
        updated = replace(
            updated,
            attempts=message.attempts + 1,
            first_attempt_at=message.first_attempt_at or at,
            next_attempt_at=None,
            lease_owner=worker,
            lease_until=lease_until,
        )
    elif event in _CLEARS_LEASE:
        updated = replace(updated, lease_owner=None, lease_until=None)
    if event is Event.FAIL:
        if retry_at is None:
            raise ValueError("a failed send needs the time of its retry")
        updated = replace(updated, next_attempt_at=retry_at, last_error=detail)
    elif event is Event.GIVE_UP:
        updated = replace(updated, last_error=detail)
    elif event in _STARTS_OVER:
        updated = replace(updated, attempts=0, first_attempt_at=None, next_attempt_at=None)
    elif event in _NOT_WAITING:  # no retry is due any more
        updated = replace(updated, next_attempt_at=None)
    change = StateChange(
        message_id=message.message_id,
        at=at,
        from_state=message.state,
        to_state=following,
        event=event,
        detail=detail,
        actor=actor,
    )
    return updated, change
