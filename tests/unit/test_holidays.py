"""Holiday calendars: Easter, the Belgian public holidays, calendars as data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gateway.errors import ConfigError, InputError
from gateway.tracking.holidays import (
    available_calendars,
    calendar_from_toml,
    easter_sunday,
    load_calendar,
)


@pytest.mark.parametrize(
    ("year", "easter"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2038, date(2038, 4, 25)),  # the latest possible date
        (2285, date(2285, 3, 22)),  # the earliest possible date
        (2000, date(2000, 4, 23)),
    ],
)
def test_easter_sunday(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter
    assert easter.weekday() == 6


def test_belgian_holidays_of_2026() -> None:
    """Law of 4 January 1974: seven fixed days, and Easter Monday, Ascension, Whit Monday."""
    holidays = load_calendar("BE").holidays(2026)
    assert sorted(holidays) == [
        date(2026, 1, 1),
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 14),  # Ascension Day
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 21),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    ]
    assert holidays[date(2026, 7, 21)] == "National Day"


def test_working_days() -> None:
    belgium = load_calendar("BE")
    assert belgium.is_working_day(date(2026, 7, 20))  # a Monday
    assert not belgium.is_working_day(date(2026, 7, 21))  # National Day, a Tuesday
    assert not belgium.is_working_day(date(2026, 7, 25))  # Saturday
    assert not belgium.is_working_day(date(2026, 7, 26))  # Sunday


def test_other_calendars_differ() -> None:
    assert {"BE", "DE", "FR", "NL"} <= set(available_calendars())
    assert load_calendar("FR").is_holiday(date(2026, 7, 14))
    assert not load_calendar("BE").is_holiday(date(2026, 7, 14))
    assert load_calendar("DE").is_holiday(date(2026, 4, 3))  # Good Friday
    assert not load_calendar("BE").is_holiday(date(2026, 4, 3))
    assert load_calendar("NL").is_holiday(date(2026, 4, 27))
    assert load_calendar("de").code == "DE"


def test_extra_dates_count_in_their_year_only() -> None:
    germany = load_calendar("DE")
    assert germany.is_holiday(date(2017, 10, 31))
    assert not germany.is_holiday(date(2018, 10, 31))


def test_an_unknown_calendar_is_a_clear_error() -> None:
    with pytest.raises(InputError) as raised:
        load_calendar("XX")
    assert raised.value.code == "GW-DL-CALENDAR"
    assert "BE" in raised.value.message
    with pytest.raises(InputError):
        load_calendar("../BE")


def test_a_calendar_is_data() -> None:
    text = """
name = "Testland"
[fixed]
"02-29" = "Leap Day"
[easter]
"Easter Tuesday" = 2
[extra]
"2030-06-03" = "Jubilee"
"""
    testland = calendar_from_toml("TL", text)
    assert testland.holidays(2028) == {
        date(2028, 2, 29): "Leap Day",
        easter_sunday(2028) + timedelta(days=2): "Easter Tuesday",
    }
    assert date(2027, 2, 28) not in testland.holidays(2027)
    assert testland.is_holiday(date(2030, 6, 3))


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('[fixed]\n"13-01" = "x"', "fixed.13-01"),
        ('[fixed]\n"02-30" = "x"', "fixed.02-30"),
        ('[easter]\n"x" = "one"', "easter.x"),
        ('[extra]\n"2030-02-30" = "x"', "extra.2030-02-30"),
        ('weekend = ["friday"]', "weekend"),
        ("fixed = 3", "fixed"),
        ("[fixed", ""),
    ],
)
def test_a_malformed_calendar_names_the_entry(text: str, where: str) -> None:
    with pytest.raises(ConfigError) as raised:
        calendar_from_toml("TL", text)
    assert raised.value.code == "GW-DL-CALENDAR-DATA"
    assert raised.value.path == "calendars/TL.toml" + (f":{where}" if where else "")
