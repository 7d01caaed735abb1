"""The simulated Central System's rules: comparisons, retention, minimum age, the 72 hours."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from gateway.domain.biometrics import BiometricSet, FingerPosition, Fingerprint, ImpressionType
from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import (
    EurodacTransaction,
    Operation,
    ReferenceNumber,
    Regime,
)
from gateway.domain.replies import EurodacErrorCode
from gateway.domain.requests import DeletionReason, EurodacDataAction, MarkReason
from gateway.errors import InputError
from gateway.messages.examples import example_record
from gateway.synthetic import biometric_set
from simulators.eurodac import rules
from simulators.eurodac.matcher import ImageCorrelationMatcher, SyntheticMatcher

OLD, NEW = Regime.EURODAC_2013, Regime.EURODAC_2024


@pytest.mark.parametrize(
    ("regime", "category", "against"),
    [
        (OLD, 1, {1, 2}),  # applicants against applicants and border crossers
        (OLD, 2, set()),  # border crossers are stored, not searched
        (OLD, 3, {1}),  # illegal stay: compared with applicants only
        (NEW, 1, {0, 1, 2, 3, 7, 8, 9}),
        (NEW, 4, {0, 1, 2, 3, 7, 8, 9}),  # law enforcement searches every stored set
    ],
)
def test_which_category_is_compared_against_which(
    regime: Regime, category: int, against: set[int]
) -> None:
    assert rules.compared_categories(regime, category) == against


def test_only_some_categories_are_stored() -> None:
    assert rules.is_stored(OLD, 1)
    assert not rules.is_stored(OLD, 3)
    assert rules.is_stored(NEW, 3)  # 2024/1358 stores illegally staying persons
    assert not rules.is_stored(NEW, 4)


@pytest.mark.parametrize(
    ("regime", "category", "captured", "expires"),
    [
        (OLD, 1, date(2016, 3, 10), date(2026, 3, 10)),  # 10 years
        (OLD, 2, date(2025, 1, 31), date(2026, 7, 31)),  # 18 months
        (NEW, 2, date(2026, 7, 1), date(2031, 7, 1)),  # 5 years
        (NEW, 0, date(2029, 7, 1), date(2030, 7, 1)),  # 1 year
        (NEW, 1, date(2028, 2, 29), date(2038, 2, 28)),  # no 29 February in 2038
    ],
)
def test_retention_runs_from_the_capture(
    regime: Regime, category: int, captured: date, expires: date
) -> None:
    assert rules.expires_on(regime, category, captured) == expires


def test_data_not_stored_never_expire_because_they_never_exist() -> None:
    assert rules.expires_on(OLD, 3, date(2025, 1, 1)) is None


def test_expired_deleted_or_other_category_data_do_not_take_part() -> None:
    stored = rules.StoredSummary(
        reference="NL1X", member_state="NL", category=1, expires_on=date(2026, 3, 10)
    )
    assert rules.eligible(stored, categories=frozenset({1}), on=date(2026, 3, 9))
    assert not rules.eligible(stored, categories=frozenset({1}), on=date(2026, 3, 10))
    assert not rules.eligible(stored, categories=frozenset({2}), on=date(2026, 3, 9))
    erased = dataclasses.replace(stored, deleted=True)
    assert not rules.eligible(erased, categories=frozenset({1}), on=date(2026, 3, 9))


@pytest.mark.parametrize(
    ("regime", "category", "sent", "late"),
    [
        (NEW, 1, datetime(2026, 9, 19, 0, 0, tzinfo=UTC), False),  # end of day + 72 h exactly
        (NEW, 1, datetime(2026, 9, 19, 0, 1, tzinfo=UTC), True),
        (NEW, 4, datetime(2026, 10, 30, tzinfo=UTC), False),  # searches have no limit
        (OLD, 3, datetime(2026, 10, 30, tzinfo=UTC), False),  # nor does 603/2013 category 3
        (OLD, 2, datetime(2026, 9, 25, tzinfo=UTC), True),
    ],
)
def test_the_72_hour_limit_is_counted_from_the_end_of_the_day_of_capture(
    regime: Regime, category: int, sent: datetime, late: bool
) -> None:
    assert rules.is_late(regime, category, date(2026, 9, 15), sent) is late


def _capture(regime: Regime, **changes: object) -> object:
    record = example_record(regime)
    return dataclasses.replace(record, **changes)


ON = date(2026, 9, 16)


def _check(record: object, sender: str = "BE", on: date = ON) -> EurodacErrorCode | None:
    refusal = rules.check_capture(record, sender_state=sender, min_quality=20, on=on)  # type: ignore[arg-type]
    return None if refusal is None else refusal.code


def _with_birth(regime: Regime, birth: PartialDate) -> object:
    record = example_record(regime)
    return dataclasses.replace(record, person=dataclasses.replace(record.person, birth_date=birth))


def test_a_good_capture_passes() -> None:
    assert _check(example_record(NEW)) is None


def test_the_minimum_age_is_6_under_the_new_regime() -> None:
    # captured 2026-09-15: a child born 2020-09-16 is 5, one born 2020-09-15 is 6
    assert _check(_with_birth(NEW, PartialDate(year=2020, month=9, day=16))) == (
        EurodacErrorCode.MINIMUM_AGE
    )
    assert _check(_with_birth(NEW, PartialDate(year=2020, month=9, day=15))) is None
    # only the year known: refused only when even 1 January makes the person too young
    assert _check(_with_birth(NEW, PartialDate(year=2020))) is None
    assert _check(_with_birth(NEW, PartialDate(year=2021))) == EurodacErrorCode.MINIMUM_AGE


def test_a_reference_of_another_state_is_not_authorised() -> None:
    assert _check(example_record(NEW), sender="FR") == EurodacErrorCode.NOT_AUTHORISED


def test_a_category_not_yet_in_force_is_refused() -> None:
    record = example_record(NEW)
    assert record.transaction is not None
    transaction = dataclasses.replace(
        record.transaction,
        category=0,
        reference=ReferenceNumber(member_state="BE", category=0, national_part="T1"),
    )
    refused = dataclasses.replace(record, transaction=transaction)
    assert _check(refused) == EurodacErrorCode.CATEGORY_NOT_ALLOWED
    assert _check(refused, on=date(2029, 6, 12)) is None


def test_the_new_regime_needs_a_face_and_the_main_data() -> None:
    record = example_record(NEW)
    assert record.biometrics is not None
    no_face = dataclasses.replace(record.biometrics, face=None)
    assert _check(dataclasses.replace(record, biometrics=no_face)) == (
        EurodacErrorCode.FACIAL_IMAGE_QUALITY
    )
    stateless = dataclasses.replace(record.person, nationalities=())
    assert _check(dataclasses.replace(record, person=stateless)) == EurodacErrorCode.INVALID_MESSAGE
    assert _check(dataclasses.replace(example_record(OLD), biometrics=dataclasses.replace(
        example_record(OLD).biometrics, face=None))) is None  # fmt: skip


def test_poor_fingers_and_missing_images_are_refused() -> None:
    record = example_record(NEW)
    assert record.biometrics is not None
    poor = tuple(
        dataclasses.replace(finger, quality=10) if finger.position == 4 else finger
        for finger in record.biometrics.fingerprints
    )
    refused = dataclasses.replace(
        record, biometrics=dataclasses.replace(record.biometrics, fingerprints=poor)
    )
    assert _check(refused) == EurodacErrorCode.FINGERPRINT_QUALITY
    blank = BiometricSet(captured_on=date(2026, 9, 15))
    assert _check(dataclasses.replace(record, biometrics=blank)) == EurodacErrorCode.INVALID_MESSAGE


def _action(operation: Operation, reason: MarkReason | DeletionReason) -> EurodacDataAction:
    reference = ReferenceNumber(member_state="BE", category=1, national_part="M1")
    transaction = EurodacTransaction(
        operation=operation, regime=OLD, category=1, reference=reference
    )
    return EurodacDataAction(transaction=transaction, reason=reason)


def test_only_the_state_of_origin_changes_existing_data() -> None:
    stored = rules.StoredSummary(
        reference="BE1M1", member_state="BE", category=1, expires_on=date(2030, 1, 1)
    )
    mark = _action(Operation.MARK, MarkReason.PROTECTION_GRANTED)
    assert rules.check_action(mark, sender_state="BE", stored=stored, on=ON) is None
    refusal = rules.check_action(mark, sender_state="NL", stored=stored, on=ON)
    assert refusal is not None
    assert refusal.code is EurodacErrorCode.NOT_AUTHORISED
    unknown = rules.check_action(mark, sender_state="BE", stored=None, on=ON)
    assert unknown is not None
    assert unknown.code is EurodacErrorCode.UNKNOWN_REFERENCE
    unmark = _action(Operation.UNMARK, MarkReason.PROTECTION_WITHDRAWN)
    not_marked = rules.check_action(unmark, sender_state="BE", stored=stored, on=ON)
    assert not_marked is not None
    assert not_marked.code is EurodacErrorCode.INVALID_MESSAGE
    residence = _action(Operation.MARK, MarkReason.RESIDENCE_DOCUMENT)
    old_regime = rules.check_action(residence, sender_state="BE", stored=stored, on=ON)
    assert old_regime is not None  # 603/2013 marks only for protection granted or withdrawn


def _fingers(*images: bytes) -> BiometricSet:
    return BiometricSet(
        captured_on=ON,
        fingerprints=tuple(
            Fingerprint(
                position=FingerPosition(index + 1),
                impression=ImpressionType.LIVE_SCAN_PLAIN,
                quality=60,
                image=image,
            )
            for index, image in enumerate(images)
        ),
    )


def test_the_matcher_scores_same_captures_high_and_different_ones_low() -> None:
    import random  # noqa: PLC0415

    source = random.Random(1)  # noqa: S311
    one, two = source.randbytes(4096), source.randbytes(4096)
    noisy = bytearray(one)
    for index in range(0, len(noisy), 25):  # 4 % of the bytes changed
        noisy[index] = source.randrange(256)
    matcher = ImageCorrelationMatcher()
    assert matcher.score(_fingers(one), _fingers(one)) == 1.0
    assert matcher.score(_fingers(one), _fingers(bytes(noisy))) > 0.9
    assert matcher.score(_fingers(one), _fingers(two)) < 0.5
    assert matcher.score(_fingers(one), BiometricSet(captured_on=ON)) == 0.0


def test_the_regime_follows_the_day_the_data_were_taken() -> None:
    record = example_record(OLD)  # taken 2026-03-10, under 603/2013
    assert record.transaction is not None
    assert record.biometrics is not None
    relabelled = dataclasses.replace(
        record, transaction=dataclasses.replace(record.transaction, regime=NEW)
    )
    assert _check(relabelled) == EurodacErrorCode.INVALID_MESSAGE
    taken_later = dataclasses.replace(
        record, biometrics=dataclasses.replace(record.biometrics, captured_on=date(2026, 6, 12))
    )
    assert _check(taken_later) == EurodacErrorCode.INVALID_MESSAGE


def test_the_synthetic_matcher_finds_the_same_person_in_another_capture() -> None:
    matcher = SyntheticMatcher()
    stored = [
        ("NL1A", biometric_set(1, 0, NEW)),
        ("NL1B", biometric_set(2, 0, NEW)),
        ("NL1C", _fingers(b"not an image")),  # cannot be compared: matches nothing
    ]
    assert matcher.search(biometric_set(1, 1, NEW), stored) == ["NL1A"]
    assert matcher.search(biometric_set(3, 0, NEW), stored) == []
    with pytest.raises(InputError) as raised:
        matcher.search(_fingers(b"not an image"), stored)
    assert raised.value.code == "GW-BIO-IMAGE"


def test_the_correlation_matcher_searches_with_its_threshold() -> None:
    one, two = bytes(range(256)) * 4, bytes(reversed(range(256))) * 4
    found = ImageCorrelationMatcher().search(
        _fingers(one), [("A", _fingers(two)), ("B", _fingers(one))]
    )
    assert found == ["B"]
