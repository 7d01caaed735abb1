"""Alerts: due soon, overdue, and tacit acceptance when a reply deadline passes in silence."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gateway.domain.dublin import DublinRegime
from gateway.tracking.alerts import PendingDeadline, due_alerts, tacit_acceptances
from gateway.tracking.cases import (
    CaseEvent,
    CaseKind,
    CaseState,
    Direction,
    apply_event,
    open_case,
    running_step,
)
from gateway.tracking.deadlines import Deadline, compute_deadline
from gateway.tracking.holidays import load_calendar
from gateway.tracking.rules import Step

BE = load_calendar("BE")
D3, AMMR = DublinRegime.DUBLIN3, DublinRegime.AMMR


def deadline(step: Step, start: date, regime: DublinRegime = D3) -> Deadline:
    return compute_deadline(step=step, start=start, regime=regime, calendar=BE)


def pending(subject: str, step: Step, start: date, regime: DublinRegime = D3) -> PendingDeadline:
    return PendingDeadline(subject=subject, deadline=deadline(step, start, regime))


def test_due_soon_and_overdue() -> None:
    today = date(2026, 4, 20)
    items = [
        pending("late", Step.REEXAMINATION_REQUEST, date(2026, 3, 25)),  # due 15 April
        pending("today", Step.REEXAMINATION_REPLY, date(2026, 4, 6)),  # due 20 April
        pending("in-5", Step.REEXAMINATION_REQUEST, date(2026, 4, 4)),  # due 25 → Mon 27 April
        pending("in-3", Step.REEXAMINATION_REPLY, date(2026, 4, 9)),  # due 23 April
        pending("far", Step.TRANSFER, date(2026, 4, 1)),
    ]
    alerts = due_alerts(items, today=today, horizon_days=5)
    assert [item.subject for item in alerts.overdue] == ["late"]
    assert [item.subject for item in alerts.due_soon] == ["today", "in-3"]
    assert [item.days_left(today) for item in alerts.due_soon] == [0, 3]
    wider = due_alerts(items, today=today, horizon_days=7)
    assert [item.subject for item in wider.due_soon] == ["today", "in-3", "in-5"]
    with pytest.raises(ValueError, match="horizon"):
        due_alerts(items, today=today, horizon_days=-1)


def test_a_deadline_is_met_until_the_end_of_its_day() -> None:
    item = pending("C-1", Step.TAKE_CHARGE_REPLY, date(2026, 3, 4))
    day = item.deadline.date
    assert tacit_acceptances([item], today=day) == ()
    assert due_alerts([item], today=day, horizon_days=0).due_soon == (item,)
    assert [t.subject for t in tacit_acceptances([item], today=day + timedelta(days=1))] == ["C-1"]


def test_only_silence_that_the_law_makes_an_answer_is_an_acceptance() -> None:
    """Reg 604/2013 Art 22(7) and 25(2); Reg 2024/1351 Art 41(4); not Art 34(5) nor Art 29."""
    start, today = date(2026, 1, 5), date(2026, 12, 1)
    items = [
        pending("take-charge", Step.TAKE_CHARGE_REPLY, start),
        pending("take-back", Step.TAKE_BACK_REPLY, start),
        pending("notification", Step.TAKE_BACK_CONFIRMATION, date(2026, 9, 2), AMMR),
        pending("information", Step.INFO_REQUEST_REPLY, start),
        pending("transfer", Step.TRANSFER, start),
    ]
    found = tacit_acceptances(items, today=today)
    assert [t.subject for t in found] == ["take-back", "take-charge", "notification"]  # by date


def test_a_silent_peer_ends_in_tacit_acceptance_on_the_computed_date() -> None:
    """Reg 604/2013 Art 22(1) and 22(7): acknowledged on 4 March 2026, silence until 4 May."""
    case = open_case(
        case_id="C-42", direction=Direction.OUTGOING, kind=CaseKind.TAKE_CHARGE,
        regime=D3, other_state="NL",
    )  # fmt: skip
    case = apply_event(case, CaseEvent.ACKNOWLEDGEMENT)
    step = running_step(case)
    assert step is Step.TAKE_CHARGE_REPLY
    reply_due = deadline(step, date(2026, 3, 4))
    assert reply_due.date == date(2026, 5, 4)
    watched = [PendingDeadline(subject=case.case_id, deadline=reply_due)]
    day = date(2026, 3, 5)
    while not (found := tacit_acceptances(watched, today=day)):
        day += timedelta(days=1)
    assert day == date(2026, 5, 5)
    assert found[0].deemed_on == date(2026, 5, 4)
    case = apply_event(case, CaseEvent.REPLY_DEADLINE_PASSED)
    assert case.state is CaseState.TACITLY_ACCEPTED
    assert running_step(case) is Step.TRANSFER
