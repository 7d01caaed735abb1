"""The holidays and the local day of the state that must act (Reg 1182/71 Arts 2(1), 3(1), 3(4)).

Each date below was counted by hand from the regulation's text: the event day is not
counted, a period in months ends on the same date of the last month, and a last day that
is a Saturday, a Sunday or a public holiday of the acting state moves to its next working
day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stored_cases import stored_case

from gateway.domain.dublin import DublinRegime
from gateway.errors import InputError
from gateway.tracking.cases import CaseState, Direction
from gateway.tracking.deadlines import compute_deadline
from gateway.tracking.holidays import available_calendars, load_calendar
from gateway.tracking.periods import add_working_days, event_day
from gateway.tracking.rules import Extension, Facts, Step
from gateway.tracking.schedule import acting_state, with_clock

D3 = DublinRegime.DUBLIN3
AMMR = DublinRegime.AMMR


@pytest.mark.parametrize(
    ("state", "start", "nominal", "deadline", "holiday"),
    [
        # Thu 2 April 2026 + 2 months = Tue 2 June, Festa della Repubblica.
        ("IT", date(2026, 4, 2), date(2026, 6, 2), date(2026, 6, 3), "Republic Day"),
        # Wed 12 August 2026 + 2 months = Mon 12 October, Fiesta Nacional de España.
        ("ES", date(2026, 8, 12), date(2026, 10, 12), date(2026, 10, 13), "National Day"),
        # Fri 10 April 2026 + 2 months = Wed 10 June, Dia de Portugal.
        ("PT", date(2026, 4, 10), date(2026, 6, 10), date(2026, 6, 11), "Day of Portugal"),
    ],
)
def test_reg_604_2013_art_22_1_reply_moves_past_the_requested_state_s_holiday_art_3_4(
    state: str, start: date, nominal: date, deadline: date, holiday: str
) -> None:
    """Reg 604/2013 Art 22(1): two months to reply to a take charge request; Reg 1182/71
    Art 3(4): a period ending on a public holiday of the state that must act (Art 2(1))
    ends on its next working day. Belgium works on each of these days."""
    calendar = load_calendar(state)
    result = compute_deadline(
        step=Step.TAKE_CHARGE_REPLY, start=start, regime=D3, calendar=calendar
    )
    assert (result.nominal_date, result.date, result.calendar) == (nominal, deadline, state)
    assert calendar.holidays(nominal.year)[nominal].startswith(holiday)
    assert load_calendar("BE").is_working_day(nominal)
    belgian = compute_deadline(
        step=Step.TAKE_CHARGE_REPLY, start=start, regime=D3, calendar=load_calendar("BE")
    )
    assert belgian.date == nominal


@pytest.mark.parametrize("state", ["IT", "ES", "PT"])
def test_reg_2024_1351_art_40_1_reply_moves_past_the_immaculate_conception(state: str) -> None:
    """Reg 2024/1351 Art 40(1): one month to reply; from Sunday 8 November 2026 it would end
    on Tuesday 8 December, the Immaculate Conception in Italy, Spain and Portugal (not in
    Belgium), so on Wednesday 9 December (Reg 1182/71 Art 3(4))."""
    start = date(2026, 11, 8)
    result = compute_deadline(
        step=Step.TAKE_CHARGE_REPLY, start=start, regime=AMMR, calendar=load_calendar(state)
    )
    assert (result.nominal_date, result.date) == (date(2026, 12, 8), date(2026, 12, 9))
    belgian = compute_deadline(
        step=Step.TAKE_CHARGE_REPLY, start=start, regime=AMMR, calendar=load_calendar("BE")
    )
    assert belgian.date == date(2026, 12, 8)


def test_an_italian_case_counts_italy_s_holidays_for_italy_s_reply() -> None:
    """Our take charge request received by Italy on 2 April 2026: Italy's reply is due on
    3 June (2 June is the Festa della Repubblica), never on Belgium's count."""
    at = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    case = stored_case("c-it", Direction.OUTGOING, CaseState.ACKNOWLEDGED, at=at, other_state="IT")
    clocked = with_clock(case, date(2026, 4, 2), own_state="BE", calendar_of=load_calendar)
    assert (clocked.deadline, clocked.deadline_step) == (date(2026, 6, 3), "take-charge-reply")


