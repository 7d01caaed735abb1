"""A fast yes/no check of a Belgian national number, for the bulk mapping path.

`gateway.domain.national_number.parse_national_number` is the reference: it
says what a number means and what is wrong with it, and costs about ten
microseconds. Mapping only needs to know whether a number is valid; this
check answers the same question with integer arithmetic, and the mapping asks
the domain parser only for the numbers it refuses. A property test checks
that both always agree.
"""

from __future__ import annotations

import calendar

__all__ = ["is_valid_national_number"]

_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_valid_national_number(digits: str) -> bool:
    """True when eleven digits pass the check digits and encode a possible birth date."""
    if len(digits) != 11 or not digits.isdigit() or not digits.isascii():
        return False
    first_nine = int(digits[:9])
    check = int(digits[9:])
    if check == 97 - first_nine % 97:
        year = 1900 + int(digits[:2])
    elif check == 97 - (2_000_000_000 + first_nine) % 97:
        year = 2000 + int(digits[:2])
    else:
        return False
    month = int(digits[2:4])
    day = int(digits[4:6])
    if month >= 40:
        month -= 40  # bis register, sex known
    elif month >= 20:
        month -= 20  # bis register, sex unknown
    if month > 12:
        return False
    if month == 0:
        return day == 0
    if day <= _DAYS[month]:
        return True
    return month == 2 and day == 29 and calendar.isleap(year)
