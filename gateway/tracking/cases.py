"""Dublin cases: one literal transition table for outgoing and incoming requests.

An outgoing case starts when our request is sent (`request_sent`); the
requested state's signed acknowledgement proves receipt and starts the reply
clock (`acknowledged`). An incoming case starts when a request reaches us
(`request_received`). From the reply on, both directions share the states.
For a take back notification (AMMR) "accepted" means receipt confirmed, and
"tacitly accepted" means confirmation deemed (Reg 2024/1351 Art 41(4)).

A change of the person's situation (detained, released, imprisoned, absconded, or the
detention limit passed) keeps the case in its state: it is a row of the table that leads
back to the same state, and moves the clock instead (`gateway.tracking.schedule`).

Any pair (state, event) not in `TRANSITIONS` is refused with GW-CASE-TRANSITION.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from gateway.domain.dublin import DublinRegime
from gateway.domain.frozen import frozen
from gateway.errors import InputError
from gateway.tracking.rules import Step

__all__ = [
    "RUNNING_STEP",
    "SITUATION_EVENTS",
    "TERMINAL",
    "TRANSITIONS",
    "CaseEvent",
    "CaseKind",
    "CaseState",
    "Direction",
    "DublinCase",
    "apply_event",
    "open_case",
    "running_step",
]


class Direction(StrEnum):
    OUTGOING = "outgoing"  # we ask another member state
    INCOMING = "incoming"  # another member state asks us


class CaseKind(StrEnum):
    TAKE_CHARGE = "take_charge"
    TAKE_BACK = "take_back"  # under Reg 2024/1351: take back notification


class CaseState(StrEnum):
    REQUEST_SENT = "request_sent"
    ACKNOWLEDGED = "acknowledged"
    REQUEST_RECEIVED = "request_received"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    TACITLY_ACCEPTED = "tacitly_accepted"
    REEXAMINATION_REQUESTED = "reexamination_requested"
    TRANSFER_PLANNED = "transfer_planned"
    TRANSFERRED = "transferred"
    RESPONSIBILITY_SHIFTED = "responsibility_shifted"
    CLOSED = "closed"  # no transfer will follow: final rejection or withdrawal


class CaseEvent(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"  # the signed proof of receipt of our request
    ACCEPTANCE = "acceptance"
    REJECTION = "rejection"
    REPLY_DEADLINE_PASSED = "reply_deadline_passed"  # no reply in time: tacit acceptance
    REEXAMINATION_REQUEST = "reexamination_request"
    # the re-examination request (in `rejected`) or its reply (in `reexamination_requested`)
    REEXAMINATION_DEADLINE_PASSED = "reexamination_deadline_passed"
    TRANSFER_PLANNED = "transfer_planned"
    TRANSFER_DONE = "transfer_done"
    TRANSFER_DEADLINE_PASSED = "transfer_deadline_passed"
    WITHDRAWAL = "withdrawal"
    # A message on the case that moves nothing (an information request, health data): a row
    # of its history, never a transition (see `gateway.tracking.followups`).
    MESSAGE = "message"
    # The person's situation changes: the state stays, the clock moves.
    DETAINED = "detained"  # Reg 604/2013 Art 28(2), Reg 2024/1351 Art 44(2)
    RELEASED = "released"  # from that detention
    IMPRISONED = "imprisoned"  # Reg 604/2013 Art 29(2), Reg 2024/1351 Art 46(2)
    ABSCONDED = "absconded"  # Reg 604/2013 Art 29(2), Reg 2024/1351 Art 46(2)
    # the transfer of a detained person did not happen in time: detention ends, the ordinary
    # transfer limit runs on (Reg 604/2013 Art 28(3) fourth subparagraph)
    DETENTION_LIMIT_PASSED = "detention_limit_passed"


S, V = CaseState, CaseEvent

SITUATION_EVENTS = frozenset(
    {V.DETAINED, V.RELEASED, V.IMPRISONED, V.ABSCONDED, V.DETENTION_LIMIT_PASSED}
)
_OPEN = (
    S.REQUEST_SENT, S.ACKNOWLEDGED, S.REQUEST_RECEIVED, S.ACCEPTED, S.REJECTED,
    S.TACITLY_ACCEPTED, S.REEXAMINATION_REQUESTED, S.TRANSFER_PLANNED,
)  # fmt: skip
_TRANSFER_RUNS = (S.ACCEPTED, S.TACITLY_ACCEPTED, S.TRANSFER_PLANNED)

# fmt: off
TRANSITIONS: dict[tuple[CaseState, CaseEvent], CaseState] = {
    # outgoing: our request, then its acknowledgement
    (S.REQUEST_SENT, V.ACKNOWLEDGEMENT): S.ACKNOWLEDGED,
    (S.REQUEST_SENT, V.ACCEPTANCE): S.ACCEPTED,  # a reply proves receipt as well
    (S.REQUEST_SENT, V.REJECTION): S.REJECTED,
    (S.REQUEST_SENT, V.WITHDRAWAL): S.CLOSED,
    (S.ACKNOWLEDGED, V.ACCEPTANCE): S.ACCEPTED,
    (S.ACKNOWLEDGED, V.REJECTION): S.REJECTED,
    (S.ACKNOWLEDGED, V.REPLY_DEADLINE_PASSED): S.TACITLY_ACCEPTED,
    (S.ACKNOWLEDGED, V.WITHDRAWAL): S.CLOSED,
    # incoming: our reply is due
    (S.REQUEST_RECEIVED, V.ACCEPTANCE): S.ACCEPTED,
    (S.REQUEST_RECEIVED, V.REJECTION): S.REJECTED,
    (S.REQUEST_RECEIVED, V.REPLY_DEADLINE_PASSED): S.TACITLY_ACCEPTED,
    (S.REQUEST_RECEIVED, V.WITHDRAWAL): S.CLOSED,
    # after a negative reply: re-examination, once
    (S.REJECTED, V.REEXAMINATION_REQUEST): S.REEXAMINATION_REQUESTED,
    (S.REJECTED, V.REEXAMINATION_DEADLINE_PASSED): S.CLOSED,  # none asked in time
    (S.REJECTED, V.WITHDRAWAL): S.CLOSED,
    (S.REEXAMINATION_REQUESTED, V.ACCEPTANCE): S.ACCEPTED,
    (S.REEXAMINATION_REQUESTED, V.REJECTION): S.CLOSED,
    (S.REEXAMINATION_REQUESTED, V.REEXAMINATION_DEADLINE_PASSED): S.CLOSED,
    (S.REEXAMINATION_REQUESTED, V.WITHDRAWAL): S.CLOSED,
    # after acceptance, explicit or tacit: the transfer
    (S.ACCEPTED, V.TRANSFER_PLANNED): S.TRANSFER_PLANNED,
    (S.ACCEPTED, V.TRANSFER_DEADLINE_PASSED): S.RESPONSIBILITY_SHIFTED,
    (S.TACITLY_ACCEPTED, V.TRANSFER_PLANNED): S.TRANSFER_PLANNED,
    (S.TACITLY_ACCEPTED, V.TRANSFER_DEADLINE_PASSED): S.RESPONSIBILITY_SHIFTED,
    (S.TRANSFER_PLANNED, V.TRANSFER_PLANNED): S.TRANSFER_PLANNED,  # planned again
    (S.TRANSFER_PLANNED, V.TRANSFER_DONE): S.TRANSFERRED,
    (S.TRANSFER_PLANNED, V.TRANSFER_DEADLINE_PASSED): S.RESPONSIBILITY_SHIFTED,
    # the person's situation, while the case is open: detention may come and go at any time;
    # an extension (imprisonment, absconding) and the detention limit concern the transfer
    # period only, so they happen while it runs
    **{(state, event): state for state in _OPEN for event in (V.DETAINED, V.RELEASED)},
    **{(state, event): state for state in _TRANSFER_RUNS
       for event in (V.IMPRISONED, V.ABSCONDED, V.DETENTION_LIMIT_PASSED)},
}
# fmt: on

TERMINAL = frozenset({S.TRANSFERRED, S.RESPONSIBILITY_SHIFTED, S.CLOSED})

_INITIAL = {Direction.OUTGOING: S.REQUEST_SENT, Direction.INCOMING: S.REQUEST_RECEIVED}

# The time limit that runs in a state, by the kind of case and the regime.
RUNNING_STEP: dict[tuple[CaseState, CaseKind, DublinRegime], Step] = {
    **{
        (state, CaseKind.TAKE_CHARGE, regime): Step.TAKE_CHARGE_REPLY
        for state in (S.ACKNOWLEDGED, S.REQUEST_RECEIVED)
        for regime in DublinRegime
    },
    **{
        (state, CaseKind.TAKE_BACK, DublinRegime.DUBLIN3): Step.TAKE_BACK_REPLY
        for state in (S.ACKNOWLEDGED, S.REQUEST_RECEIVED)
    },
    **{
        (state, CaseKind.TAKE_BACK, DublinRegime.AMMR): Step.TAKE_BACK_CONFIRMATION
        for state in (S.ACKNOWLEDGED, S.REQUEST_RECEIVED)
    },
    **{
        (state, kind, regime): step
        for state, step in (
            (S.REJECTED, Step.REEXAMINATION_REQUEST),
            (S.REEXAMINATION_REQUESTED, Step.REEXAMINATION_REPLY),
            (S.ACCEPTED, Step.TRANSFER),
            (S.TACITLY_ACCEPTED, Step.TRANSFER),
            (S.TRANSFER_PLANNED, Step.TRANSFER),
        )
        for kind in CaseKind
        for regime in DublinRegime
    },
}


@frozen
class DublinCase:
    """A Dublin request between us and another member state, and where it stands."""

    case_id: str
    direction: Direction
    kind: CaseKind
    regime: DublinRegime
    other_state: str
    state: CaseState
    history: tuple[tuple[CaseEvent, CaseState], ...] = ()


def open_case(
    *, case_id: str, direction: Direction, kind: CaseKind, regime: DublinRegime, other_state: str
) -> DublinCase:
    """A new case: our request was sent, or another state's request was received."""
    return DublinCase(
        case_id=case_id,
        direction=direction,
        kind=kind,
        regime=regime,
        other_state=other_state,
        state=_INITIAL[direction],
    )


def apply_event(case: DublinCase, event: CaseEvent) -> DublinCase:
    """The case after `event`, or an `InputError` when the table has no such move."""
    target = TRANSITIONS.get((case.state, event))
    if target is None:
        raise InputError(
            "GW-CASE-TRANSITION",
            f"case {case.case_id} is {case.state.value}: {event.value} cannot happen now",
            "event",
        )
    return dataclasses.replace(case, state=target, history=(*case.history, (event, target)))


def running_step(case: DublinCase) -> Step | None:
    """The step whose time limit runs while the case is in its state, if any."""
    return RUNNING_STEP.get((case.state, case.kind, case.regime))
