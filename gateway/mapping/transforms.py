"""Value transforms a specification can ask for, each compiled once into a plain function.

Every transform takes a source value and returns a JSON-shaped canonical value
(the decoder of `gateway.domain.serialization` reads it), or raises
`TransformError` with a GW-MAP-* code and a sentence.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from gateway.domain.dates import PartialDate
from gateway.domain.national_number import normalize_national_number, parse_national_number
from gateway.mapping.fastcheck import is_valid_national_number
from gateway.mapping.problems import TransformError
from gateway.mapping.transliteration import script_of, transliterate

__all__ = [
    "BAD_DATE",
    "BAD_NAME",
    "BAD_NATIONAL_NUMBER",
    "NOT_IN_CODE_LIST",
    "WRONG_TYPE",
    "code_lookup",
    "date_parser",
    "name_value",
    "national_number",
    "split_full_name",
    "text",
]

BAD_DATE = "GW-MAP-DATE"
NOT_IN_CODE_LIST = "GW-MAP-CODE"
BAD_NATIONAL_NUMBER = "GW-MAP-NATIONAL-NUMBER"
BAD_NAME = "GW-MAP-NAME"
WRONG_TYPE = "GW-MAP-TYPE"

_TOKENS = {"yyyy": r"(?P<y>\d{4})", "mm": r"(?P<m>\d{1,2})", "dd": r"(?P<d>\d{1,2})"}
_COMPACT = {"yyyy": r"(?P<y>\d{4})", "mm": r"(?P<m>\d{2})", "dd": r"(?P<d>\d{2})"}
_TOKEN = re.compile("yyyy|mm|dd")


def text(value: object) -> str:
    """A source value as stripped text; numbers are accepted, objects and lists are not."""
    if type(value) is str:
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise TransformError(WRONG_TYPE, f"expected text, got {_json_kind(value)}")


def date_format_pattern(fmt: str) -> re.Pattern[str]:
    """The regular expression of a date format such as `dd/mm/yyyy` or `yyyymmdd`."""
    tokens = _TOKEN.findall(fmt)
    if "yyyy" not in tokens or len(set(tokens)) != len(tokens):
        raise ValueError(f"the date format {fmt!r} needs yyyy once, and dd and mm at most once")
    if "dd" in tokens and "mm" not in tokens:
        raise ValueError(f"the date format {fmt!r} has a day without a month")
    compact = not _TOKEN.sub("", fmt)
    widths = _COMPACT if compact else _TOKENS
    parts = [re.escape(part) for part in _TOKEN.split(fmt)]
    pattern = parts[0]
    for token, part in zip(tokens, parts[1:], strict=True):
        pattern += widths[token] + part
    return re.compile(pattern)


def date_parser(formats: Sequence[str], *, partial: bool) -> Callable[[str], PartialDate | date]:
    """A parser trying each format in turn; `00` (or a missing part) is an unknown month/day.

    Returns a `PartialDate` when `partial` is true, else a `date` (and then
    only a complete date is accepted).
    """
    compiled = [(date_format_pattern(fmt), _positions(fmt)) for fmt in formats]
    accepted = " or ".join(formats)
    make = _partial_date if partial else _full_date

    # Exports repeat dates (registration days, common birth dates): remember recent ones.
    # The values are immutable, so sharing them between records is safe.
    seen: dict[str, PartialDate | date] = {}

    def parse(value: str) -> PartialDate | date:
        known = seen.get(value)
        if known is not None:
            return known
        for pattern, (at_year, at_month, at_day) in compiled:
            match = pattern.fullmatch(value)
            if match is not None:
                parts = match.groups()
                month = int(parts[at_month]) if at_month >= 0 else 0
                day = int(parts[at_day]) if at_day >= 0 else 0
                result = make(value, int(parts[at_year]), month, day)
                if len(seen) >= _REMEMBERED_DATES:
                    seen.clear()
                seen[value] = result
                return result
        raise TransformError(BAD_DATE, f"{value!r} is not a date in the form {accepted}")

    return parse


_REMEMBERED_DATES = 20_000


def _positions(fmt: str) -> tuple[int, int, int]:
    """Where year, month and day are among a format's groups (-1: not in the format)."""
    tokens = _TOKEN.findall(fmt)
    year, month, day = (tokens.index(t) if t in tokens else -1 for t in ("yyyy", "mm", "dd"))
    return year, month, day


