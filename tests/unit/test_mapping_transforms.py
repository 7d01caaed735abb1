from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.dates import PartialDate
from gateway.domain.national_number import NumberKind, make_national_number, parse_national_number
from gateway.mapping.fastcheck import is_valid_national_number
from gateway.mapping.problems import TransformError
from gateway.mapping.transforms import (
    code_lookup,
    date_parser,
    name_value,
    national_number,
    split_full_name,
    text,
)
from gateway.mapping.transliteration import script_of, transliterate

BIRTH = date_parser(["dd/mm/yyyy", "yyyy-mm-dd", "yyyymmdd", "yyyy"], partial=True)
FULL = date_parser(["dd/mm/yyyy"], partial=False)


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ("12/03/1995", "1995-03-12"),
        ("1/3/1995", "1995-03-01"),
        ("00/00/1990", "1990"),
        ("00/05/2001", "2001-05"),
        ("1990", "1990"),
        ("1988-02-29", "1988-02-29"),
        ("19880000", "1988"),
        ("19880500", "1988-05"),
    ],
)
def test_dates_in_the_accepted_formats_become_partial_dates(source: str, canonical: str) -> None:
    assert BIRTH(source) == PartialDate.parse(canonical)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("31/02/1990", "does not exist"),
        ("29/02/1990", "does not exist"),
        ("12/13/1990", "no month 13"),
        ("12/00/1990", "day without a month"),
        ("00/00/0000", "no year"),
        ("1990/03/12", "not a date in the form"),
        ("12-03-90", "not a date in the form"),
    ],
)
def test_bad_dates_are_gw_map_date(source: str, reason: str) -> None:
    with pytest.raises(TransformError, match=reason) as caught:
        BIRTH(source)
    assert caught.value.code == "GW-MAP-DATE"


def test_a_full_date_is_needed_where_the_model_holds_a_date() -> None:
    assert FULL("02/07/2026") == date(2026, 7, 2)
    with pytest.raises(TransformError, match="partial date"):
        FULL("00/07/2026")


def test_a_date_format_without_a_year_is_refused() -> None:
    with pytest.raises(ValueError, match="yyyy"):
        date_parser(["dd/mm"], partial=True)


@given(st.text())
def test_date_parsing_never_crashes_on_arbitrary_text(source: str) -> None:
    try:
        result = BIRTH(source)
    except TransformError as error:
        code = error.code
    else:
        code = "parsed"
        assert PartialDate.parse(str(result)) == result  # a canonical partial date
    assert code in {"GW-MAP-DATE", "parsed"}


@pytest.mark.parametrize(
    ("original", "latin", "script"),
    [
        ("Müller", "Mueller", "Latn"),
        ("Ørsted-Łukasz", "Oersted-Lukasz", "Latn"),
        ("Yıldız", "Yildiz", "Latn"),
        ("Шевченко", "Shevchenko", "Cyrl"),
        ("Жанна", "Zhanna", "Cyrl"),
        ("ЩУКИН", "SHCHUKIN", "Cyrl"),
        ("Іванова", "Ivanova", "Cyrl"),
        ("محمد", "MXHMD", "Arab"),
        ("علي", "ELY", "Arab"),
        ("Jean Pierre", "Jean Pierre", "Latn"),
    ],
)
def test_icao_9303_transliteration(original: str, latin: str, script: str) -> None:
    assert transliterate(original) == latin
    assert script_of(original) == script


@given(st.text())
def test_transliteration_never_crashes_and_gives_plain_latin(name: str) -> None:
    latin = transliterate(name)
    assert latin.isascii()
    assert all(char.isalnum() or char in " -'" for char in latin)
    assert latin == latin.strip()


def test_a_name_keeps_its_original_spelling_beside_the_latin_form() -> None:
    assert name_value("Ivanova", "Olena", "Іванова", "Олена", upper_family=True) == {
        "family": "IVANOVA",
        "given": "Olena",
        "family_original": "Іванова",
        "given_original": "Олена",
        "script": "Cyrl",
    }
    assert name_value("", "", "Шевченко", "", upper_family=False) == {
        "family": "Shevchenko",
        "family_original": "Шевченко",
        "script": "Cyrl",
    }
    assert name_value("Dupont", "Marie", "", "", upper_family=False) == {
        "family": "Dupont",
        "given": "Marie",
    }


def test_a_name_with_nothing_latin_left_is_gw_map_name() -> None:
    with pytest.raises(TransformError) as caught:
        name_value("☃", "", "", "", upper_family=False)
    assert caught.value.code == "GW-MAP-NAME"


@pytest.mark.parametrize(
    ("full", "order", "expected"),
    [
        ("AL-HASSAN, Mohammed Ali", "given-first", ("AL-HASSAN", "Mohammed Ali")),
        ("KARIMI Ahmad", "family-first", ("KARIMI", "Ahmad")),
        ("Ahmad Reza KARIMI", "given-first", ("KARIMI", "Ahmad Reza")),
        ("MADONNA", "given-first", ("MADONNA", "")),
    ],
)
def test_full_names_are_split(full: str, order: str, expected: tuple[str, str]) -> None:
    assert split_full_name(full, order=order, separator=",") == expected


def test_national_numbers_are_checked_and_normalised() -> None:
    assert national_number("88.40.00-057.34") == "88400005734"
    with pytest.raises(TransformError, match="check digits") as caught:
        national_number("88.40.00-057.35")
    assert caught.value.code == "GW-MAP-NATIONAL-NUMBER"


def test_code_lists_are_case_insensitive_unless_told() -> None:
    lookup = code_lookup("sex", {"V": "F", "M": "M"}, case_sensitive=False)
    assert lookup("v") == "F"
    strict = code_lookup("sex", {"V": "F"}, case_sensitive=True)
    with pytest.raises(TransformError, match="not in the code list 'sex'") as caught:
        strict("v")
    assert caught.value.code == "GW-MAP-CODE"


def test_text_refuses_objects() -> None:
    assert text("  x ") == "x"
    assert text(12) == "12"
    with pytest.raises(TransformError, match="an object") as caught:
        text({"a": 1})
    assert caught.value.code == "GW-MAP-TYPE"


def domain_accepts(digits: str) -> bool:
    try:
        parse_national_number(digits)
    except ValueError:
        return False
    return True


@given(st.from_regex(r"\A[0-9]{11}\Z"))
def test_the_fast_national_number_check_agrees_with_the_domain_parser(digits: str) -> None:
    assert is_valid_national_number(digits) == domain_accepts(digits)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["day", "month", "none"]),
    st.integers(0, 999),
    st.sampled_from(list(NumberKind)),
)
def test_the_fast_check_accepts_every_valid_number(
    born: date, unknown: str, serial: int, kind: NumberKind
) -> None:
    birth = PartialDate(
        year=born.year,
        month=None if unknown == "month" else born.month,
        day=None if unknown in ("day", "month") else born.day,
    )
    digits = make_national_number(birth, serial, kind)
    assert is_valid_national_number(digits)
    assert national_number(digits) == digits
