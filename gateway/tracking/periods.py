"""Counting periods under Regulation (EEC, Euratom) No 1182/71.

The rules, as applied here to periods that start with an event:

* Art 3(1): the day of the event is not counted; a period starts at the
  beginning of the first hour of the next day. The day of an event is its
  date in the local time of the state that must act, whose holidays count
  (`event_day`): an acknowledgement signed at 23:30 UTC on a winter evening
  is a receipt on the next day in Brussels.
* Art 3(2)(c): a period in weeks, months or years ends with the day of the
  last week, month or year that has the same weekday, or the same date, as
  the day of the event; when that date does not exist in the last month, the
  period ends on the last day of that month.
* Art 3(3): Saturdays, Sundays and public holidays are counted.
* Art 3(4): when the last day is a Saturday, a Sunday or a public holiday, the
  period ends with the next working day.
* Art 3(5): a period of two days or more includes at least two working days.

Public holidays are those of the member state that must act: the caller
passes its `HolidayCalendar`.

Where the law leaves a choice (for the legal owner to confirm): Regulation
604/2013 counts its periods itself (Art 42): (a) and (b) say what Art 3(1) and
3(2)(c) above say, and (c) that "time limits shall include Saturdays, Sundays
and official holidays in the Member State concerned", with no word of a last
day that falls on one. Read as a whole rule, Art 42 would end such a period on
that day; the engine applies Regulation 1182/71 Art 3(4) as well (the design's
choice), so an end that falls on a weekend or holiday moves to the next working
day, one to four days later than the stricter reading. Where a time limit binds
Belgium, a case handler who acts by the nominal end (`nominal_date` of a
deadline, `nominal_end` here) is safe under both readings.
"""

from __future__ import annotations

import calendar as month_calendar
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from gateway.domain.frozen import frozen
from gateway.tracking.holidays import HolidayCalendar

__all__ = [
    "Period",
    "Unit",
    "add_working_days",
    "event_day",
    "next_working_day",
    "nominal_end",
    "period_end",
]


class Unit(StrEnum):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"


@frozen
class Period:
    """A length of time in one unit, as a regulation states it ("2 months")."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if self.amount < 1:
            raise ValueError("a period is at least one unit long")

    def __str__(self) -> str:
        unit = self.unit.value.removesuffix("s") if self.amount == 1 else self.unit.value
        return f"{self.amount} {unit}"


def event_day(at: datetime, calendar: HolidayCalendar) -> date:
    """The day of an event that happened at `at`, in the local time of the state whose
    `calendar` counts (Art 3(1)): the day its period starts after, whatever offset `at`
    was written with."""
    if at.utcoffset() is None:
        raise ValueError("the time of an event needs its offset from UTC")
    return at.astimezone(ZoneInfo(calendar.zone)).date()


def nominal_end(event: date, period: Period) -> date:
    """The last day of the period before any move to a working day (Art 3(1), 3(2)(c))."""
    match period.unit:
        case Unit.DAYS:
            return event + timedelta(days=period.amount)
        case Unit.WEEKS:
            return event + timedelta(weeks=period.amount)
        case Unit.MONTHS:
            return _add_months(event, period.amount)
        case Unit.YEARS:
            return _add_months(event, 12 * period.amount)


def _add_months(event: date, months: int) -> date:
    year, month_index = divmod(event.month - 1 + months, 12)
    year += event.year
    month = month_index + 1
    last = month_calendar.monthrange(year, month)[1]
    return date(year, month, min(event.day, last))


def next_working_day(day: date, calendar: HolidayCalendar) -> date:
    """`day` itself when it is a working day, else the first working day after it."""
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(event: date, count: int, calendar: HolidayCalendar) -> date:
    """The last day of a period of `count` working days after `event` (Art 2(2), 3(3))."""
    if count < 1:
        raise ValueError("a period is at least one working day long")
    day = event
    for _ in range(count):
        day = next_working_day(day + timedelta(days=1), calendar)
    return day


def period_end(event: date, period: Period, calendar: HolidayCalendar) -> date:
    """The day a period started by `event` ends under Regulation 1182/71 (Art 3(4), 3(5))."""
    nominal = nominal_end(event, period)
    end = next_working_day(nominal, calendar)
    if (nominal - event).days >= 2:
        # Art 3(5): taking the later of the two ends keeps the result monotone in `event`.
        end = max(end, add_working_days(event, 2, calendar))
    return end
