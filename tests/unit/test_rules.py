from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from gateway.domain import (
    BiometricSet,
    CanonicalRecord,
    EurodacTransaction,
    Name,
    Operation,
    PartialDate,
    Person,
    ReferenceNumber,
    Regime,
    check_record,
)
from gateway.domain.serialization import decode_record

TODAY = date(2026, 11, 24)


def _sample(folder: Path, name: str) -> CanonicalRecord:
    decoded = decode_record(json.loads((folder / name).read_text(encoding="utf-8")))
    assert decoded.value is not None, decoded.problems
    return decoded.value


def test_the_valid_samples_have_no_problem(canonical_samples: Path) -> None:
    for name in ("applicant-2026.json", "applicant-2025-partial-birth.json"):
        assert check_record(_sample(canonical_samples, name), today=TODAY) == []


def test_every_problem_is_reported_with_its_path(canonical_samples: Path) -> None:
    record = _sample(canonical_samples, "refused-minor-bad-codes.json")
    problems = check_record(record, today=TODAY)
    assert {(p.code, p.path) for p in problems} == {
        ("GW-VAL-MINIMUM-AGE", "person.birth_date"),
        ("GW-VAL-COUNTRY-CODE", "person.nationalities[1]"),
        ("GW-VAL-NATIONAL-NUMBER", "application.identifiers.national_number"),
    }


def _record(
    birth: PartialDate, captured: date, regime: Regime, category: int = 1
) -> CanonicalRecord:
    return CanonicalRecord(
        person=Person(name=Name(family="X"), birth_date=birth),
        biometrics=BiometricSet(captured_on=captured),
        transaction=EurodacTransaction(
            operation=Operation.SEARCH,
            regime=regime,
            category=category,
            reference=ReferenceNumber(member_state="BE", category=category, national_part="1"),
        ),
    )


@pytest.mark.parametrize(
    ("birth", "regime", "too_young"),
    [
        (PartialDate(year=2012, month=6, day=13), Regime.EURODAC_2013, True),
        (PartialDate(year=2012, month=6, day=12), Regime.EURODAC_2013, False),
        (PartialDate(year=2012), Regime.EURODAC_2013, False),  # may already be 14: benefit of doubt
        (PartialDate(year=2013), Regime.EURODAC_2013, True),
        (PartialDate(year=2020, month=6), Regime.EURODAC_2024, False),
        (PartialDate(year=2020, month=7), Regime.EURODAC_2024, True),
    ],
)
def test_minimum_age_on_the_day_of_capture(
    birth: PartialDate, regime: Regime, too_young: bool
) -> None:
    problems = check_record(_record(birth, date(2026, 6, 12), regime), today=TODAY)
    assert ("GW-VAL-MINIMUM-AGE" in {p.code for p in problems}) is too_young


def test_a_birth_after_the_capture_is_reported() -> None:
    problems = check_record(
        _record(PartialDate(year=2027), date(2026, 6, 12), Regime.EURODAC_2024), today=TODAY
    )
    assert [p.code for p in problems] == ["GW-VAL-BIRTH-AFTER-EVENT"]


def test_a_category_the_regime_does_not_have() -> None:
    record = _record(PartialDate(year=1990), date(2026, 1, 5), Regime.EURODAC_2013, category=9)
    assert [(p.code, p.path) for p in check_record(record, today=TODAY)] == [
        ("GW-VAL-CATEGORY", "transaction.category")
    ]


def test_the_reference_must_carry_the_category() -> None:
    record = _record(PartialDate(year=1990), date(2026, 7, 1), Regime.EURODAC_2024)
    assert record.transaction is not None
    wrong = dataclasses.replace(
        record.transaction,
        reference=ReferenceNumber(member_state="BE", category=2, national_part="1"),
    )
    problems = check_record(dataclasses.replace(record, transaction=wrong), today=TODAY)
    assert [p.code for p in problems] == ["GW-VAL-REFERENCE"]


def test_an_enrolment_under_the_new_regime_needs_a_face(canonical_samples: Path) -> None:
    record = _sample(canonical_samples, "applicant-2026.json")
    assert record.biometrics is not None
    without_face = dataclasses.replace(
        record, biometrics=dataclasses.replace(record.biometrics, face=None)
    )
    assert [(p.code, p.path) for p in check_record(without_face, today=TODAY)] == [
        ("GW-VAL-FACE-REQUIRED", "biometrics.face")
    ]


def test_fingers_twice_bad_quality_and_dates_out_of_order(canonical_samples: Path) -> None:
    record = _sample(canonical_samples, "applicant-2026.json")
    assert record.biometrics is not None
    assert record.application is not None
    fingers = record.biometrics.fingerprints
    bad_fingers = (fingers[0], dataclasses.replace(fingers[0], quality=101))
    record = dataclasses.replace(
        record,
        biometrics=dataclasses.replace(record.biometrics, fingerprints=bad_fingers),
        application=dataclasses.replace(record.application, lodged_on=date(2026, 9, 1)),
    )
    assert {(p.code, p.path) for p in check_record(record, today=TODAY)} == {
        ("GW-VAL-DATE-ORDER", "application.lodged_on"),
        ("GW-VAL-FINGER-TWICE", "biometrics.fingerprints[1].position"),
        ("GW-VAL-QUALITY", "biometrics.fingerprints[1].quality"),
    }
