from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from gateway.domain import (
    Application,
    BiometricSet,
    CanonicalRecord,
    EurodacTransaction,
    Name,
    NationalIdentifiers,
    Operation,
    PartialDate,
    Person,
    ReferenceNumber,
    Regime,
    check_record,
)
from gateway.domain.eurodac import TransmissionDelay
from gateway.domain.eurodac_law import DelayGround, StatusKind
from gateway.domain.record import PlaceAndDate, StatusUpdate
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
    ("birth", "captured", "regime", "too_young"),
    [
        # 603/2013 Art 9(1): 14 years; no rule for a doubtful age: refused only when certain
        (PartialDate(year=2012, month=6, day=12), date(2026, 6, 11), Regime.EURODAC_2013, True),
        (PartialDate(year=2012, month=6, day=11), date(2026, 6, 11), Regime.EURODAC_2013, False),
        (PartialDate(year=2012), date(2026, 6, 11), Regime.EURODAC_2013, False),
        (PartialDate(year=2013), date(2026, 6, 11), Regime.EURODAC_2013, True),
        # 2024/1358 Art 15(1): 6 years; Art 14(1): a doubtful child is treated as under six
        (PartialDate(year=2020, month=6, day=12), date(2026, 6, 12), Regime.EURODAC_2024, False),
        (PartialDate(year=2020, month=6, day=13), date(2026, 6, 12), Regime.EURODAC_2024, True),
        (PartialDate(year=2020, month=5), date(2026, 6, 12), Regime.EURODAC_2024, False),
        (PartialDate(year=2020, month=6), date(2026, 6, 12), Regime.EURODAC_2024, True),
        (PartialDate(year=2020), date(2026, 9, 15), Regime.EURODAC_2024, True),
    ],
)
def test_minimum_age_on_the_day_of_capture(
    birth: PartialDate, captured: date, regime: Regime, too_young: bool
) -> None:
    """603/2013 Art 9(1); 2024/1358 Arts 14(1) and 15(1): the age on the day of capture."""
    problems = check_record(_record(birth, captured, regime), today=TODAY)
    assert {p.code for p in problems} <= {"GW-VAL-MINIMUM-AGE"}
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


def _transaction(record: CanonicalRecord, **changes: object) -> CanonicalRecord:
    assert record.transaction is not None
    return dataclasses.replace(
        record,
        transaction=dataclasses.replace(record.transaction, **changes),  # type: ignore[arg-type]
    )


def _codes(record: CanonicalRecord) -> list[tuple[str, str]]:
    return [(p.code, p.path) for p in check_record(record, today=TODAY)]


def test_a_603_2013_transaction_captured_on_12_june_2026_is_refused() -> None:
    """2024/1358 applies from 12 June 2026 (Art 63): data taken that day fall under it."""
    record = _record(PartialDate(year=1990), date(2026, 6, 12), Regime.EURODAC_2013)
    problems = check_record(record, today=TODAY)
    assert [(p.code, p.path) for p in problems] == [("GW-VAL-REGIME", "transaction.regime")]
    assert "2024/1358" in problems[0].message
    taken_before = _record(PartialDate(year=1990), date(2026, 6, 11), Regime.EURODAC_2013)
    assert check_record(taken_before, today=TODAY) == []


def test_an_enrolment_of_data_only_compared_is_refused() -> None:
    """603/2013 Art 17(1): category 3 data are compared, never recorded."""
    record = _record(PartialDate(year=1990), date(2026, 3, 10), Regime.EURODAC_2013, 3)
    enrolment = _transaction(record, operation=Operation.ENROL)
    assert _codes(enrolment) == [("GW-VAL-NOT-RECORDED", "transaction.operation")]


def test_category_7_names_its_point_of_article_18() -> None:
    """2024/1358 Art 18(1) and (2)(a) to (c) are kept differently (Art 29(2) to (4))."""
    record = _record(PartialDate(year=1990), date(2026, 9, 15), Regime.EURODAC_2024, 7)
    assert _codes(record) == [("GW-VAL-POINT", "transaction.point")]
    assert _codes(_transaction(record, point="18(1)")) == []  # a search: compared only
    registered = _transaction(record, point="18(1)", operation=Operation.ENROL)
    assert _codes(registered) == [("GW-VAL-NOT-RECORDED", "transaction.operation")]


@pytest.mark.parametrize(
    ("regime", "captured", "category", "operation", "reason", "code"),
    [
        # 603/2013 Art 18(1): only category 1 is marked
        (Regime.EURODAC_2013, date(2026, 3, 10), 2, Operation.MARK, None,
         "GW-VAL-MARK-CATEGORY"),
        # Art 18(3): protection withdrawn unmarks, it does not mark
        (Regime.EURODAC_2013, date(2026, 3, 10), 1, Operation.MARK, "protection-withdrawn",
         "GW-VAL-MARK-REASON"),
        # Art 13(1): category 1 erased in advance on citizenship only
        (Regime.EURODAC_2013, date(2026, 3, 10), 1, Operation.DELETE, "left-territory",
         "GW-VAL-ERASURE-REASON"),
        (Regime.EURODAC_2013, date(2026, 3, 10), 3, Operation.DELETE, None,
         "GW-VAL-ERASURE-CATEGORY"),
        # 2024/1358 Art 31(3): an unmark for a residence document does not lift protection
        (Regime.EURODAC_2024, date(2026, 9, 15), 1, Operation.UNMARK,
         "residence-document-withdrawn", "GW-VAL-UNMARK-REASON"),
        (Regime.EURODAC_2024, date(2026, 9, 15), 1, Operation.SEARCH, "protection-granted",
         "GW-VAL-REASON"),
        (Regime.EURODAC_2024, date(2026, 9, 15), 1, Operation.MARK, "whim", "GW-VAL-REASON"),
    ],
)  # fmt: skip
def test_marks_and_erasures_the_law_does_not_allow_are_refused(
    regime: Regime,
    captured: date,
    category: int,
    operation: Operation,
    reason: str | None,
    code: str,
) -> None:
    record = _record(PartialDate(year=1990), captured, regime, category)
    action = _transaction(record, operation=operation, reason=reason)
    assert [c for c, _ in _codes(action)] == [code]


