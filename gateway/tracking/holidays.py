"""The public holidays and the time zone of every state bound by the Dublin rules.

Regulation 1182/71 counts the public holidays "designated as such in the Member
State ... in which action is to be taken" (Art 2(1)), so a deadline depends on
whose calendar applies. Every state bound by the Dublin rules has one: the 27
member states, Iceland, Liechtenstein, Norway and Switzerland. An unknown code
is an error (GW-DL-CALENDAR), never another state's calendar.

The days come from the maintained `holidays` library (pinned to one version
in pyproject.toml: a new version can move a deadline, so it is a change made
on purpose): a state's national public holidays, the library's "public"
category, except where the law leaves a choice (`CHOICES`, said in README):

* CH: the days of the canton of Bern, where the State Secretariat for
  Migration (SEM), Switzerland's Dublin unit, sits (Bern-Wabern). Federal law
  designates one day only (1 August); the cantons designate the others.
* DE: the nationwide days only. The Länder add their own (Epiphany, Corpus
  Christi, Reformation Day, ...), which are not days of the Member State.
* NL: also 5 May every year: the General Time Limits Act (Algemene
  termijnenwet), the Dutch law on time limits, lists it every year; the
  library's "public" days hold it only every fifth year, as many collective
  agreements do.

Each state also has the time zone of its Dublin unit (that of its capital:
mainland time, not that of the Canaries, the Azores or overseas France), in
which the day of an event is taken (`gateway.tracking.periods.event_day`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

import holidays as holiday_data

from gateway.domain.frozen import frozen
from gateway.errors import InputError

__all__ = [
    "CHOICES",
    "HolidayCalendar",
    "available_calendars",
    "load_calendar",
]

_PUBLIC = "public"

# Code: (name, time zone of its Dublin unit).
_STATES: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "AT": ("Austria", "Europe/Vienna"),
        "BE": ("Belgium", "Europe/Brussels"),
        "BG": ("Bulgaria", "Europe/Sofia"),
        "CH": ("Switzerland", "Europe/Zurich"),
        "CY": ("Cyprus", "Asia/Nicosia"),
        "CZ": ("Czechia", "Europe/Prague"),
        "DE": ("Germany", "Europe/Berlin"),
        "DK": ("Denmark", "Europe/Copenhagen"),
        "EE": ("Estonia", "Europe/Tallinn"),
        "ES": ("Spain", "Europe/Madrid"),
        "FI": ("Finland", "Europe/Helsinki"),
        "FR": ("France", "Europe/Paris"),
        "GR": ("Greece", "Europe/Athens"),
        "HR": ("Croatia", "Europe/Zagreb"),
        "HU": ("Hungary", "Europe/Budapest"),
        "IE": ("Ireland", "Europe/Dublin"),
        "IS": ("Iceland", "Atlantic/Reykjavik"),
        "IT": ("Italy", "Europe/Rome"),
        "LI": ("Liechtenstein", "Europe/Vaduz"),
        "LT": ("Lithuania", "Europe/Vilnius"),
        "LU": ("Luxembourg", "Europe/Luxembourg"),
        "LV": ("Latvia", "Europe/Riga"),
        "MT": ("Malta", "Europe/Malta"),
        "NL": ("Netherlands", "Europe/Amsterdam"),
        "NO": ("Norway", "Europe/Oslo"),
        "PL": ("Poland", "Europe/Warsaw"),
        "PT": ("Portugal", "Europe/Lisbon"),
        "RO": ("Romania", "Europe/Bucharest"),
        "SE": ("Sweden", "Europe/Stockholm"),
        "SI": ("Slovenia", "Europe/Ljubljana"),
        "SK": ("Slovakia", "Europe/Bratislava"),
    }
)

# Where the law leaves the choice of days to us: (subdivision, categories, why).
_CHOSEN: Mapping[str, tuple[str | None, tuple[str, ...], str]] = MappingProxyType(
    {
        "CH": (
            "BE",
            (_PUBLIC,),
            "the public holidays of the canton of Bern, seat of the State Secretariat for "
            "Migration (Bern-Wabern), Switzerland's Dublin unit",
        ),
        "DE": (
            None,
            (_PUBLIC,),
            "the nationwide public holidays; a Land's own days are not counted",
        ),
        "NL": (
            None,
            (_PUBLIC, "optional"),
            "the public holidays and 5 May every year, as the General Time Limits Act "
            "(Algemene termijnenwet) lists them",
        ),
    }
)

CHOICES: Mapping[str, str] = MappingProxyType({code: why for code, (*_, why) in _CHOSEN.items()})
"""The states whose days are a choice the law leaves, and the choice made."""


@frozen
class HolidayCalendar:
    """The public holidays of one state bound by the Dublin rules, and its time zone."""

    code: str
    name: str
    zone: str  # IANA name of the time zone of the state's Dublin unit
    subdivision: str | None = None  # the library's subdivision whose days count
    categories: tuple[str, ...] = (_PUBLIC,)

    def holidays(self, year: int) -> dict[date, str]:
        """Every public holiday of `year`, with its (English) name."""
        return dict(_holidays_of(self, year))

    def is_holiday(self, day: date) -> bool:
        return day in _holidays_of(self, day.year)

    def is_working_day(self, day: date) -> bool:
        """Not a Saturday, a Sunday or a public holiday (Reg 1182/71 Art 2(2))."""
        return day.weekday() < 5 and not self.is_holiday(day)


@functools.lru_cache(maxsize=1024)
def _holidays_of(calendar: HolidayCalendar, year: int) -> Mapping[date, str]:
    days = holiday_data.country_holidays(
        calendar.code,
        subdiv=calendar.subdivision,
        years=year,
        categories=calendar.categories,
        language="en_US",
    )
    return MappingProxyType({day: days[day] for day in sorted(days) if day.year == year})


def available_calendars() -> tuple[str, ...]:
    """The codes of the states that have a calendar: every state bound by the Dublin rules."""
    return tuple(sorted(_STATES))


@functools.cache
def load_calendar(code: str) -> HolidayCalendar:
    """The calendar of the state `code` (ISO 3166-1 alpha-2, any case), or an `InputError`
    naming those there are."""
    wanted = code.upper()
    if wanted not in _STATES:
        raise InputError(
            "GW-DL-CALENDAR",
            f"no holiday calendar {code!r}: the calendars are those of the states bound by "
            f"the Dublin rules ({', '.join(available_calendars())})",
            "calendar",
        )
    name, zone = _STATES[wanted]
    subdivision, categories, _ = _CHOSEN.get(wanted, (None, (_PUBLIC,), ""))
    return HolidayCalendar(
        code=wanted, name=name, zone=zone, subdivision=subdivision, categories=categories
    )
