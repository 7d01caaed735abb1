"""JSON from outside is sized and its nesting measured, outside strings, before `json` reads
it: a million `[` is a GW-JSON-TOO-DEEP refusal, not a RecursionError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import InputError
from gateway.validation.json_parsing import MAX_JSON_DEPTH, json_depth, parse_json

VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\n'),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=20,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(VALUES)
def test_the_scan_measures_what_the_decoder_would_nest(value: Any) -> None:
    # Strings full of brackets, quotes and backslashes do not count.
    text = json.dumps(value)
    assert json_depth(text) == _depth(value)
    assert json_depth(json.dumps(value, ensure_ascii=False, indent=1)) == _depth(value)


@pytest.mark.parametrize(
    "document",
    [
        b"[" * 1_000_000 + b"]" * 1_000_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
        b"[" * 1_000_000,  # not even closed
        b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1),
        ("[" * 100 + "]" * 100).encode("utf-16"),  # json also reads UTF-16
        b'[[],[[]],"]]]",' + b"[" * 70 + b"]" * 70 + b"]",
    ],
)
def test_deep_documents_are_refused_before_decoding(document: bytes) -> None:
    with pytest.raises(InputError) as caught:
        parse_json(document, path="body")
    assert (caught.value.code, caught.value.path) == ("GW-JSON-TOO-DEEP", "body")


def test_a_document_at_the_limit_is_read() -> None:
    value: Any = []
    for _ in range(MAX_JSON_DEPTH - 1):
        value = [value]
    assert _depth(value) == MAX_JSON_DEPTH
    assert parse_json(json.dumps(value).encode()) == value


def test_escaped_quotes_do_not_hide_brackets() -> None:
    # The quote after \\ closes the string; the brackets after it are outside.
    assert json_depth('["a\\\\", [[[]]]]') == 4
    # An escaped quote does not close it; these brackets are inside.
    assert json_depth('["a\\"[[[", 1]') == 1
    # An unterminated string runs to the end.
    assert json_depth('["' + "\\" * 1001 + "[[[[") == 1


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (b'{"a": 1', "GW-IN-JSON"),
        (b"1" * 5000, "GW-IN-JSON"),  # more digits than int() converts
        (b"\xff\xfe\xfd", "GW-IN-JSON"),
        (b'{"a": "x"}' * 3, "GW-IN-JSON"),
    ],
)
def test_what_json_refuses_is_an_input_error(document: bytes, code: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_json(document)
    assert caught.value.code == code


def test_a_nul_character_in_a_string_is_refused_an_escaped_backslash_before_u0000_is_not() -> None:
    # PostgreSQL refuses U+0000 in text (a 500 at the store), XML cannot hold it either.
    with pytest.raises(InputError, match="NUL"):
        parse_json(b'{"hit_id": "h\\u0000"}')
    with pytest.raises(InputError, match="NUL"):
        parse_json(b'["\\\\\\u0000"]')  # an escaped backslash, then the escape
    assert parse_json(b'["\\\\u0000"]') == ["\\u0000"]  # a backslash and the text u0000


def test_a_document_over_its_size_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_json(b'{"a": "' + b"x" * 100 + b'"}', max_bytes=100)
    assert caught.value.code == "GW-JSON-TOO-LARGE"