def test_a_delay_the_category_has_no_extension_for_is_refused() -> None:
    """2024/1358 Art 15(2): health grounds name the day they ceased; 603/2013 category 3
    has no time limit to extend."""
    record = _record(PartialDate(year=1990), date(2026, 9, 15), Regime.EURODAC_2024)
    health = _transaction(record, delay=TransmissionDelay(ground=DelayGround.HEALTH))
    assert _codes(health) == [("GW-VAL-DELAY", "transaction.delay")]
    ceased = TransmissionDelay(ground=DelayGround.HEALTH, since=date(2026, 9, 20))
    assert _codes(_transaction(record, delay=ceased)) == []
    search = _record(PartialDate(year=1990), date(2026, 3, 10), Regime.EURODAC_2013, 3)
    technical = TransmissionDelay(ground=DelayGround.TECHNICAL)
    assert _codes(_transaction(search, delay=technical)) == [("GW-VAL-DELAY", "transaction.delay")]


def test_a_border_crossing_carries_the_place_and_date_of_the_apprehension() -> None:
    """603/2013 Art 14(2)(b); 2024/1358 Art 22(2)(g), Art 24(2)(g) for a disembarkation."""
    old = _transaction(
        _record(PartialDate(year=1990), date(2026, 3, 10), Regime.EURODAC_2013, 2),
        operation=Operation.ENROL,
    )
    assert _codes(old) == [("GW-VAL-EVENT-REQUIRED", "apprehension")]
    place = PlaceAndDate(place="Evros", on=date(2026, 3, 9))
    assert _codes(dataclasses.replace(old, apprehension=place)) == []
    rescued = _transaction(
        _record(PartialDate(year=1990), date(2026, 9, 15), Regime.EURODAC_2024, 9),
        operation=Operation.ENROL,
    )
    codes = [c for c in _codes(rescued) if c[0] != "GW-VAL-FACE-REQUIRED"]
    assert codes == [("GW-VAL-EVENT-REQUIRED", "disembarkation")]


def test_603_2013_records_no_security_flag_and_no_disembarkation() -> None:
    """603/2013 Arts 11 and 15 list what it records: neither is there."""
    record = _record(PartialDate(year=1990), date(2026, 3, 10), Regime.EURODAC_2013)
    flagged = dataclasses.replace(
        record,
        security_flag=True,
        disembarkation=PlaceAndDate(on=date(2026, 3, 9)),
    )
    assert set(_codes(flagged)) == {
        ("GW-VAL-NOT-IN-REGIME", "security_flag"),
        ("GW-VAL-NOT-IN-REGIME", "disembarkation"),
    }


@pytest.mark.parametrize(
    ("regime", "update", "path"),
    [
        # 2024/1358 Art 16(1): the member state responsible is named
        (Regime.EURODAC_2024, StatusUpdate(kind=StatusKind.MEMBER_STATE_RESPONSIBLE,
                                           on=date(2026, 10, 1)), "status.member_state"),
        # 603/2013 Art 10 has no such update
        (Regime.EURODAC_2013, StatusUpdate(kind=StatusKind.MEMBER_STATE_RESPONSIBLE,
                                           on=date(2026, 3, 20), member_state="NL"),
         "status.kind"),
        (Regime.EURODAC_2013, StatusUpdate(kind=StatusKind.REMOVED, on=date(2026, 3, 20),
                                           member_state="NL"), "status.member_state"),
    ],
)  # fmt: skip
def test_status_updates_the_regulation_does_not_provide_for_are_refused(
    regime: Regime, update: StatusUpdate, path: str
) -> None:
    captured = date(2026, 9, 15) if regime is Regime.EURODAC_2024 else date(2026, 3, 10)
    record = _transaction(
        _record(PartialDate(year=1990), captured, regime), operation=Operation.STATUS
    )
    assert _codes(dataclasses.replace(record, status=update)) == [("GW-VAL-STATUS", path)]
    lawful = StatusUpdate(kind=StatusKind.ARRIVED_AFTER_TRANSFER, on=date(2026, 10, 1))
    assert _codes(dataclasses.replace(record, status=lawful)) == []  # 603 Art 10(a); 2024 16(2)


def test_the_mappings_choose_the_regime_by_the_day_of_capture() -> None:
    """One rule for the regime (docs/law.md): registered on 11 June 2026, fingerprints taken
    on 12 June 2026 (2024/1358 applies from that day): the enrolment is made under it."""
    from gateway.mapping.source_readers import derive_enrolment  # noqa: PLC0415

    record = CanonicalRecord(
        person=Person(name=Name(family="X"), birth_date=PartialDate(year=1990)),
        application=Application(
            identifiers=NationalIdentifiers(io_file_number="9012345"),
            registered_on=date(2026, 6, 11),
        ),
        biometrics=BiometricSet(captured_on=date(2026, 6, 12)),
    )
    enrolment = derive_enrolment(record, "BE").transaction
    assert enrolment is not None
    assert enrolment.regime is Regime.EURODAC_2024
    without_capture = dataclasses.replace(record, biometrics=None)
    assert derive_enrolment(without_capture, "BE").transaction.regime is Regime.EURODAC_2013  # type: ignore[union-attr]
