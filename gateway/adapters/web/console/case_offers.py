"""Which forms a case page shows now (`offers`), from the same tables the tracking service
checks: our reply while one is due, the events an operator may record in the case's state,
the messages that may follow on it."""

from __future__ import annotations

import secrets

from gateway.adapters.web.case_messages import FIELDS
from gateway.domain.frozen import frozen
from gateway.errors import InputError
from gateway.pipeline.casework.cases import OPERATOR_EVENTS
from gateway.tracking.cases import TRANSITIONS, CaseEvent, CaseState, Direction
from gateway.tracking.followups import Sender, follow_up_event
from gateway.tracking.records import StoredCase
from gateway.tracking.schedule import as_dublin_case

__all__ = ["EVENT_LABELS", "Offers", "offers"]

# What each event an operator records means, for the form (the law's words are the README's).
EVENT_LABELS = {
    CaseEvent.TRANSFER_PLANNED: "transfer planned",
    CaseEvent.TRANSFER_DONE: "transfer done",
    CaseEvent.WITHDRAWAL: "request withdrawn",
    CaseEvent.DETAINED: "detained (the person is held for the transfer)",
    CaseEvent.RELEASED: "released from that detention",
    CaseEvent.IMPRISONED: "imprisoned (transfer limit: 1 year)",
    CaseEvent.ABSCONDED: "absconded (transfer limit: 18 months, or 3 years under 2024/1351)",
}
_REPLYING = frozenset({CaseState.REQUEST_RECEIVED, CaseState.REEXAMINATION_REQUESTED})


@frozen
class Offers:
    """The forms a case takes now."""

    reply: bool  # ours is due: an incoming request, or its re-examination
    events: list[tuple[str, str]]  # (event, what it means)
    messages: dict[str, dict[str, str]]  # type -> its fields and what each holds
    key: str  # an idempotency key for the message form: a second post sends nothing


def offers(case: StoredCase) -> Offers:
    dublin = as_dublin_case(case)
    events = [
        (event.value, EVENT_LABELS[event])
        for event in EVENT_LABELS
        if event in OPERATOR_EVENTS and (case.state, event) in TRANSITIONS
    ]
    kinds: dict[str, dict[str, str]] = {}
    for kind, fields in FIELDS.items():
        try:
            follow_up_event(dublin, f"dublinet.{kind}", Sender.US)
        except InputError:
            continue
        kinds[kind] = fields
    return Offers(
        reply=case.direction is Direction.INCOMING and case.state in _REPLYING,
        events=events,
        messages=kinds,
        key=secrets.token_urlsafe(16),
    )
