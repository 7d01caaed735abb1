"""The simulated Central System's rules: comparisons, retention, minimum age, the 72 hours.

Each rule comes from `gateway.domain.eurodac_law`; these tests check what the Central
System answers with it (the tables themselves are tested in test_eurodac_law.py).
"""

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
from gateway.synthetic.biometrics import biometric_set
from simulators.eurodac import rules
from simulators.eurodac.matcher import ImageCorrelationMatcher, SyntheticMatcher

OLD, NEW = Regime.EURODAC_2013, Regime.EURODAC_2024


@pytest.mark.parametrize(
    ("regime", "category", "against"),
    [
        (OLD, 1, {1, 2}),  # applicants against applicants and border crossers
        (OLD, 2, set()),  # border crossers are stored, not searched
        (OLD, 3, {1}),  # illegal stay: compared with applicants only
        (NEW, 1, {0, 1, 2, 3, 7, 8, 9}),  # 2024/1358 Art 27(1)
        (NEW, 4, {0, 1, 2, 3, 7, 8, 9}),  # law enforcement searches every stored set, Art 32(2)
        (NEW, 8, set()),  # Art 27(1): data of Art 18 and 20 are not compared on transmission
    ],
)
def test_which_category_is_compared_against_which(
    regime: Regime, category: int, against: set[int]
) -> None:
    assert rules.comparison(regime, category).categories == against


def test_admission_registrations_are_compared_with_marked_applicants_only() -> None:
    """2024/1358 Art 27(2): Art 18(1) data against Art 15 data marked under Art 31, and Art
    18(2) and 20 data."""
    against = rules.comparison(NEW, 7, "18(1)")
    assert against.categories == {1, 7, 8}
    assert against.marked_only == {1}
    applicant = rules.StoredSummary(
        reference="NL1A", member_state="NL", category=1, expires_on=date(2036, 1, 1)
    )
    on = date(2026, 9, 16)
    assert not rules.eligible(applicant, against=against, on=on)
    assert rules.eligible(dataclasses.replace(applicant, marked=True), against=against, on=on)


def test_only_some_categories_are_stored() -> None:
    assert rules.is_stored(OLD, 1)
    assert not rules.is_stored(OLD, 3)
    assert rules.is_stored(NEW, 3)  # 2024/1358 stores illegally staying persons
    assert not rules.is_stored(NEW, 4)
    assert not rules.is_stored(NEW, 7, "18(1)")  # 2024/1358 Art 29(2)
    assert rules.is_stored(NEW, 7, "18(2)(b)")


@pytest.mark.parametrize(
    ("regime", "category", "point", "expires"),
    [
        (OLD, 1, None, date(2036, 9, 15)),  # 603/2013 Art 12(1): 10 years from the taking
        (OLD, 2, None, date(2028, 3, 15)),  # Art 16(1): 18 months from the taking
        (NEW, 1, None, date(2036, 9, 18)),  # 2024/1358 Art 29(1): 10 years from transmission
        (NEW, 2, None, date(2031, 9, 18)),  # Art 29(6)
        (NEW, 7, "18(2)(a)", date(2031, 9, 18)),  # Art 29(3)
        (NEW, 7, "18(2)(c)", date(2029, 9, 18)),  # Art 29(4)
        (NEW, 8, None, date(2031, 9, 18)),  # Art 29(5): national resettlement
    ],
)
def test_retention_runs_from_the_event_of_the_regime(
    regime: Regime, category: int, point: str | None, expires: date
) -> None:
    """Taken on 15 September 2026, transmitted on 18 September 2026."""
    found = rules.expires_on(
        regime,
        category,
        captured_on=date(2026, 9, 15),
        transmitted_on=date(2026, 9, 18),
        point=point,
    )
    assert found == expires


def test_data_not_stored_never_expire_because_they_never_exist() -> None:
    day = date(2025, 1, 1)
    assert rules.expires_on(OLD, 3, captured_on=day, transmitted_on=day) is None
    assert rules.expires_on(NEW, 7, captured_on=day, transmitted_on=day, point="18(1)") is None


def test_expired_deleted_or_other_category_data_do_not_take_part() -> None:
    stored = rules.StoredSummary(
        reference="NL1X", member_state="NL", category=1, expires_on=date(2026, 3, 10)
    )
    ones = rules.Comparison(categories=frozenset({1}))
    assert rules.eligible(stored, against=ones, on=date(2026, 3, 9))
    assert not rules.eligible(stored, against=ones, on=date(2026, 3, 10))
    twos = rules.Comparison(categories=frozenset({2}))
    assert not rules.eligible(stored, against=twos, on=date(2026, 3, 9))
    erased = dataclasses.replace(stored, deleted=True)
    assert not rules.eligible(erased, against=ones, on=date(2026, 3, 9))


def _sent_record(regime: Regime, category: int, **events: object) -> object:
    record = example_record(regime)
    assert record.transaction is not None
    assert record.application is not None
    reference = ReferenceNumber(member_state="BE", category=category, national_part="T1")
    transaction = dataclasses.replace(record.transaction, category=category, reference=reference)
    application = dataclasses.replace(record.application, **events)  # type: ignore[arg-type]
    return dataclasses.replace(record, transaction=transaction, application=application)


