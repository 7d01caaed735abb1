from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import partial_dates

from gateway.domain.dates import PartialDate, age_on


@given(partial_dates())
def test_text_round_trip(value: PartialDate) -> None:
    assert PartialDate.parse(str(value)) == value


@given(partial_dates())
def test_earliest_and_latest_bound_the_date(value: PartialDate) -> None:
    assert value.earliest() <= value.latest()
    assert value.earliest().year == value.latest().year == value.year
    if value.is_complete:
        assert value.earliest() == value.latest()


@given(partial_dates(), st.dates(date(1900, 1, 1), date(2120, 12, 31)))
def test_the_oldest_possible_age_is_never_below_the_youngest(value: PartialDate, on: date) -> None:
    assert age_on(value.earliest(), on) >= age_on(value.latest(), on)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990", PartialDate(year=1990)),
        ("1990-00-00", PartialDate(year=1990)),
        ("1990-07", PartialDate(year=1990, month=7)),
        ("1990-07-00", PartialDate(year=1990, month=7)),
        ("1990-07-31", PartialDate(year=1990, month=7, day=31)),
    ],
)
def test_unknown_parts_may_be_written_as_zero(text: str, expected: PartialDate) -> None:
    assert PartialDate.parse(text) == expected


@pytest.mark.parametrize("text", ["90", "1990-13", "1990-02-30", "1990-00-05", "17/05/1990", ""])
def test_bad_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        PartialDate.parse(text)


def test_a_partial_date_spans_its_month_or_year() -> None:
    assert PartialDate(year=2024, month=2).latest() == date(2024, 2, 29)
    assert PartialDate(year=1990).earliest() == date(1990, 1, 1)
    assert PartialDate(year=1990).latest() == date(1990, 12, 31)


def test_age_counts_completed_years() -> None:
    assert age_on(date(2012, 6, 12), date(2026, 6, 11)) == 13
    assert age_on(date(2012, 6, 12), date(2026, 6, 12)) == 14
    assert age_on(date(2008, 2, 29), date(2026, 2, 28)) == 17
    assert age_on(date(2008, 2, 29), date(2026, 3, 1)) == 18
