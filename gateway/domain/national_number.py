"""The Belgian national number (rijksregisternummer / numéro de registre national).

Eleven digits: YYMMDD, a 3-digit serial (odd for men, even for women) and two
check digits equal to 97 minus the first nine digits modulo 97. For births
from 2000 on, a 2 is put in front of the nine digits before the modulus.
Numbers of the bis register (people not in the National Register) add 20 to
the month when the sex was unknown at attribution and 40 when it was known.
A month or day of 00 means it is unknown.
"""

from __future__ import annotations

import calendar
from enum import Enum

from gateway.domain.dates import PartialDate
from gateway.domain.frozen import frozen

__all__ = [
    "NationalNumber",
    "NumberKind",
    "check_digits",
    "make_national_number",
    "normalize_national_number",
    "parse_national_number",
]


class NumberKind(Enum):
    """Which register issued the number."""

    NATIONAL_REGISTER = "national-register"
    BIS_SEX_UNKNOWN = "bis-sex-unknown"
    BIS_SEX_KNOWN = "bis-sex-known"


_MONTH_OFFSET = {
    NumberKind.NATIONAL_REGISTER: 0,
    NumberKind.BIS_SEX_UNKNOWN: 20,
    NumberKind.BIS_SEX_KNOWN: 40,
}


@frozen
class NationalNumber:
    """A national number that passed its check, with what it tells."""

    digits: str
    kind: NumberKind
    birth: PartialDate
    serial: int

    @property
    def sex_hint(self) -> str | None:
        """`M` or `F` from the serial's parity, when the number carries the sex."""
        if self.kind is NumberKind.BIS_SEX_UNKNOWN:
            return None
        return "M" if self.serial % 2 else "F"

    def __str__(self) -> str:
        d = self.digits
        return f"{d[0:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:11]}"


def normalize_national_number(text: str) -> str:
    """Drop the usual separators (dots, dashes, spaces) of a written number."""
    return "".join(ch for ch in text if ch not in ".- \t")


def check_digits(first_nine: str, *, born_2000_or_later: bool) -> int:
    """The two check digits of a number's first nine digits."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("the check digits are computed over exactly nine digits")
    base = int(("2" if born_2000_or_later else "") + first_nine)
    return 97 - base % 97


def parse_national_number(text: str) -> NationalNumber:
    """Check a national number and read what it says; `ValueError` says what is wrong."""
    digits = normalize_national_number(text)
    if len(digits) != 11 or not digits.isdigit():
        raise ValueError("a national number has 11 digits")
    first_nine, given = digits[:9], int(digits[9:])
    if given == check_digits(first_nine, born_2000_or_later=False):
        century = 1900
    elif given == check_digits(first_nine, born_2000_or_later=True):
        century = 2000
    else:
        raise ValueError("the check digits do not match the first nine digits")
    yy, mm, dd, serial = int(digits[0:2]), int(digits[2:4]), int(digits[4:6]), int(digits[6:9])
    kind, month = _kind_and_month(mm)
    return NationalNumber(
        digits=digits, kind=kind, birth=_birth(century + yy, month, dd), serial=serial
    )


def make_national_number(
    birth: PartialDate, serial: int, kind: NumberKind = NumberKind.NATIONAL_REGISTER
) -> str:
    """Build a valid number (for sample data and tests)."""
    if not 0 <= serial <= 999:
        raise ValueError("the serial has three digits")
    if not 1900 <= birth.year <= 2099:
        raise ValueError("a national number encodes years 1900 to 2099 only")
    month = (birth.month or 0) + _MONTH_OFFSET[kind]
    first_nine = f"{birth.year % 100:02d}{month:02d}{birth.day or 0:02d}{serial:03d}"
    check = check_digits(first_nine, born_2000_or_later=birth.year >= 2000)
    return f"{first_nine}{check:02d}"


def _kind_and_month(mm: int) -> tuple[NumberKind, int]:
    for kind, offset in sorted(_MONTH_OFFSET.items(), key=lambda item: -item[1]):
        if offset <= mm <= offset + 12:
            return kind, mm - offset
    raise ValueError(f"month {mm:02d} is not a month of the national or bis register")


def _birth(year: int, month: int, day: int) -> PartialDate:
    if month == 0:
        if day != 0:
            raise ValueError("the number gives a day of birth without a month")
        return PartialDate(year=year)
    if day > calendar.monthrange(year, month)[1]:
        raise ValueError(f"day {day:02d} does not exist in month {month:02d} of {year}")
    return PartialDate(year=year, month=month, day=day or None)
