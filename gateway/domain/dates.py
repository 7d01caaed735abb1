"""Dates of birth that may be partial, and ages computed from them.

Asylum files often know only the year of birth, or the year and month. A
`PartialDate` keeps what is known and nothing more; rules that need a full
date work with the earliest and latest dates it may stand for.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from gateway.domain.frozen import frozen

__all__ = ["PartialDate", "age_on"]

_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@frozen
class PartialDate:
    """A calendar date whose day, or month and day, may be unknown."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year} is out of range")
        if self.month is None:
            if self.day is not None:
                raise ValueError("a day is given without a month")
            return
        if not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is out of range")
        if self.day is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise ValueError(f"day {self.day} does not exist in {self.year}-{self.month:02d}")

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Read `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; `00` stands for an unknown month or day."""
        match = _ISO.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = (int(part) if part else 0 for part in match.groups())
        if month == 0 and day != 0:
            raise ValueError(f"{text!r} gives a day without a month")
        return cls(year=year, month=month or None, day=day or None)

    @classmethod
    def of(cls, value: date) -> PartialDate:
        """The complete partial date of a calendar date."""
        return cls(year=value.year, month=value.month, day=value.day)

    @property
    def is_complete(self) -> bool:
        return self.day is not None

    def earliest(self) -> date:
        """The first calendar date this partial date may stand for."""
        return date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> date:
        """The last calendar date this partial date may stand for."""
        month = self.month or 12
        day = self.day or calendar.monthrange(self.year, month)[1]
        return date(self.year, month, day)

    def __str__(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


def age_on(birth: date, on: date) -> int:
    """Age in completed years on a day (someone born on 29 February ages on 1 March)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
