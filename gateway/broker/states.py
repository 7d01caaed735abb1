"""The life of a message as one literal transition table.

received → mapped → validated → signed → queued → sending → acknowledged →
answered, with rejected (bad input, never queued), retry_wait, dead (retries
exhausted, waiting for an operator) and cancelled. A new state is a new row
here; anything not in the table is refused.
"""

from __future__ import annotations

from enum import StrEnum

from gateway.errors import GatewayError

__all__ = [
    "CLAIMABLE",
    "FINAL",
    "OPERATOR_ACTIONS",
    "TRANSITIONS",
    "Event",
    "IllegalTransitionError",
    "MessageState",
    "next_state",
]


class MessageState(StrEnum):
    RECEIVED = "received"
    MAPPED = "mapped"
    VALIDATED = "validated"
    SIGNED = "signed"
    QUEUED = "queued"
    SENDING = "sending"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"
    REJECTED = "rejected"
    RETRY_WAIT = "retry_wait"
    DEAD = "dead"
    CANCELLED = "cancelled"


class Event(StrEnum):
    RECEIVE = "receive"  # the message comes into being; no state before it
    MAP = "map"
    VALIDATE = "validate"
    SIGN = "sign"
    QUEUE = "queue"
    REJECT = "reject"
    CLAIM = "claim"  # a worker takes the message to send it
    LEASE_EXPIRED = "lease_expired"  # the worker that claimed it died
    ACKNOWLEDGE = "acknowledge"  # the peer's signed acknowledgement arrived
    ANSWER = "answer"  # the peer's reply arrived
    FAIL = "fail"  # a send failed and will be tried again
    RETRY_DUE = "retry_due"
    GIVE_UP = "give_up"  # retries exhausted or the peer refused for good
    RELEASE = "release"  # an operator sends a dead message again
    RESEND = "resend"  # an operator sends a delivered message again (same id)
    RETRY_NOW = "retry_now"  # an operator sends a message waiting to retry at once
    CANCEL = "cancel"


S, E = MessageState, Event

TRANSITIONS: dict[tuple[MessageState, Event], MessageState] = {
    (S.RECEIVED, E.MAP): S.MAPPED,
    (S.RECEIVED, E.REJECT): S.REJECTED,
    (S.MAPPED, E.VALIDATE): S.VALIDATED,
    (S.MAPPED, E.REJECT): S.REJECTED,
    (S.VALIDATED, E.SIGN): S.SIGNED,
    (S.VALIDATED, E.REJECT): S.REJECTED,
    (S.SIGNED, E.QUEUE): S.QUEUED,
    (S.QUEUED, E.CLAIM): S.SENDING,
    (S.QUEUED, E.CANCEL): S.CANCELLED,
    (S.SENDING, E.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.SENDING, E.ANSWER): S.ANSWERED,  # the reply overtook the acknowledgement
    (S.SENDING, E.FAIL): S.RETRY_WAIT,
    (S.SENDING, E.GIVE_UP): S.DEAD,
    (S.SENDING, E.LEASE_EXPIRED): S.QUEUED,
    (S.RETRY_WAIT, E.RETRY_DUE): S.QUEUED,
    (S.RETRY_WAIT, E.CLAIM): S.SENDING,
    (S.RETRY_WAIT, E.CANCEL): S.CANCELLED,
    (S.RETRY_WAIT, E.RETRY_NOW): S.QUEUED,  # not waiting for its time
    # Proof of receipt wins over our own doubt: the peer's acknowledgement or reply can
    # arrive after a send we counted as failed (a bad acknowledgement, a lost answer).
    (S.RETRY_WAIT, E.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.RETRY_WAIT, E.ANSWER): S.ANSWERED,
    (S.QUEUED, E.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.QUEUED, E.ANSWER): S.ANSWERED,
    (S.DEAD, E.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.DEAD, E.ANSWER): S.ANSWERED,
    (S.ACKNOWLEDGED, E.ANSWER): S.ANSWERED,
    (S.ACKNOWLEDGED, E.RESEND): S.QUEUED,
    (S.ACKNOWLEDGED, E.ACKNOWLEDGE): S.ACKNOWLEDGED,  # a duplicate acknowledgement
    (S.ANSWERED, E.ANSWER): S.ANSWERED,  # several replies (e.g. hit then correction)
    (S.ANSWERED, E.ACKNOWLEDGE): S.ANSWERED,  # the late acknowledgement changes nothing
    (S.DEAD, E.RELEASE): S.QUEUED,
    (S.DEAD, E.CANCEL): S.CANCELLED,
}

OPERATOR_ACTIONS: dict[str, Event] = {
    "resend": E.RESEND,
    "release": E.RELEASE,
    "retry": E.RETRY_NOW,
    "cancel": E.CANCEL,
}
"""What an operator may do to a message, by the name the API and the console give it; the
table above says in which states."""

FINAL = frozenset({S.ANSWERED, S.REJECTED, S.CANCELLED})
"""States no automatic event leaves (an operator's resend aside)."""

CLAIMABLE = frozenset({S.QUEUED, S.RETRY_WAIT})
"""States a worker may claim a message from (retry_wait once its time has come)."""


class IllegalTransitionError(GatewayError):
    """An event that the transition table does not allow in the current state."""

    def __init__(self, state: MessageState, event: Event) -> None:
        super().__init__(
            "GW-BRK-TRANSITION",
            f"a message in state {state.value!r} cannot take the event {event.value!r}",
            "state",
        )
        self.state = state
        self.event = event


def next_state(state: MessageState, event: Event) -> MessageState:
    """The state after `event`, or `IllegalTransitionError`."""
    try:
        return TRANSITIONS[state, event]
    except KeyError:
        raise IllegalTransitionError(state, event) from None
