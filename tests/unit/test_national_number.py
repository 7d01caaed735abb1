from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import partial_dates

from gateway.domain.dates import PartialDate
from gateway.domain.national_number import (
    NumberKind,
    check_digits,
    make_national_number,
    parse_national_number,
)


def test_a_number_from_the_last_century() -> None:
    number = parse_national_number("90.05.17-033.24")
    assert number.digits == "90051703324"
    assert number.birth == PartialDate(year=1990, month=5, day=17)
    assert number.kind is NumberKind.NATIONAL_REGISTER
    assert number.sex_hint == "M"
    assert str(number) == "90.05.17-033.24"


def test_births_from_2000_prefix_a_two_before_the_modulus() -> None:
    assert check_digits("030201124", born_2000_or_later=True) == 97 - 2030201124 % 97
    number = parse_national_number("03020112449")
    assert number.birth == PartialDate(year=2003, month=2, day=1)
    assert number.sex_hint == "F"


def test_the_same_digits_without_the_prefix_are_refused() -> None:
    wrong = "030201124" + f"{check_digits('030201124', born_2000_or_later=False):02d}"
    assert parse_national_number(wrong).birth.year == 1903


@pytest.mark.parametrize(
    ("kind", "month_digits"),
    [(NumberKind.BIS_SEX_UNKNOWN, "25"), (NumberKind.BIS_SEX_KNOWN, "45")],
)
def test_bis_numbers_add_20_or_40_to_the_month(kind: NumberKind, month_digits: str) -> None:
    digits = make_national_number(PartialDate(year=1985, month=5, day=9), 12, kind)
    assert digits[2:4] == month_digits
    number = parse_national_number(digits)
    assert number.kind is kind
    assert number.birth == PartialDate(year=1985, month=5, day=9)


def test_a_bis_number_with_the_sex_unknown_gives_no_sex() -> None:
    digits = make_national_number(
        PartialDate(year=1985, month=5, day=9), 13, NumberKind.BIS_SEX_UNKNOWN
    )
    assert parse_national_number(digits).sex_hint is None


def test_an_unknown_birth_month_and_day_are_zero() -> None:
    digits = make_national_number(PartialDate(year=1988), 57, NumberKind.BIS_SEX_KNOWN)
    assert digits.startswith("884000")
    assert parse_national_number(digits).birth == PartialDate(year=1988)


def _with_check_digits(first_nine: str) -> str:
    return first_nine + f"{check_digits(first_nine, born_2000_or_later=False):02d}"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9005170332", "11 digits"),
        ("9005170332X", "11 digits"),
        ("90051703325", "check digits"),
        (_with_check_digits("901301001"), "not a month"),
        (_with_check_digits("900230001"), "does not exist"),
        (_with_check_digits("900015033"), "without a month"),
    ],
)
def test_bad_numbers_say_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_national_number(text)


births = partial_dates()


@given(birth=births, serial=st.integers(0, 999), kind=st.sampled_from(list(NumberKind)))
def test_every_number_made_parses_back(birth: PartialDate, serial: int, kind: NumberKind) -> None:
    number = parse_national_number(make_national_number(birth, serial, kind))
    assert number.birth == birth
    assert number.serial == serial
    assert number.kind is kind


@given(birth=births, serial=st.integers(0, 999), wrong=st.integers(1, 96))
def test_wrong_check_digits_are_refused(birth: PartialDate, serial: int, wrong: int) -> None:
    digits = make_national_number(birth, serial)
    other_century = check_digits(digits[:9], born_2000_or_later=birth.year < 2000)
    altered = (int(digits[9:]) - 1 + wrong) % 97 + 1
    if altered == other_century:
        return  # that one is valid for the other century, by construction
    with pytest.raises(ValueError, match="check digits"):
        parse_national_number(digits[:9] + f"{altered:02d}")
