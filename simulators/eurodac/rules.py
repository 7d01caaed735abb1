"""What the Central System checks and decides, by regime: pure functions over records and dates.

Every rule is read from the law's tables (`gateway.domain.eurodac_law`) through the
functions the gateway's own checks use (`gateway.domain.eurodac_checks`,
`gateway.domain.rules.regime_of`); this module only says what the Central System answers
when one fails: the code of its error reply, a sentence and the article.
"""

from __future__ import annotations

from datetime import date, datetime

from gateway.domain.eurodac import Operation, Regime, categories_for
from gateway.domain.eurodac_checks import (
    ActionFlaw,
    Deadline,
    action_refusal,
    deadline,
    delay_problem,
    events_of,
    expires_on,
    point_problem,
    rule_of,
    status_problem,
    too_young,
)
from gateway.domain.eurodac_law import AGE_RULES
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.domain.replies import EurodacErrorCode
from gateway.domain.requests import EurodacDataAction, EurodacStatusUpdate
from gateway.domain.rules import reference_day, regime_of

__all__ = [
    "Comparison",
    "Refusal",
    "StoredSummary",
    "check_action",
    "check_capture",
    "check_status",
    "comparison",
    "eligible",
    "expires_on",
    "is_stored",
    "late_description",
    "transmission_deadline",
]

_ACTION_CODES = {
    ActionFlaw.MARK_CATEGORY: EurodacErrorCode.MARK_NOT_ALLOWED,
    ActionFlaw.MARK_REASON: EurodacErrorCode.MARK_NOT_ALLOWED,
    ActionFlaw.UNMARK_REASON: EurodacErrorCode.UNMARK_NOT_ALLOWED,
    ActionFlaw.UNMARK_OTHER_MARK: EurodacErrorCode.UNMARK_NOT_ALLOWED,
    ActionFlaw.ERASURE_CATEGORY: EurodacErrorCode.ERASURE_NOT_ALLOWED,
    ActionFlaw.ERASURE_REASON: EurodacErrorCode.ERASURE_NOT_ALLOWED,
}


@frozen
class Refusal:
    """Why the Central System refuses a transaction: the code of its error reply and a sentence."""

    code: EurodacErrorCode
    description: str


@frozen
class StoredSummary:
    """What the rules need to know of a stored data set."""

    reference: str
    member_state: str
    category: int
    expires_on: date
    marked: bool = False
    deleted: bool = False
    regime: Regime | None = None
    mark_reason: str | None = None


@frozen
class Comparison:
    """The stored categories a transaction is compared against; of `marked_only`, only
    marked data sets (2024/1358 Art 27(2))."""

    categories: frozenset[int]
    marked_only: frozenset[int] = frozenset()


def is_stored(regime: Regime, category: int, point: str | None = None) -> bool:
    """Whether data of the category (and point) are recorded, or compared only."""
    return rule_of(regime, category, point).stored


def comparison(regime: Regime, category: int, point: str | None = None) -> Comparison:
    rule = rule_of(regime, category, point)
    return Comparison(categories=rule.compared_against, marked_only=rule.compared_marked_only)


def eligible(stored: StoredSummary, *, against: Comparison, on: date) -> bool:
    """Whether a stored data set takes part in a comparison made on `on`."""
    if stored.deleted or on >= stored.expires_on or stored.category not in against.categories:
        return False
    return stored.category not in against.marked_only or stored.marked


def transmission_deadline(record: CanonicalRecord) -> Deadline | None:
    """The time limit the record's data had to reach the Central System by, or None."""
    transaction = record.transaction
    if transaction is None:
        return None
    return deadline(transaction.regime, transaction.category, events_of(record), transaction.delay)


def check_capture(  # noqa: PLR0911 - one return per refusal, in the order they are checked
    record: CanonicalRecord, *, sender_state: str, min_quality: int, on: date
) -> Refusal | None:
    """The reason to refuse an enrolment, search or correction transmitted on `on`, or None."""
    transaction = record.transaction
    if transaction is None:
        return Refusal(code=EurodacErrorCode.INVALID_MESSAGE, description="no transaction")
    regime, category = transaction.regime, transaction.category
    if category not in categories_for(regime, on):
        return Refusal(
            code=EurodacErrorCode.CATEGORY_NOT_ALLOWED,
            description=f"category {category} is not in force under {regime} on {on}",
        )
    wrong_point = point_problem(regime, category, transaction.point)
    if wrong_point is not None:
        return Refusal(code=EurodacErrorCode.CATEGORY_NOT_ALLOWED, description=wrong_point)
    rule = rule_of(regime, category, transaction.point)
    if transaction.operation is Operation.ENROL and not rule.stored:
        return Refusal(
            code=EurodacErrorCode.CATEGORY_NOT_ALLOWED,
            description=f"{rule.name}: compared only, never recorded "
            f"({regime} {rule.not_recorded_article})",
        )
    if transaction.reference.member_state != sender_state:
        return Refusal(
            code=EurodacErrorCode.NOT_AUTHORISED,
            description=f"the reference {transaction.reference} is not of {sender_state}",
        )
    if transaction.reference.category != category:
        return Refusal(
            code=EurodacErrorCode.INVALID_MESSAGE,
            description="the reference number's category digit is not the transaction's",
        )
    biometrics = record.biometrics
    if biometrics is None or not any(finger.image for finger in biometrics.fingerprints):
        return Refusal(code=EurodacErrorCode.INVALID_MESSAGE, description="no fingerprint image")
    decided = regime_of(record, on)
    if decided is not regime:
        return Refusal(
            code=EurodacErrorCode.INVALID_MESSAGE,
            description=f"data taken on {reference_day(record, on)} are transmitted under "
            f"{decided}, not {regime}",
        )
    delay = delay_problem(transaction, today=on)
    if delay is not None:
        return Refusal(code=EurodacErrorCode.INVALID_MESSAGE, description=delay)
    poor = sorted(int(f.position) for f in biometrics.fingerprints if f.quality < min_quality)
    if poor:
        return Refusal(
            code=EurodacErrorCode.FINGERPRINT_QUALITY,
            description=f"quality below {min_quality} for finger positions {poor}",
        )
    if transaction.operation is Operation.SEARCH or not rule.stored:
        return _check_age(record, regime, category, biometrics.captured_on)
    return _check_required_data(record, regime) or _check_age(
        record, regime, category, biometrics.captured_on
    )