def _full_date(value: str, year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise _date_error(value, year, month, day, partial=False) from None


def _partial_date(value: str, year: int, month: int, day: int) -> PartialDate:
    try:
        return PartialDate(year=year, month=month or None, day=day or None)
    except ValueError:
        raise _date_error(value, year, month, day, partial=True) from None


def _date_error(value: str, year: int, month: int, day: int, *, partial: bool) -> TransformError:
    """What is wrong with a date that did not construct."""
    if year == 0:
        reason = f"{value!r} has no year"
    elif month > 12:
        reason = f"{value!r} has no month {month}"
    elif month == 0 and day != 0:
        reason = f"{value!r} gives a day without a month"
    elif month and day > calendar.monthrange(year, month)[1]:
        reason = f"{value!r}: day {day} does not exist in {year}-{month:02d}"
    elif not partial and not day:
        reason = f"{value!r} is a partial date where a full date is needed"
    else:
        reason = f"{value!r} is not a valid date"
    return TransformError(BAD_DATE, reason)


def national_number(value: str) -> str:
    """The eleven digits of a Belgian national number that passes its check."""
    digits = value if value.isdigit() else normalize_national_number(value)
    if is_valid_national_number(digits):
        return digits
    try:  # the domain's parser says what is wrong
        return parse_national_number(value).digits
    except ValueError as error:
        raise TransformError(
            BAD_NATIONAL_NUMBER, f"{value!r} is not a valid Belgian national number: {error}"
        ) from None


def code_lookup(
    name: str, values: Mapping[str, Any], *, case_sensitive: bool
) -> Callable[[str], Any]:
    """A code list lookup; an unknown code is a `GW-MAP-CODE` problem."""
    table = dict(values) if case_sensitive else {key.upper(): v for key, v in values.items()}

    def lookup(value: str) -> Any:
        found = table.get(value if case_sensitive else value.upper())
        if found is None:
            raise TransformError(NOT_IN_CODE_LIST, f"{value!r} is not in the code list {name!r}")
        return found

    return lookup


def split_full_name(full: str, *, order: str, separator: str | None) -> tuple[str, str]:
    """(family, given) of a full name: at the separator, else by word order."""
    if separator and separator in full:
        family, _, given = full.partition(separator)
        return family.strip(), given.strip()
    words = full.split()
    if len(words) < 2:
        return full.strip(), ""
    if order == "family-first":
        return words[0], " ".join(words[1:])
    return words[-1], " ".join(words[:-1])


def name_value(
    family: str, given: str, family_original: str, given_original: str, *, upper_family: bool
) -> dict[str, str]:
    """A canonical `Name`: Latin forms (ICAO 9303) beside the original spelling, if different.

    The Latin form is the one given, or else the transliteration of the
    original; a non-ASCII "Latin" form is itself transliterated and kept as
    the original.
    """
    if family and not family.isascii() and not family_original:
        family, family_original = transliterate(family), family
    if given and not given.isascii() and not given_original:
        given, given_original = transliterate(given), given
    family = family or transliterate(family_original)
    given = given or transliterate(given_original)
    if upper_family:
        family = family.upper()
    if not family:
        raise TransformError(BAD_NAME, "the family name is empty once written in Latin letters")
    value = {"family": family}
    if given:
        value["given"] = given
    if family_original and family_original != family:
        value["family_original"] = family_original
    if given_original and given_original != given:
        value["given_original"] = given_original
    if "family_original" in value or "given_original" in value:
        script = script_of(family_original + given_original)
        if script:
            value["script"] = script
    return value


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    return "nothing" if value is None else type(value).__name__
