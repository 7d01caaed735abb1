"""Which time limit runs on a stored case, whose holidays count, and what its end does."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from stored_cases import stored_case, stored_hit

from gateway.domain.dublin import DublinRegime
from gateway.tracking import Facts, Step, compute_deadline, load_calendar
from gateway.tracking.cases import CaseEvent, CaseState, Direction
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import (
    CaseChange,
    Result,
    ResultKind,
    from_document,
    result_id,
    to_document,
)
from gateway.tracking.schedule import acting_state, deadline_of, passed_event, with_clock

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
CASE = stored_case("c-1", Direction.OUTGOING, CaseState.ACKNOWLEDGED, at=T0)


@pytest.mark.parametrize(
    ("direction", "step", "acts"),
    [
        (Direction.OUTGOING, Step.TAKE_CHARGE_REPLY, "NL"),  # they reply to our request
        (Direction.INCOMING, Step.TAKE_CHARGE_REPLY, "BE"),  # we reply to theirs
        (Direction.OUTGOING, Step.TRANSFER, "BE"),  # we asked, we transfer
        (Direction.INCOMING, Step.TRANSFER, "NL"),
        (Direction.OUTGOING, Step.REEXAMINATION_REQUEST, "BE"),
        (Direction.OUTGOING, Step.REEXAMINATION_REPLY, "NL"),
    ],
)
def test_the_state_that_must_act_keeps_its_holidays(
    direction: Direction, step: Step, acts: str
) -> None:
    assert acting_state(replace(CASE, direction=direction), step, "BE") == acts


def test_the_reply_clock_is_the_engine_s_deadline_in_the_requested_state() -> None:
    clocked = with_clock(CASE, date(2026, 4, 3), own_state="BE", calendar_of=load_calendar)
    expected = compute_deadline(
        step=Step.TAKE_CHARGE_REPLY,
        start=date(2026, 4, 3),
        regime=DublinRegime.DUBLIN3,
        calendar=load_calendar("NL"),
    )
    assert (clocked.deadline, clocked.deadline_step) == (expected.date, "take-charge-reply")
    assert clocked.deadline_effect == "tacit-acceptance"
    assert deadline_of(clocked, own_state="BE", calendar_of=load_calendar) == expected
    hit_based = with_clock(
        replace(CASE, hit_based=True), date(2026, 4, 3), own_state="BE", calendar_of=load_calendar
    )
    shorter = compute_deadline(
        step=Step.TAKE_CHARGE_REPLY,
        start=date(2026, 4, 3),
        regime=DublinRegime.DUBLIN3,
        calendar=load_calendar("NL"),
        facts=Facts(hit=True),
    )
    assert hit_based.deadline == shorter.date


def test_a_state_without_a_time_limit_clears_the_clock() -> None:
    running = with_clock(CASE, date(2026, 4, 3), own_state="BE", calendar_of=load_calendar)
    sent = with_clock(
        replace(running, state=CaseState.REQUEST_SENT),
        date(2026, 4, 3),
        own_state="BE",
        calendar_of=load_calendar,
    )
    assert (sent.deadline, sent.deadline_step, sent.deadline_from) == (None, None, None)
    assert passed_event(sent) is None


@pytest.mark.parametrize(
    ("state", "step", "event"),
    [
        (CaseState.ACKNOWLEDGED, Step.TAKE_CHARGE_REPLY, CaseEvent.REPLY_DEADLINE_PASSED),
        (CaseState.REQUEST_RECEIVED, Step.TAKE_BACK_REPLY, CaseEvent.REPLY_DEADLINE_PASSED),
        (CaseState.ACCEPTED, Step.TRANSFER, CaseEvent.TRANSFER_DEADLINE_PASSED),
        (CaseState.REJECTED, Step.REEXAMINATION_REQUEST, CaseEvent.REEXAMINATION_DEADLINE_PASSED),
        (CaseState.CLOSED, Step.TRANSFER, None),  # the table has no such move
    ],
)
def test_the_end_of_a_time_limit_is_the_event_of_its_step(
    state: CaseState, step: Step, event: CaseEvent | None
) -> None:
    assert passed_event(replace(CASE, state=state, deadline_step=step.value)) == event


def test_records_survive_their_document_form() -> None:
    hit = stored_hit(
        "h-1",
        "BE10001",
        "NL10002",
        received=date(2026, 7, 1),
        registered=date(2026, 6, 1),
        at=T0,
        status=HitStatus.REJECTED,
        data=b"\x00sealed\xff",
        report_due=date(2026, 7, 6),
    )
    clocked = with_clock(CASE, date(2026, 4, 3), own_state="BE", calendar_of=load_calendar)
    change = CaseChange(
        case_id="c-1", at=T0, from_state=None, to_state=CaseState.REQUEST_SENT, event=None
    )
    result = Result(
        result_id=result_id(ResultKind.HIT, "h-1"),
        submitter="evibel",
        kind=ResultKind.HIT,
        subject="h-1",
        created_at=T0,
        payload="{}",
    )
    for record in (hit, clocked, change, result):
        assert from_document(type(record), to_document(record)) == record


def test_result_ids_are_stable_and_distinct() -> None:
    assert result_id(ResultKind.HIT, "h-1") == result_id(ResultKind.HIT, "h-1")
    assert result_id(ResultKind.HIT, "h-1") != result_id(ResultKind.HIT, "h-1", "confirmed")
    assert result_id(ResultKind.HIT, "h-1") != result_id(ResultKind.NO_HIT, "h-1")


def test_a_limit_left_to_an_implementing_act_runs_no_clock_but_says_so() -> None:
    rejected = replace(CASE, regime=DublinRegime.AMMR, state=CaseState.REJECTED)
    clocked = with_clock(rejected, date(2026, 9, 1), own_state="BE", calendar_of=load_calendar)
    assert (clocked.deadline, clocked.deadline_step) == (None, "reexamination-request")
    assert clocked.deadline_basis is not None
    assert "implementing" in clocked.deadline_basis
    assert deadline_of(clocked, own_state="BE", calendar_of=load_calendar) is None