@pytest.mark.parametrize(
    ("regime", "category", "sent", "late"),
    [
        # 2024/1358 Art 15(1)(a): 72 hours from the registration (15 September 2026)
        (NEW, 1, datetime(2026, 9, 19, 0, 0, tzinfo=UTC), False),
        (NEW, 1, datetime(2026, 9, 19, 0, 1, tzinfo=UTC), True),
        (NEW, 4, datetime(2026, 10, 30, tzinfo=UTC), False),  # searches have no limit
    ],
)
def test_the_72_hours_run_from_the_registration(
    regime: Regime, category: int, sent: datetime, late: bool
) -> None:
    record = _sent_record(regime, category, registered_on=date(2026, 9, 15))
    limit = rules.transmission_deadline(record)  # type: ignore[arg-type]
    assert (limit is not None and sent > limit.at) is late


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
    """2024/1358 Art 15(1), and Art 14(1): a child who may be under six is under six."""
    # captured 2026-09-15: a child born 2020-09-16 is 5, one born 2020-09-15 is 6
    assert _check(_with_birth(NEW, PartialDate(year=2020, month=9, day=16))) == (
        EurodacErrorCode.MINIMUM_AGE
    )
    assert _check(_with_birth(NEW, PartialDate(year=2020, month=9, day=15))) is None
    # only the year known: born "2020" may be five on 15 September 2026, so is refused
    assert _check(_with_birth(NEW, PartialDate(year=2020))) == EurodacErrorCode.MINIMUM_AGE
    assert _check(_with_birth(NEW, PartialDate(year=2019))) is None


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


def _action(
    operation: Operation,
    reason: MarkReason | DeletionReason,
    category: int = 1,
    regime: Regime = OLD,
) -> EurodacDataAction:
    reference = ReferenceNumber(member_state="BE", category=category, national_part="M1")
    transaction = EurodacTransaction(
        operation=operation, regime=regime, category=category, reference=reference
    )
    return EurodacDataAction(transaction=transaction, reason=reason)


def _stored(category: int = 1, regime: Regime = OLD, **changes: object) -> rules.StoredSummary:
    return rules.StoredSummary(
        reference=f"BE{category}M1",
        member_state="BE",
        category=category,
        expires_on=date(2030, 1, 1),
        regime=regime,
        **changes,  # type: ignore[arg-type]
    )


def test_only_the_state_of_origin_changes_existing_data() -> None:
    stored = _stored()
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
    assert not_marked.code is EurodacErrorCode.UNMARK_NOT_ALLOWED


@pytest.mark.parametrize(
    ("action", "stored", "code", "article"),
    [
        # 603/2013 Art 18(1): only category 1 data are marked
        (_action(Operation.MARK, MarkReason.PROTECTION_GRANTED, category=2), _stored(2),
         EurodacErrorCode.MARK_NOT_ALLOWED, "Art 18(1)"),
        # Art 18(3): a withdrawal lifts a mark, it makes none
        (_action(Operation.MARK, MarkReason.PROTECTION_WITHDRAWN), _stored(),
         EurodacErrorCode.MARK_NOT_ALLOWED, "Art 18(1)"),
        (_action(Operation.MARK, MarkReason.RESIDENCE_DOCUMENT), _stored(),
         EurodacErrorCode.MARK_NOT_ALLOWED, "Art 18(1)"),
        # Art 13(1): category 1 is erased in advance on citizenship only
        (_action(Operation.DELETE, DeletionReason.LEFT_TERRITORY), _stored(),
         EurodacErrorCode.ERASURE_NOT_ALLOWED, "Art 13(1)"),
        (_action(Operation.DELETE, DeletionReason.RESIDENCE_DOCUMENT), _stored(),
         EurodacErrorCode.ERASURE_NOT_ALLOWED, "Art 13(1)"),
        # 2024/1358 Art 30: citizenship only; a residence document is a ground to mark
        (_action(Operation.DELETE, DeletionReason.RESIDENCE_DOCUMENT, 3, NEW), _stored(3, NEW),
         EurodacErrorCode.ERASURE_NOT_ALLOWED, "Art 30(1)"),
        # 2024/1358 Art 31(3): an unmark for protection withdrawn lifts only that mark
        (_action(Operation.UNMARK, MarkReason.PROTECTION_WITHDRAWN, 1, NEW),
         _stored(1, NEW, marked=True, mark_reason="residence-document"),
         EurodacErrorCode.UNMARK_NOT_ALLOWED, "Art 31(3)"),
        (_action(Operation.MARK, MarkReason.ADMISSION_COMPLETED, 1, NEW), _stored(1, NEW),
         EurodacErrorCode.MARK_NOT_ALLOWED, "Art 31(1)"),
    ],
)  # fmt: skip
def test_the_central_system_refuses_what_the_law_does_not_allow(
    action: EurodacDataAction, stored: rules.StoredSummary, code: EurodacErrorCode, article: str
) -> None:
    refusal = rules.check_action(action, sender_state="BE", stored=stored, on=ON)
    assert refusal is not None
    assert refusal.code is code
    assert article in refusal.description


def test_lawful_acts_pass() -> None:
    """603/2013 Arts 16(2)(b), 18(3); 2024/1358 Art 31(4)."""
    left = _action(Operation.DELETE, DeletionReason.LEFT_TERRITORY, category=2)
    assert rules.check_action(left, sender_state="BE", stored=_stored(2), on=ON) is None
    unmark = _action(Operation.UNMARK, MarkReason.PROTECTION_WITHDRAWN)
    marked = _stored(marked=True, mark_reason="protection-granted")
    assert rules.check_action(unmark, sender_state="BE", stored=marked, on=ON) is None
    residence = _action(Operation.MARK, MarkReason.RESIDENCE_DOCUMENT, 9, NEW)
    assert rules.check_action(residence, sender_state="BE", stored=_stored(9, NEW), on=ON) is None


def test_an_act_follows_the_regime_the_data_set_was_recorded_under() -> None:
    mark = _action(Operation.MARK, MarkReason.PROTECTION_GRANTED, 1, NEW)
    refusal = rules.check_action(mark, sender_state="BE", stored=_stored(1, OLD), on=ON)
    assert refusal is not None
    assert refusal.code is EurodacErrorCode.INVALID_MESSAGE


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
