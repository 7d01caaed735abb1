"""Which time limit runs on a stored case, whose holidays count, and what its passing does.

Pure: the holiday calendars come in as a function of the member state.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from gateway.errors import InputError
from gateway.tracking.alerts import PendingDeadline
from gateway.tracking.cases import (
    TRANSITIONS,
    CaseEvent,
    Direction,
    DublinCase,
    running_step,
)
from gateway.tracking.deadlines import Deadline, compute_deadline
from gateway.tracking.holidays import HolidayCalendar
from gateway.tracking.records import StoredCase
from gateway.tracking.rules import Facts, Step

__all__ = [
    "CalendarOf",
    "acting_state",
    "as_dublin_case",
    "deadline_of",
    "passed_event",
    "with_clock",
]

CalendarOf = Callable[[str], HolidayCalendar]
"""The public holidays of a member state."""

# Steps the requested state must take; the others are the requesting state's.
_REQUESTED_ACTS = frozenset(
    {
        Step.TAKE_CHARGE_REPLY,
        Step.TAKE_BACK_REPLY,
        Step.TAKE_BACK_CONFIRMATION,
        Step.INFO_REQUEST_REPLY,
        Step.REEXAMINATION_REPLY,
    }
)
_PASSED = {
    Step.REEXAMINATION_REQUEST: CaseEvent.REEXAMINATION_DEADLINE_PASSED,
    Step.REEXAMINATION_REPLY: CaseEvent.REEXAMINATION_DEADLINE_PASSED,
    Step.TRANSFER: CaseEvent.TRANSFER_DEADLINE_PASSED,
}


def as_dublin_case(case: StoredCase) -> DublinCase:
    """The pure core's view of a stored case (for its transition table)."""
    return DublinCase(
        case_id=case.case_id,
        direction=case.direction,
        kind=case.kind,
        regime=case.regime,
        other_state=case.other_state,
        state=case.state,
    )


def acting_state(case: StoredCase, step: Step, own_state: str) -> str:
    """The member state that must act within `step`'s limit (its holidays count)."""
    requested_acts = step in _REQUESTED_ACTS
    outgoing = case.direction is Direction.OUTGOING
    return case.other_state if requested_acts == outgoing else own_state


def with_clock(
    case: StoredCase, start: date, *, own_state: str, calendar_of: CalendarOf
) -> StoredCase:
    """The case with the time limit of its (new) state started on `start`, or none."""
    step = running_step(as_dublin_case(case))
    cleared = dataclasses.replace(
        case,
        deadline=None,
        deadline_from=None,
        deadline_step=None,
        deadline_basis=None,
        deadline_effect=None,
    )
    if step is None:
        return cleared
    try:
        deadline = compute_deadline(
            step=step,
            start=start,
            regime=case.regime,
            calendar=calendar_of(acting_state(case, step, own_state)),
            facts=Facts(hit=case.hit_based),
        )
    except InputError as error:  # a limit the regime leaves to an implementing act
        return dataclasses.replace(cleared, deadline_step=step.value, deadline_basis=error.message)
    return dataclasses.replace(
        cleared,
        deadline=deadline.date,
        deadline_from=start,
        deadline_step=step.value,
        deadline_basis=deadline.legal_basis,
        deadline_effect=deadline.effect.value,
    )


def deadline_of(case: StoredCase, *, own_state: str, calendar_of: CalendarOf) -> Deadline | None:
    """The full deadline running on a case, computed again from its start."""
    if case.deadline_step is None or case.deadline_from is None:
        return None
    step = Step(case.deadline_step)
    return compute_deadline(
        step=step,
        start=case.deadline_from,
        regime=case.regime,
        calendar=calendar_of(acting_state(case, step, own_state)),
        facts=Facts(hit=case.hit_based),
    )


def passed_event(case: StoredCase) -> CaseEvent | None:
    """The event the end of the running time limit is, when the case can take it."""
    if case.deadline_step is None:
        return None
    event = _PASSED.get(Step(case.deadline_step), CaseEvent.REPLY_DEADLINE_PASSED)
    return event if (case.state, event) in TRANSITIONS else None


def pending(case: StoredCase, deadline: Deadline) -> PendingDeadline:
    return PendingDeadline(subject=case.case_id, deadline=deadline)