# ----- a deadline never ends on a day the acting state does not work ----------------------


@given(
    regime=st.sampled_from(DublinRegime),
    step=st.sampled_from(Step),
    facts=st.builds(
        Facts,
        hit=st.booleans(),
        urgent=st.booleans(),
        detained=st.booleans(),
        extension=st.none() | st.sampled_from(Extension),
    ),
    start=st.dates(date(2024, 1, 1), date(2040, 12, 31)),
    state=st.sampled_from(available_calendars()),
)
def test_a_deadline_is_a_working_day_of_the_acting_state(
    regime: DublinRegime, step: Step, facts: Facts, start: date, state: str
) -> None:
    """Reg 1182/71 Art 3(4), for every Dublin state's calendar and every period of the
    table: the last day is a working day there, not before the nominal end, and the days
    between are not working days there (unless Art 3(5), two working days at least, set
    the end)."""
    calendar = load_calendar(state)
    try:
        result = compute_deadline(
            step=step, start=start, regime=regime, calendar=calendar, facts=facts
        )
    except InputError:  # a step the regime does not have, or leaves to an implementing act
        assume(False)
        raise
    assert calendar.is_working_day(result.date)
    assert result.date >= result.nominal_date > start
    skipped = [
        result.nominal_date + timedelta(days=n)
        for n in range((result.date - result.nominal_date).days)
    ]
    if any(calendar.is_working_day(day) for day in skipped):
        assert result.date == add_working_days(start, 2, calendar)


