"""Fragments from several sources merge into one record; conflicts are reported, not resolved."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from gateway.domain.serialization import encode
from gateway.mapping import load_source_mapping
from gateway.mapping.encoder import encode_record
from gateway.mapping.merge import Fragment, merge, merge_person

MAPPINGS = Path(__file__).parents[2] / "mappings"
TODAY = date(2026, 7, 10)


def fragments_of(source: str, fmt: str, sample: str) -> list[Fragment]:
    mapping = load_source_mapping(MAPPINGS, source, fmt)
    out = []
    with (MAPPINGS / "samples" / sample).open(encoding="utf-8") as stream:
        for row in mapping.read(stream):
            result = mapping.map(row.data)
            assert result.record is not None
            out.append(Fragment.of(source, result.record))
    return out


def printrak(io_number: str) -> Fragment:
    """What a Printrak capture gives: identifiers and biometrics, no name."""
    return Fragment(
        source="printrak",
        data={
            "application": {"identifiers": {"io_file_number": io_number}},
            "biometrics": {
                "captured_on": "2025-11-04",
                "fingerprints": [
                    {"position": 1, "impression": 1, "quality": 80,
                     "image": base64.b64encode(b"wsq").decode()},
                ],
            },
        },
    )  # fmt: skip


def test_evibel_printrak_and_the_waiting_register_become_one_record() -> None:
    evibel = fragments_of("evibel", "json", "evibel/applications.json")
    register = fragments_of("waiting-register", "csv", "waiting-register/extract.csv")
    results = merge([evibel[0], printrak("9612004"), register[0]], today=TODAY)
    assert len(results) == 1
    (result,) = results
    assert result.problems == ()
    assert result.sources == ("evibel", "printrak", "waiting-register")
    record = result.record
    assert record is not None
    assert record.biometrics is not None
    assert record.biometrics.fingerprints[0].image == b"wsq"
    assert record.person.name.family_original == "Іванова"  # from Evibel only
    assert record.person.birth_place == "Kharkiv"
    assert record.application is not None
    assert record.application.identifiers.national_number == "88400005734"
    assert encode_record(record) == encode(record)  # the fast encoder, biometrics included


def test_fragments_join_through_a_third_that_holds_both_numbers() -> None:
    by_io = Fragment(
        source="evibel", data={"application": {"identifiers": {"io_file_number": "1"}}}
    )
    by_nn = Fragment(
        source="waiting-register",
        data={
            "person": {"name": {"family": "A"}},
            "application": {"identifiers": {"national_number": "88400005734"}},
        },
    )
    both = Fragment(
        source="actio",
        data={
            "application": {
                "identifiers": {"io_file_number": "1", "national_number": "88.40.00-057.34"}
            }
        },
    )
    other = Fragment(
        source="evibel", data={"application": {"identifiers": {"io_file_number": "2"}}}
    )
    results = merge([by_io, by_nn, other, both])
    assert [r.sources for r in results] == [("evibel", "waiting-register", "actio"), ("evibel",)]


def person(source: str, birth: str, **extra: Any) -> Fragment:
    data = {
        "person": {"name": {"family": "IVANOVA"}, "birth_date": birth, **extra},
        "application": {"identifiers": {"io_file_number": "9612004"}},
    }
    return Fragment(source=source, data=data)


def test_a_different_date_of_birth_is_a_conflict_naming_both_sources() -> None:
    result = merge_person([person("evibel", "1988"), person("waiting-register", "1989-04")])
    assert result.record is None
    (problem,) = result.problems
    assert (problem.code, problem.path, problem.source) == (
        "GW-MAP-CONFLICT",
        "person.birth_date",
        "evibel, waiting-register",
    )
    assert "evibel says '1988'" in problem.message
    assert "waiting-register says '1989-04'" in problem.message


def test_a_partial_date_is_refined_by_an_agreeing_precise_one() -> None:
    result = merge_person([person("evibel", "1988"), person("waiting-register", "1988-04-12")])
    assert result.record is not None
    assert str(result.record.person.birth_date) == "1988-04-12"


@pytest.mark.parametrize(
    ("first", "second", "united"),
    [
        ({"nationalities": ["UKR"]}, {"nationalities": ["RUS", "UKR"]}, ["UKR", "RUS"]),
        ({}, {"nationalities": ["UKR"]}, ["UKR"]),
    ],
)
def test_nationalities_are_united(
    first: dict[str, Any], second: dict[str, Any], united: list[str]
) -> None:
    result = merge_person([person("evibel", "1988", **first), person("actio", "1988", **second)])
    assert result.record is not None
    assert list(result.record.person.nationalities) == united


def test_every_conflict_is_reported() -> None:
    result = merge_person(
        [person("evibel", "1988", sex="F", birth_place="Kharkiv"),
         person("waiting-register", "1987", sex="M", birth_place="Kharkiv")]
    )  # fmt: skip
    assert [(p.code, p.path) for p in result.problems] == [
        ("GW-MAP-CONFLICT", "person.birth_date"),
        ("GW-MAP-CONFLICT", "person.sex"),
    ]
    assert result.merged is not None
    assert result.merged["person"]["birth_place"] == "Kharkiv"


def test_a_fragment_without_a_join_key_is_gw_map_join() -> None:
    (result,) = merge([Fragment(source="printrak", data={"biometrics": {}})])
    assert [(p.code, p.path) for p in result.problems] == [
        ("GW-MAP-JOIN", "application.identifiers")
    ]


def test_the_merged_record_still_meets_the_domain_rules() -> None:
    young = person("evibel", "2022")
    result = merge_person([young], today=TODAY)
    assert [(p.code, p.path) for p in result.problems] == [
        ("GW-VAL-MINIMUM-AGE", "person.birth_date")
    ]
