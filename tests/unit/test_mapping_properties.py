"""Whatever a source record holds, mapping it reports problems and never crashes."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gateway.domain.serialization import decode_record, encode
from gateway.mapping import Mapping, load_source_mapping
from gateway.mapping.builder import to_json
from gateway.mapping.encoder import encode_record
from gateway.synthetic.exports.sources import actio_row, evibel_row
from gateway.synthetic.persons import make_person

MAPPINGS = Path(__file__).parents[2] / "mappings"
EVIBEL = load_source_mapping(MAPPINGS, "evibel", "json")
ACTIO = load_source_mapping(MAPPINGS, "actio", "json")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def replace_at(row: dict[str, Any], path: list[str], value: object) -> dict[str, Any]:
    """A copy of the row with the value at a (possibly nested) key replaced."""
    copy = dict(row)
    if len(path) == 1 or not isinstance(copy.get(path[0]), dict):
        copy[path[0]] = value
    else:
        copy[path[0]] = replace_at(copy[path[0]], path[1:], value)
    return copy


def keys_of(row: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[list[str]]:
    found = []
    for key, value in row.items():
        found.append([*prefix, key])
        if isinstance(value, dict):
            found += keys_of(value, (*prefix, key))
    return found


def check_never_crashes(mapping: Mapping, row: dict[str, Any]) -> None:
    tree, problems = mapping.tree(row)
    if not problems:  # the fast builder and the decoder agree on every tree
        assert mapping.map(row).record == decode_record(to_json(tree)).value
    result = mapping.map(row, today=date(2026, 11, 30))
    if result.record is None:
        assert result.problems
        assert all(p.code.startswith("GW-") for p in result.problems)
    else:
        assert result.problems == ()
        assert decode_record(encode(result.record)).value == result.record
        assert encode_record(result.record) == encode(result.record)


@settings(max_examples=150)
@given(st.integers(0, 10_000), st.data(), json_values)
def test_evibel_records_with_any_value_anywhere(
    index: int, data: st.DataObject, value: object
) -> None:
    row = evibel_row(make_person(1, index))
    path = data.draw(st.sampled_from(keys_of(row)))
    check_never_crashes(EVIBEL, replace_at(row, path, value))


@settings(max_examples=100)
@given(st.integers(0, 10_000), st.data(), json_values)
def test_actio_records_with_any_value_anywhere(
    index: int, data: st.DataObject, value: object
) -> None:
    person = make_person(2, index)
    assume(person.cgrs_number is not None)
    row = actio_row(person)
    path = data.draw(st.sampled_from(keys_of(row)))
    check_never_crashes(ACTIO, replace_at(row, path, value))


@settings(max_examples=100)
@given(st.dictionaries(st.text(max_size=12), json_values, max_size=6))
def test_arbitrary_objects(row: dict[str, Any]) -> None:
    check_never_crashes(EVIBEL, row)
