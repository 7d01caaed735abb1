"""Regulation 1182/71: counting periods from an event, with Belgian holidays."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.tracking.holidays import load_calendar
from gateway.tracking.periods import (
    Period,
    Unit,
    add_working_days,
    next_working_day,
    nominal_end,
    period_end,
)

BE = load_calendar("BE")


def months(n: int) -> Period:
    return Period(amount=n, unit=Unit.MONTHS)


def weeks(n: int) -> Period:
    return Period(amount=n, unit=Unit.WEEKS)


def days(n: int) -> Period:
    return Period(amount=n, unit=Unit.DAYS)


@pytest.mark.parametrize(
    ("event", "period", "nominal"),
    [
        pytest.param(date(2026, 1, 31), months(1), date(2026, 2, 28), id="Art3(2)c-month-end"),
        pytest.param(date(2028, 1, 31), months(1), date(2028, 2, 29), id="Art3(2)c-leap-year"),
        pytest.param(date(2026, 3, 31), months(6), date(2026, 9, 30), id="Art3(2)c-30-days"),
        pytest.param(date(2026, 11, 15), months(3), date(2027, 2, 15), id="Art3(2)c-next-year"),
        pytest.param(date(2028, 2, 29), Period(amount=1, unit=Unit.YEARS), date(2029, 2, 28),
                     id="Art3(2)c-years-from-29-Feb"),
        pytest.param(date(2026, 3, 4), weeks(2), date(2026, 3, 18), id="Art3(2)c-weeks"),
        pytest.param(date(2026, 3, 4), days(10), date(2026, 3, 14), id="Art3(1)-days"),
    ],
)  # fmt: skip
def test_nominal_end(event: date, period: Period, nominal: date) -> None:
    assert nominal_end(event, period) == nominal


def test_weeks_end_on_the_same_weekday() -> None:
    event = date(2026, 9, 2)  # a Wednesday
    for amount in range(1, 60):
        assert nominal_end(event, weeks(amount)).weekday() == event.weekday()


def test_a_period_ending_on_saturday_ends_on_monday() -> None:
    """Art 3(4): 15 Aug 2026 + 2 weeks is Saturday 29 August, so Monday 31 August."""
    assert nominal_end(date(2026, 8, 15), weeks(2)) == date(2026, 8, 29)
    assert period_end(date(2026, 8, 15), weeks(2), BE) == date(2026, 8, 31)


def test_a_period_ending_on_easter_monday_ends_on_tuesday() -> None:
    """Art 3(4): 6 March 2026 + 1 month would be 6 April 2026, Easter Monday."""
    assert period_end(date(2026, 3, 6), months(1), BE) == date(2026, 4, 7)


def test_a_period_ending_on_national_day_ends_the_next_day() -> None:
    """Art 3(4): 21 July 2026 (a Tuesday) is the Belgian National Day."""
    assert period_end(date(2026, 6, 21), months(1), BE) == date(2026, 7, 22)
    # The same period in France ends on the day itself.
    assert period_end(date(2026, 6, 21), months(1), load_calendar("FR")) == date(2026, 7, 21)


def test_holidays_and_weekends_chain() -> None:
    """Art 3(4): Christmas on Friday 25 Dec 2026 then the weekend: Monday 28 December."""
    assert period_end(date(2026, 11, 25), months(1), BE) == date(2026, 12, 28)


def test_a_short_period_includes_two_working_days() -> None:
    """Art 3(5): 2 days from Thursday 24 Dec 2026 end on Monday 28, not Saturday 26."""
    assert period_end(date(2026, 12, 24), days(2), BE) == date(2026, 12, 29)
    assert period_end(date(2026, 12, 23), days(2), BE) == date(2026, 12, 28)


def test_one_day_is_not_stretched() -> None:
    assert period_end(date(2026, 3, 2), days(1), BE) == date(2026, 3, 3)


def test_working_days() -> None:
    # From Thursday 16 July 2026: Friday 17, Monday 20, (National Day 21), Wednesday 22.
    assert add_working_days(date(2026, 7, 16), 3, BE) == date(2026, 7, 22)
    assert add_working_days(date(2026, 7, 18), 1, BE) == date(2026, 7, 20)
    assert next_working_day(date(2026, 7, 21), BE) == date(2026, 7, 22)
    with pytest.raises(ValueError, match="at least one"):
        add_working_days(date(2026, 7, 16), 0, BE)


def test_a_period_is_positive() -> None:
    with pytest.raises(ValueError, match="at least one unit"):
        Period(amount=0, unit=Unit.DAYS)
    assert str(months(1)) == "1 month"
    assert str(weeks(2)) == "2 weeks"


events = st.dates(date(2020, 1, 1), date(2040, 12, 31))
periods = st.builds(Period, amount=st.integers(1, 40), unit=st.sampled_from(list(Unit)))


@given(event=events, period=periods)
def test_the_end_is_a_working_day_not_before_the_nominal_end(event: date, period: Period) -> None:
    end = period_end(event, period, BE)
    assert BE.is_working_day(end)
    assert end >= nominal_end(event, period)
    assert end > event


@given(event=events, gap=st.integers(1, 400), period=periods)
def test_a_later_event_never_ends_earlier(event: date, gap: int, period: Period) -> None:
    later = event + timedelta(days=gap)
    assert period_end(later, period, BE) >= period_end(event, period, BE)


@given(event=events, count=st.integers(1, 30))
def test_working_days_are_counted_exactly(event: date, count: int) -> None:
    end = add_working_days(event, count, BE)
    span = [event + timedelta(days=n) for n in range(1, (end - event).days + 1)]
    assert sum(BE.is_working_day(day) for day in span) == count
    assert BE.is_working_day(end)
