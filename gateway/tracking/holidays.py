"""Public holiday calendars of the member states, as data.

Regulation 1182/71 counts the public holidays "of the Member State where an
action is to be taken", so a deadline depends on whose calendar applies. A
calendar is a TOML file in `gateway/tracking/calendars/`: fixed days
(`"MM-DD"`), movable feasts as day offsets from Easter Sunday, and one-off
extra dates. Adding a member state means adding a file, not code.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any

from gateway.errors import ConfigError, InputError

__all__ = [
    "ExtraHoliday",
    "FixedHoliday",
    "HolidayCalendar",
    "MovableFeast",
    "available_calendars",
    "calendar_from_toml",
    "easter_sunday",
    "load_calendar",
]

_CALENDARS = "gateway.tracking.calendars"
_CODE = re.compile(r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$")  # "BE", or a region such as "DE-BY"
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, kw_only=True, slots=True)
class FixedHoliday:
    month: int
    day: int
    name: str


@dataclass(frozen=True, kw_only=True, slots=True)
class MovableFeast:
    """A feast a fixed number of days after (or before) Easter Sunday."""

    easter_offset: int
    name: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ExtraHoliday:
    day: date
    name: str


@dataclass(frozen=True, kw_only=True, slots=True)
class HolidayCalendar:
    """The public holidays of one member state (or region)."""

    code: str
    name: str
    fixed: tuple[FixedHoliday, ...] = ()
    movable: tuple[MovableFeast, ...] = ()
    extra: tuple[ExtraHoliday, ...] = ()

    def holidays(self, year: int) -> dict[date, str]:
        """Every public holiday of `year`, with its name."""
        return dict(_holidays_of(self, year))

    def is_holiday(self, day: date) -> bool:
        return any(holiday == day for holiday, _ in _holidays_of(self, day.year))

    def is_working_day(self, day: date) -> bool:
        """Not a Saturday, a Sunday or a public holiday (Reg 1182/71 Art 2(2))."""
        return day.weekday() < 5 and not self.is_holiday(day)


@functools.lru_cache(maxsize=512)
def _holidays_of(calendar: HolidayCalendar, year: int) -> tuple[tuple[date, str], ...]:
    easter = easter_sunday(year)
    days: dict[date, str] = {}
    for fixed in calendar.fixed:
        if fixed.month == 2 and fixed.day == 29 and not _is_leap(year):
            continue
        days[date(year, fixed.month, fixed.day)] = fixed.name
    for feast in calendar.movable:
        day = easter + timedelta(days=feast.easter_offset)
        if day.year == year:
            days[day] = feast.name
    for extra in calendar.extra:
        if extra.day.year == year:
            days[extra.day] = extra.name
    return tuple(sorted(days.items()))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday: the anonymous algorithm (Meeus, Jones, Butcher)."""
    golden = year % 19
    century, year_of_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    correction = (century + 8) // 25
    moon = (century - correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - moon + 15) % 30
    quarter, year_rest = divmod(year_of_century, 4)
    weekday = (32 + 2 * century_rest + 2 * quarter - epact - year_rest) % 7
    shift = (golden + 11 * epact + 22 * weekday) // 451
    month, day = divmod(epact + weekday - 7 * shift + 114, 31)
    return date(year, month, day + 1)


def available_calendars() -> tuple[str, ...]:
    """The codes of the calendars shipped with the gateway."""
    return tuple(
        sorted(
            entry.name.removesuffix(".toml")
            for entry in resources.files(_CALENDARS).iterdir()
            if entry.name.endswith(".toml")
        )
    )


@functools.cache
def load_calendar(code: str) -> HolidayCalendar:
    """The shipped calendar of `code` (read once), or an `InputError` naming those there are."""
    wanted = code.upper()
    if not _CODE.match(wanted) or wanted not in available_calendars():
        known = ", ".join(available_calendars())
        raise InputError(
            "GW-DL-CALENDAR", f"no holiday calendar {code!r}; known calendars: {known}", "calendar"
        )
    text = resources.files(_CALENDARS).joinpath(f"{wanted}.toml").read_text(encoding="utf-8")
    return calendar_from_toml(wanted, text)


def calendar_from_toml(code: str, text: str) -> HolidayCalendar:
    """Read a calendar file; a malformed one is a `ConfigError` naming the bad entry."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _bad(code, "", f"not valid TOML: {error}") from None
    unknown = set(document) - {"name", "fixed", "easter", "extra"}
    if unknown:
        raise _bad(code, sorted(unknown)[0], "unknown key")
    return HolidayCalendar(
        code=code,
        name=str(document.get("name", code)),
        fixed=tuple(_fixed(code, key, name) for key, name in _table(code, document, "fixed")),
        movable=tuple(
            _movable(code, key, offset) for key, offset in _table(code, document, "easter")
        ),
        extra=tuple(_extra(code, key, name) for key, name in _table(code, document, "extra")),
    )


def _table(code: str, document: dict[str, Any], key: str) -> list[tuple[str, Any]]:
    table = document.get(key, {})
    if not isinstance(table, dict):
        raise _bad(code, key, "must be a table")
    return list(table.items())


def _fixed(code: str, key: str, name: object) -> FixedHoliday:
    match = _MONTH_DAY.match(key)
    if not match or not isinstance(name, str):
        raise _bad(code, f"fixed.{key}", 'expected "MM-DD" = "name"')
    month, day = int(match[1]), int(match[2])
    try:
        date(2000, month, day)  # a leap year: 29 February is a valid fixed day
    except ValueError:
        raise _bad(code, f"fixed.{key}", "no such day in the year") from None
    return FixedHoliday(month=month, day=day, name=name)


def _movable(code: str, name: str, offset: object) -> MovableFeast:
    if not isinstance(offset, int) or isinstance(offset, bool) or not -100 <= offset <= 100:
        raise _bad(code, f"easter.{name}", "expected a whole number of days from Easter Sunday")
    return MovableFeast(easter_offset=offset, name=name)


def _extra(code: str, key: str, name: object) -> ExtraHoliday:
    if not _ISO_DATE.match(key) or not isinstance(name, str):
        raise _bad(code, f"extra.{key}", 'expected "YYYY-MM-DD" = "name"')
    try:
        return ExtraHoliday(day=date.fromisoformat(key), name=name)
    except ValueError:
        raise _bad(code, f"extra.{key}", "no such date") from None


def _bad(code: str, where: str, reason: str) -> ConfigError:
    path = f"calendars/{code}.toml" + (f":{where}" if where else "")
    return ConfigError("GW-DL-CALENDAR-DATA", f"bad holiday calendar: {reason}", path)
