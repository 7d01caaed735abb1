from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from gateway.domain import Name, PartialDate, Person, Sex
from gateway.domain.serialization import decode, decode_record, encode


def test_samples_round_trip(canonical_samples: Path) -> None:
    for file in canonical_samples.glob("*.json"):
        data = json.loads(file.read_text(encoding="utf-8"))
        decoded = decode_record(data)
        assert decoded.value is not None, (file, decoded.problems)
        assert encode(decoded.value) == data


def test_structural_problems_are_all_reported_with_paths() -> None:
    decoded = decode_record(
        {
            "person": {
                "name": {"given": "Ana"},
                "sex": "female",
                "birth_date": "1990-02-30",
                "nationalities": "BEL",
                "eye_colour": "brown",
            },
            "biometrics": {"captured_on": "yesterday", "fingerprints": [{"position": 11}]},
        }
    )
    assert decoded.value is None
    assert {(p.code, p.path) for p in decoded.problems} == {
        ("GW-VAL-UNKNOWN-FIELD", "person.eye_colour"),
        ("GW-VAL-REQUIRED", "person.name.family"),
        ("GW-VAL-ENUM", "person.sex"),
        ("GW-VAL-FORMAT", "person.birth_date"),
        ("GW-VAL-TYPE", "person.nationalities"),
        ("GW-VAL-FORMAT", "biometrics.captured_on"),
        ("GW-VAL-ENUM", "biometrics.fingerprints[0].position"),
        ("GW-VAL-REQUIRED", "biometrics.fingerprints[0].impression"),
        ("GW-VAL-REQUIRED", "biometrics.fingerprints[0].quality"),
    }


def test_a_record_must_be_an_object() -> None:
    decoded = decode_record([])
    assert [(p.code, p.path) for p in decoded.problems] == [("GW-VAL-TYPE", "")]


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)


@given(
    family=names,
    given_name=names,
    original=st.none() | names,
    sex=st.sampled_from(list(Sex)),
    year=st.none() | st.integers(1900, 2030),
    nationalities=st.lists(st.sampled_from(["BEL", "SYR", "AFG", "XXA"]), max_size=3),
)
def test_a_person_survives_json(
    family: str,
    given_name: str,
    original: str | None,
    sex: Sex,
    year: int | None,
    nationalities: list[str],
) -> None:
    person = Person(
        name=Name(family=family, given=given_name, family_original=original),
        sex=sex,
        birth_date=None if year is None else PartialDate(year=year),
        nationalities=tuple(nationalities),
    )
    data = json.loads(json.dumps(encode(person)))
    assert decode(Person, data).value == person
