"""Holiday calendars: one for every state bound by the Dublin rules, from the holidays library,
with the choices the law leaves (CH, DE, NL) made and said; unknown codes are errors."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from gateway.domain.member_states import MEMBER_STATES
from gateway.errors import InputError
from gateway.tracking.holidays import CHOICES, available_calendars, load_calendar

# Each state's national day, as its law designates it (2026).
NATIONAL_DAYS = {
    "AT": date(2026, 10, 26),  # Nationalfeiertag
    "BE": date(2026, 7, 21),  # Fête nationale / Nationale feestdag
    "BG": date(2026, 3, 3),  # Liberation Day
    "CH": date(2026, 8, 1),  # Bundesfeiertag
    "CY": date(2026, 10, 1),  # Independence Day
    "CZ": date(2026, 10, 28),  # Independent Czechoslovak State Day
    "DE": date(2026, 10, 3),  # Tag der Deutschen Einheit
    "EE": date(2026, 2, 24),  # Independence Day
    "ES": date(2026, 10, 12),  # Fiesta Nacional de España
    "FI": date(2026, 12, 6),  # Itsenäisyyspäivä
    "FR": date(2026, 7, 14),  # Fête nationale
    "GR": date(2026, 3, 25),  # Independence Day
    "HR": date(2026, 5, 30),  # Dan državnosti
    "HU": date(2026, 8, 20),  # State Foundation Day
    "IE": date(2026, 3, 17),  # Saint Patrick's Day
    "IS": date(2026, 6, 17),  # Þjóðhátíðardagurinn
    "IT": date(2026, 6, 2),  # Festa della Repubblica
    "LI": date(2026, 8, 15),  # Staatsfeiertag
    "LT": date(2026, 2, 16),  # Restoration of the State
    "LU": date(2026, 6, 23),  # National Day
    "LV": date(2026, 11, 18),  # Proclamation of the Republic
    "MT": date(2026, 9, 21),  # Independence Day
    "NL": date(2026, 4, 27),  # Koningsdag
    "NO": date(2026, 5, 17),  # Grunnlovsdagen
    "PL": date(2026, 11, 11),  # Independence Day
    "PT": date(2026, 6, 10),  # Dia de Portugal
    "RO": date(2026, 12, 1),  # Great Union Day
    "SE": date(2026, 6, 6),  # Sveriges nationaldag
    "SI": date(2026, 6, 25),  # Statehood Day
    "SK": date(2026, 1, 1),  # Day of the Establishment of the Slovak Republic
}


def test_every_state_bound_by_the_dublin_rules_has_a_calendar() -> None:
    """The 27 member states, Iceland, Liechtenstein, Norway and Switzerland: 31 calendars."""
    assert set(available_calendars()) == MEMBER_STATES
    assert len(available_calendars()) == 31


@pytest.mark.parametrize(("code", "day"), sorted(NATIONAL_DAYS.items()))
def test_each_calendar_loads_and_holds_its_national_day(code: str, day: date) -> None:
    calendar = load_calendar(code)
    assert calendar.code == code
    assert calendar.is_holiday(day)
    assert day in calendar.holidays(day.year)
    assert not calendar.is_working_day(day)
    ZoneInfo(calendar.zone)  # its time zone is known


def test_denmark_has_no_national_day_off() -> None:
    """Constitution Day (5 June) is a flag day, not one of Denmark's public holidays."""
    denmark = load_calendar("DK")
    assert not denmark.is_holiday(date(2026, 6, 5))  # a Friday
    assert denmark.is_working_day(date(2026, 6, 5))
    assert denmark.is_holiday(date(2026, 4, 2))  # Maundy Thursday


def test_belgian_holidays_of_2026_on_weekdays() -> None:
    """Law of 4 January 1974: the ten days; 15 August and 1 November 2026 fall on weekends."""
    holidays = load_calendar("BE").holidays(2026)
    assert sorted(day for day in holidays if day.weekday() < 5) == [
        date(2026, 1, 1),
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),
        date(2026, 5, 14),  # Ascension Day
        date(2026, 5, 25),  # Whit Monday
        date(2026, 7, 21),
        date(2026, 11, 11),
        date(2026, 12, 25),
    ]
    assert {date(2026, 8, 15), date(2026, 11, 1)} <= set(holidays)
    assert holidays[date(2026, 7, 21)] == "National Day"


