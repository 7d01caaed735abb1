"""Which time limit runs on a stored case, with which facts, whose holidays count, what its
passing does, and how a change of the person's situation moves it.

Pure: the holiday calendars come in as a function of the member state, today as a date.
Every date is the deadline engine's (`compute_deadline`): this module only chooses the
step, the facts and the start.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from gateway.errors import InputError
from gateway.tracking.alerts import PendingDeadline
from gateway.tracking.cases import (
    SITUATION_EVENTS,
    TRANSITIONS,
    CaseEvent,
    Direction,
    DublinCase,
    running_step,
)
from gateway.tracking.deadlines import Deadline, compute_deadline
from gateway.tracking.holidays import HolidayCalendar
from gateway.tracking.records import StoredCase
from gateway.tracking.rules import Effect, Extension, Facts, Step, Variant, find_rule

__all__ = [
    "CalendarOf",
    "acting_state",
    "as_dublin_case",
    "clock_facts",
    "deadline_of",
    "next_clock",
    "passed_event",
    "with_clock",
    "with_situation",
]

CalendarOf = Callable[[str], HolidayCalendar]
"""The public holidays of a member state."""

VARIANT_CODE = "GW-CASE-VARIANT"

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
# An extension never shortens the limit: absconding (18 months, 3 years) outlasts
# imprisonment (1 year) under both regimes.
_LONGER = {None: 0, Extension.IMPRISONMENT: 1, Extension.ABSCONDING: 2}


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


def clock_facts(case: StoredCase, step: Step) -> Facts:
    """The facts `step`'s period depends on, for `case` as it stands (its clock fields are
    those of the limit running until now).

    A reply limit is fixed by the request as it was made: the requesting state asks for
    an urgent reply (Reg 604/2013 Art 21(2)) and says the person is detained (Art 28(3)
    second subparagraph; Reg 2024/1351 Art 45(2) counts from the receipt of that request).
    The transfer limit follows the person's situation: an extension for imprisonment or
    absconding (Art 29(2); Art 46(2)); the shorter limit for a detained person when the
    person is detained as the transfer period starts, and for as long as the detention
    lasts (Art 28(3) third subparagraph; a detention that starts later does not shorten the
    period counted from the acceptance, CJEU C-60/16 Khir Amayry).
    """
    if step in _REQUESTED_ACTS:
        return Facts(hit=case.hit_based, urgent=case.urgent, detained=case.request_detained)
    if step is Step.TRANSFER:
        starting = case.deadline_step != Step.TRANSFER.value
        shorter = starting or case.deadline_variant == Variant.DETAINED.value
        return Facts(detained=case.detained and shorter, extension=case.extension)
    return Facts(hit=case.hit_based)


def _deadline(case: StoredCase, step: Step, start: date, calendar: HolidayCalendar) -> Deadline:
    facts = clock_facts(case, step)
    rule = find_rule(case.regime, step, facts)
    if rule.period is None and rule.effect is Effect.DETENTION_ENDS:
        # The engine holds no verified detention limit for this step (Reg 2024/1351 Art
        # 45(3)): the ordinary limit, which binds a detained person too, runs.
        facts = dataclasses.replace(facts, detained=False)
    return compute_deadline(
        step=step, start=start, regime=case.regime, calendar=calendar, facts=facts
    )


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
        deadline_variant=None,
        deadline_state=None,
        deadline_calendar=None,
    )
    if step is None:
        return cleared
    state = acting_state(case, step, own_state)
    try:
        deadline = _deadline(case, step, start, calendar_of(state))
    except InputError as error:  # a limit the regime leaves to an implementing act
        return dataclasses.replace(
            cleared, deadline_step=step.value, deadline_basis=error.message, deadline_state=state
        )
    return dataclasses.replace(
        cleared,
        deadline=deadline.date,
        deadline_from=start,
        deadline_step=step.value,
        deadline_basis=deadline.legal_basis,
        deadline_effect=deadline.effect.value,
        deadline_variant=deadline.variant.value,
        deadline_state=state,
        deadline_calendar=deadline.calendar,
    )


def next_clock(
    case: StoredCase, moved: StoredCase, start: date, *, own_state: str, calendar_of: CalendarOf
) -> StoredCase:
    """`moved` (the case after an event, still holding `case`'s clock) with its clock: the
    limit already running goes on from its own start when the new state runs the same step
    (a transfer planned, a change of the person's situation); another starts on `start`."""
    step = running_step(as_dublin_case(moved))
    if step is not None and step.value == case.deadline_step and case.deadline_from is not None:
        start = case.deadline_from
    return with_clock(moved, start, own_state=own_state, calendar_of=calendar_of)


def deadline_of(case: StoredCase, *, own_state: str, calendar_of: CalendarOf) -> Deadline | None:
    """The full deadline running on a case, computed again from its start."""
    if case.deadline_step is None or case.deadline_from is None:
        return None
    step = Step(case.deadline_step)
    return _deadline(
        case, step, case.deadline_from, calendar_of(acting_state(case, step, own_state))
    )


def passed_event(case: StoredCase) -> CaseEvent | None:
    """The event the end of the running time limit is, when the case can take it."""
    if case.deadline_step is None:
        return None
    if case.deadline_effect == Effect.DETENTION_ENDS.value:
        event = CaseEvent.DETENTION_LIMIT_PASSED
    else:
        event = _PASSED.get(Step(case.deadline_step), CaseEvent.REPLY_DEADLINE_PASSED)
    return event if (case.state, event) in TRANSITIONS else None


def with_situation(
    case: StoredCase, event: CaseEvent, *, on: date, reason: str | None = None
) -> StoredCase:
    """The case's facts after a change of the person's situation recorded on `on` (the case
    itself for any other event); an `InputError` (GW-CASE-VARIANT) when the change says
    nothing new, or comes after the transfer limit it would extend has ended."""
    if event not in SITUATION_EVENTS:
        return case
    if event is CaseEvent.DETAINED:
        _refuse_if(case.detained, case, "the person is detained already")
        return dataclasses.replace(case, detained=True, detention_reason=reason)
    if event is CaseEvent.RELEASED:
        _refuse_if(not case.detained, case, "the person is not detained: nothing to release")
        return dataclasses.replace(case, detained=False, detention_reason=None)
    if event is CaseEvent.DETENTION_LIMIT_PASSED:
        return dataclasses.replace(case, detained=False, detention_reason=None)
    extension = Extension.IMPRISONMENT if event is CaseEvent.IMPRISONED else Extension.ABSCONDING
    _refuse_if(case.extension is extension, case, f"the {extension.value} is recorded already")
    _refuse_if(
        case.deadline is not None and case.deadline < on,
        case,
        f"its transfer time limit ended on {case.deadline}: an extension is notified before "
        "the limit ends (Reg 1560/2003 Art 9(2))",
    )
    longer = max(extension, case.extension, key=_LONGER.__getitem__)
    return dataclasses.replace(case, extension=longer, detained=False, detention_reason=None)


def _refuse_if(condition: bool, case: StoredCase, why: str) -> None:
    if condition:
        raise InputError(VARIANT_CODE, f"case {case.case_id}: {why}", "event")


def pending(case: StoredCase, deadline: Deadline) -> PendingDeadline:
    return PendingDeadline(subject=case.case_id, deadline=deadline)