@given(
    direction=st.sampled_from(Direction),
    state=st.sampled_from([CaseState.ACKNOWLEDGED, CaseState.ACCEPTED, CaseState.REJECTED]),
    other=st.sampled_from(available_calendars()),
    start=st.dates(date(2026, 1, 1), date(2031, 12, 31)),
)
def test_a_case_s_clock_ends_on_a_working_day_of_the_state_that_must_act(
    direction: Direction, state: CaseState, other: str, start: date
) -> None:
    """Whoever acts (the requested state replies, the requesting state transfers or asks for
    a re-examination), the running limit ends on a working day in that state."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    case = stored_case("c", direction, state, at=at, other_state=other)
    clocked = with_clock(case, start, own_state="BE", calendar_of=load_calendar)
    assert clocked.deadline is not None
    assert clocked.deadline_step is not None
    acting = acting_state(case, Step(clocked.deadline_step), "BE")
    assert acting == (
        other if (direction is Direction.OUTGOING) == (state is CaseState.ACKNOWLEDGED) else "BE"
    )
    assert load_calendar(acting).is_working_day(clocked.deadline)


# ----- the day of the event: the local day of the state that must act ----------------------


@pytest.mark.parametrize(
    ("at", "state", "day"),
    [
        # Winter (CET, UTC+1): 23:30 UTC on Monday 7 December 2026 is 00:30 on the 8th.
        (datetime(2026, 12, 7, 23, 30, tzinfo=UTC), "BE", date(2026, 12, 8)),
        # Summer (CEST, UTC+2): 22:30 UTC on Tuesday 14 July 2026 is 00:30 on the 15th.
        (datetime(2026, 7, 14, 22, 30, tzinfo=UTC), "BE", date(2026, 7, 15)),
        (datetime(2026, 7, 14, 21, 59, tzinfo=UTC), "BE", date(2026, 7, 14)),
        # Lisbon and Dublin keep WET/WEST: 23:30 UTC in winter is still the same day there.
        (datetime(2026, 12, 7, 23, 30, tzinfo=UTC), "PT", date(2026, 12, 7)),
        (datetime(2026, 12, 7, 23, 30, tzinfo=UTC), "IE", date(2026, 12, 7)),
        # Reykjavik keeps UTC all year.
        (datetime(2026, 7, 14, 23, 59, tzinfo=UTC), "IS", date(2026, 7, 14)),
        # Helsinki and Athens keep EET: 22:30 UTC in winter is already the next day.
        (datetime(2026, 12, 7, 22, 30, tzinfo=UTC), "FI", date(2026, 12, 8)),
        (datetime(2026, 12, 7, 22, 30, tzinfo=UTC), "GR", date(2026, 12, 8)),
        (datetime(2026, 12, 7, 22, 30, tzinfo=UTC), "IT", date(2026, 12, 7)),
        # The offset a sender wrote does not matter, the instant does: 18:30 in New York on
        # 7 December 2026 is 00:30 on the 8th in Rome.
        (datetime(2026, 12, 7, 18, 30, tzinfo=timezone(timedelta(hours=-5))), "IT",
         date(2026, 12, 8)),
        # 08:30 on the 8th at UTC+9 is 00:30 on the 8th in Rome, 06:30 is 22:30 on the 7th.
        (datetime(2026, 12, 8, 8, 30, tzinfo=timezone(timedelta(hours=9))), "IT",
         date(2026, 12, 8)),
        (datetime(2026, 12, 8, 6, 30, tzinfo=timezone(timedelta(hours=9))), "IT",
         date(2026, 12, 7)),
    ],
)  # fmt: skip
def test_reg_1182_71_art_3_1_the_event_day_is_the_acting_state_s_local_day(
    at: datetime, state: str, day: date
) -> None:
    assert event_day(at, load_calendar(state)) == day


def test_a_time_without_its_offset_is_refused() -> None:
    with pytest.raises(ValueError, match="offset"):
        event_day(datetime(2026, 12, 7, 23, 30), load_calendar("BE"))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("received", "local", "deadline", "on_the_utc_day"),
    [
        # Winter: 23:30 UTC on Friday 1 January 2027 is 00:30 on Saturday 2 January in
        # Brussels; two months end on Tuesday 2 March 2027, not Monday 1 March.
        (datetime(2027, 1, 1, 23, 30, tzinfo=UTC), date(2027, 1, 2), date(2027, 3, 2),
         date(2027, 3, 1)),
        # Summer: 22:30 UTC on Tuesday 14 July 2026 is 00:30 on Wednesday 15 July; two
        # months end on Tuesday 15 September 2026, not Monday 14 September.
        (datetime(2026, 7, 14, 22, 30, tzinfo=UTC), date(2026, 7, 15), date(2026, 9, 15),
         date(2026, 9, 14)),
    ],
)  # fmt: skip
def test_reg_1182_71_art_3_1_a_receipt_across_midnight_moves_the_reply_deadline(
    received: datetime, local: date, deadline: date, on_the_utc_day: date
) -> None:
    """Reg 604/2013 Art 22(1) counted from the day Belgium, the requested state, received
    the request in Brussels, not from the UTC date of its acknowledgement."""
    belgium = load_calendar("BE")
    assert event_day(received, belgium) == local
    result = compute_deadline(step=Step.TAKE_CHARGE_REPLY, start=local, regime=D3, calendar=belgium)
    assert result.date == deadline
    utc_count = compute_deadline(
        step=Step.TAKE_CHARGE_REPLY, start=received.date(), regime=D3, calendar=belgium
    )
    assert utc_count.date == on_the_utc_day


def test_reg_604_2013_art_29_1_italy_s_transfer_ends_after_the_festa_della_repubblica() -> None:
    """The date the Italian scenario's description gives: accepted on Wednesday 2 December
    2026, six months end on Wednesday 2 June 2027, the Festa della Repubblica, so on
    Thursday 3 June (Reg 1182/71 Art 3(4)); Belgium works on 2 June."""
    accepted = date(2026, 12, 2)
    italy = compute_deadline(
        step=Step.TRANSFER, start=accepted, regime=D3, calendar=load_calendar("IT")
    )
    belgium = compute_deadline(
        step=Step.TRANSFER, start=accepted, regime=D3, calendar=load_calendar("BE")
    )
    assert (italy.nominal_date, italy.date, belgium.date) == (
        date(2027, 6, 2),
        date(2027, 6, 3),
        date(2027, 6, 2),
    )