def test_working_days() -> None:
    belgium = load_calendar("BE")
    assert belgium.is_working_day(date(2026, 7, 20))  # a Monday
    assert not belgium.is_working_day(date(2026, 7, 21))  # National Day, a Tuesday
    assert not belgium.is_working_day(date(2026, 7, 25))  # Saturday
    assert not belgium.is_working_day(date(2026, 7, 26))  # Sunday


def test_calendars_differ_by_state() -> None:
    assert load_calendar("FR").is_holiday(date(2026, 7, 14))
    assert not load_calendar("BE").is_holiday(date(2026, 7, 14))
    assert load_calendar("DE").is_holiday(date(2026, 4, 3))  # Good Friday
    assert not load_calendar("BE").is_holiday(date(2026, 4, 3))
    assert load_calendar("de").code == "DE"


def test_orthodox_easter_counts_where_it_is_kept() -> None:
    """Greece and Cyprus keep Orthodox Easter: Easter Monday 2026 is 13 April there, 6 April
    in Italy."""
    for code in ("GR", "CY", "RO", "BG"):
        assert load_calendar(code).is_holiday(date(2026, 4, 10)), code  # Good Friday
    assert load_calendar("GR").is_holiday(date(2026, 4, 13))
    assert not load_calendar("GR").is_holiday(date(2026, 4, 6))
    assert load_calendar("IT").is_holiday(date(2026, 4, 6))


def test_one_off_days_are_in_the_library() -> None:
    """The 500th anniversary of the Reformation was a public holiday in all of Germany on
    31 October 2017 only (what the hand-kept DE calendar listed as an extra day)."""
    germany = load_calendar("DE")
    assert germany.is_holiday(date(2017, 10, 31))
    assert not germany.is_holiday(date(2018, 10, 31))


def test_germany_counts_the_nationwide_days_only() -> None:
    """A choice the law leaves: Corpus Christi (4 June 2026) and Epiphany are days of some
    Länder, not of the Member State."""
    germany = load_calendar("DE")
    assert not germany.is_holiday(date(2026, 6, 4))
    assert not germany.is_holiday(date(2026, 1, 6))
    assert germany.is_holiday(date(2026, 5, 25))  # Whit Monday, nationwide
    assert "DE" in CHOICES


def test_switzerland_counts_the_days_of_bern_where_its_dublin_unit_sits() -> None:
    """A choice the law leaves: the Confederation designates 1 August only; the canton of
    Bern (the SEM's seat) adds Berchtoldstag, Good Friday, Easter and Whit Monday, 26
    December."""
    switzerland = load_calendar("CH")
    for day in (
        date(2026, 1, 2),  # Berchtoldstag, a Friday
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 25),  # Whit Monday
        date(2026, 12, 26),  # Stephanstag (a Saturday)
    ):
        assert switzerland.is_holiday(day), day
    assert not switzerland.is_holiday(date(2026, 6, 4))  # Corpus Christi: other cantons
    assert switzerland.zone == "Europe/Zurich"
    assert "Bern" in CHOICES["CH"]


def test_the_netherlands_count_5_may_every_year() -> None:
    """The Algemene termijnenwet lists 5 May every year, not every fifth year only."""
    netherlands = load_calendar("NL")
    assert netherlands.is_holiday(date(2026, 5, 5))  # a Tuesday
    assert netherlands.is_holiday(date(2030, 5, 5))


@pytest.mark.parametrize("code", ["XX", "GB", "EU", "../BE", "", "BEL"])
def test_an_unknown_calendar_is_a_clear_error(code: str) -> None:
    with pytest.raises(InputError) as raised:
        load_calendar(code)
    assert raised.value.code == "GW-DL-CALENDAR"
    assert raised.value.path == "calendar"
    assert "IT" in raised.value.message
    assert "Dublin" in raised.value.message
