"""Query parameters are parsed strictly: ASCII digits, bounded ranges, known words, short
texts, times with offsets; anything else is an InputError with the parameter's name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import MultiDict

from gateway.adapters.web.params import Choice, Flag, Number, Text, Time
from gateway.errors import InputError

WITHIN = Number(name="within", maximum=3660, code="GW-DL-WITHIN")
PAGE = Number(name="offset", maximum=1000, clamp=True)
COLOUR = Choice(name="colour", choices={"red": 1, "blue": 2})
PEER = Text(name="peer", max_length=10)
SINCE = Time(name="since")
OPEN = Flag(name="open")


def _refusal(parameter: object, text: str) -> InputError:
    with pytest.raises(InputError) as caught:
        parameter.parse(text)  # type: ignore[attr-defined]
    return caught.value


@pytest.mark.parametrize(
    "text",
    [
        "²",  # superscript two: str.isdigit() says yes, int() refuses
        "١٢",  # Arabic-Indic digits: int() reads them as 12
        "\N{MATHEMATICAL BOLD DIGIT NINE}",
        "\N{FULLWIDTH DIGIT ONE}",
        "10^20",
        "100000000000000000000",  # 10**20: out of range, never a timedelta
        "9" * 5000,  # int() would refuse it (more than 4300 digits)
        "-1",
        "+1",
        " 1",
        "1 ",
        "1_000",
        "0x10",
        "1e3",
        "NaN",
        "3661",
    ],
)
def test_a_number_is_ascii_digits_within_its_range(text: str) -> None:
    refusal = _refusal(WITHIN, text)
    assert (refusal.code, refusal.path) == ("GW-DL-WITHIN", "within")


def test_numbers_in_range_are_read() -> None:
    assert [WITHIN.parse(text) for text in ("0", "007", "3660")] == [0, 7, 3660]


def test_a_clamped_number_reads_a_huge_one_as_its_maximum_but_still_refuses_other_digits() -> None:
    assert PAGE.parse("93202328569842916917248") == 1000
    assert PAGE.parse("1000") == 1000
    assert _refusal(PAGE, "²").path == "offset"


@given(st.text(max_size=30))
def test_a_number_never_fails_other_than_with_its_refusal(text: str) -> None:
    acceptable = text.isascii() and text.isdigit() and int(text) <= 3660
    if acceptable:
        assert WITHIN.parse(text) == int(text)
    else:
        refusal = _refusal(WITHIN, text)
        assert (refusal.code, refusal.path) == ("GW-DL-WITHIN", "within")


def test_choices_texts_flags() -> None:
    assert COLOUR.parse("blue") == 2
    assert _refusal(COLOUR, "BLUE").message == "colour is one of red, blue"
    assert PEER.parse("EU:eurodac") == "EU:eurodac"
    assert _refusal(PEER, "x" * 11).path == "peer"
    assert _refusal(PEER, "EU\x00").message == "peer holds a control character"
    assert [OPEN.parse(text) for text in ("true", "YES", "0")] == [True, True, False]
    assert _refusal(OPEN, "maybe").path == "open"


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2026-03-02T10:00:00",  # no offset
        "\N{FULLWIDTH DIGIT TWO}026-03-02T10:00:00Z",  # fromisoformat would take it
        "0001-01-01T00:00:00+01:00",  # before the first instant a UTC datetime holds
        "9999-12-31T23:59:59-01:00",  # after the last
        "2026-03-02T10:00:00Z" + " " * 100,
    ],
)
def test_a_time_has_its_offset_and_fits_in_utc(text: str) -> None:
    assert _refusal(SINCE, text).path == "since"


def test_a_time_is_read() -> None:
    assert SINCE.parse("2026-03-02T10:00:00Z") == datetime(2026, 3, 2, 10, tzinfo=UTC)


def test_a_parameter_is_given_once_and_empty_is_none() -> None:
    assert WITHIN.parsed(MultiDict({"within": ""})) is None
    assert WITHIN.parsed(MultiDict()) is None
    with pytest.raises(InputError, match="more than once"):
        WITHIN.parsed(MultiDict([("within", "1"), ("within", "2")]))


def test_the_description_of_each_kind() -> None:
    assert WITHIN.openapi() == {
        "name": "within",
        "in": "query",
        "schema": {"type": "integer", "minimum": 0, "maximum": 3660},
    }
    assert COLOUR.schema() == {"type": "string", "enum": ["red", "blue"]}
    assert SINCE.schema()["format"] == "date-time"
    assert PEER.schema()["maxLength"] == 10