def _check_required_data(record: CanonicalRecord, regime: Regime) -> Refusal | None:
    """Under 2024/1358 a stored data set needs a facial image and the person's main data."""
    if regime is Regime.EURODAC_2013:
        return None  # fingerprints and sex only (Art 11 603/2013)
    if record.biometrics is None or record.biometrics.face is None:
        return Refusal(
            code=EurodacErrorCode.FACIAL_IMAGE_QUALITY,
            description="a facial image is required under Regulation (EU) 2024/1358",
        )
    person = record.person
    missing = [
        name
        for name, present in (
            ("family name", bool(person.name.family)),
            ("date of birth", person.birth_date is not None),
            ("nationality", bool(person.nationalities)),
        )
        if not present
    ]
    if missing:
        return Refusal(
            code=EurodacErrorCode.INVALID_MESSAGE,
            description=f"required data missing: {', '.join(missing)}",
        )
    return None


def _check_age(
    record: CanonicalRecord, regime: Regime, category: int, captured_on: date
) -> Refusal | None:
    birth = record.person.birth_date
    if birth is None or not too_young(regime, category, birth, captured_on):
        return None  # under 603/2013 no date of birth is transmitted
    ages = AGE_RULES[regime]
    return Refusal(
        code=EurodacErrorCode.MINIMUM_AGE,
        description=f"born {birth}: under {ages.years} when the data were taken, or not "
        f"certainly older ({regime} {ages.article}; doubt: {ages.doubt.value}, "
        f"{ages.doubt_article})",
    )


def check_action(
    action: EurodacDataAction, *, sender_state: str, stored: StoredSummary | None, on: date
) -> Refusal | None:
    """The reason to refuse marking, unmarking or erasing stored data, or None."""
    transaction = action.transaction
    reference = transaction.reference
    if stored is None or stored.deleted or on >= stored.expires_on:
        return Refusal(
            code=EurodacErrorCode.UNKNOWN_REFERENCE, description=f"no data stored as {reference}"
        )
    if stored.member_state != sender_state:
        return Refusal(
            code=EurodacErrorCode.NOT_AUTHORISED,
            description="only the member state of origin may change its data",
        )
    regime = transaction.regime
    if stored.regime is not None and stored.regime is not regime:
        return Refusal(
            code=EurodacErrorCode.INVALID_MESSAGE,
            description=f"{reference} was recorded under {stored.regime}: acts on it are "
            f"made under that regulation, not {regime}",
        )
    operation = transaction.operation
    reason = action.reason.value
    refusal = action_refusal(regime, operation, stored.category, reason, mark=stored.mark_reason)
    if refusal is not None:
        return Refusal(
            code=_ACTION_CODES[refusal.flaw],
            description=f"{refusal.sentence} ({regime} {refusal.article})",
        )
    if operation is Operation.UNMARK and not stored.marked:
        return Refusal(
            code=EurodacErrorCode.UNMARK_NOT_ALLOWED, description=f"{reference} is not marked"
        )
    return None


def check_status(update: EurodacStatusUpdate, stored: StoredSummary | None) -> Refusal | None:
    """The reason to refuse a status update of a stored data set (its owner is checked
    before), or None."""
    regime = update.transaction.regime
    if stored is not None and stored.regime is not None and stored.regime is not regime:
        return Refusal(
            code=EurodacErrorCode.INVALID_MESSAGE,
            description=f"{update.transaction.reference} was recorded under {stored.regime}, "
            f"not {regime}",
        )
    problem = status_problem(regime, update.update)
    if problem is None:
        return None
    return Refusal(code=EurodacErrorCode.INVALID_MESSAGE, description=problem[0])


def late_description(found: Deadline, transmitted_at: datetime) -> str:
    hours = (transmitted_at - found.at).total_seconds() / 3600
    return f"transmitted {hours:.0f} hours after the time limit ({found.describe()})"
