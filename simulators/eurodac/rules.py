"""What the Central System checks and decides, by regime: pure functions over records and dates.

The categories, their retention and what each is compared against come
from `gateway.domain.eurodac` (one table per regulation); this module adds
what the Central System does with them: refusals (category, authority,
minimum age, data required), the 72-hour transmission limit, when stored
data expire, and which stored data a transaction may be compared against.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from gateway.domain.dates import age_on
from gateway.domain.eurodac import (
    CategoryRule,
    Operation,
    Regime,
    Retention,
    categories_for,
    category_rule,
    minimum_age,
    regime_on,
)
from gateway.domain.record import CanonicalRecord
from gateway.domain.replies import EurodacErrorCode
from gateway.domain.requests import EurodacDataAction, MarkReason

__all__ = [
    "LATE_AFTER",
    "Refusal",
    "StoredSummary",
    "check_action",
    "check_capture",
    "compared_categories",
    "eligible",
    "expires_on",
    "hours_since_capture",
    "is_late",
    "is_stored",
]

LATE_AFTER = timedelta(hours=72)

# Categories whose data must reach the Central System within 72 hours of the
# capture: 603/2013 Art 9(1) and 14(2); 2024/1358 Arts 15(2), 22(3), 23(3), 24(3).
_TIME_LIMITED: dict[Regime, frozenset[int]] = {
    Regime.EURODAC_2013: frozenset({1, 2}),
    Regime.EURODAC_2024: frozenset({1, 2, 3, 9}),
}

# Categories whose data are taken from persons of the minimum age on (603/2013
# Arts 9(1), 14(1), 17(1); 2024/1358 Art 14(1) for every data set stored).
_AGE_LIMITED: dict[Regime, frozenset[int]] = {
    Regime.EURODAC_2013: frozenset({1, 2, 3}),
    Regime.EURODAC_2024: frozenset({0, 1, 2, 3, 7, 8, 9}),
}

_MARK_REASONS_2013 = frozenset({MarkReason.PROTECTION_GRANTED, MarkReason.PROTECTION_WITHDRAWN})


@dataclass(frozen=True, kw_only=True, slots=True)
class Refusal:
    """Why the Central System refuses a transaction: the code of its error reply and a sentence."""

    code: EurodacErrorCode
    description: str


@dataclass(frozen=True, kw_only=True, slots=True)
class StoredSummary:
    """What the rules need to know of a stored data set."""

    reference: str
    member_state: str
    category: int
    expires_on: date
    marked: bool = False
    deleted: bool = False


def is_stored(regime: Regime, category: int) -> bool:
    """Whether data of the category are stored (otherwise compared only)."""
    return category_rule(regime, category).stored


def compared_categories(regime: Regime, category: int) -> frozenset[int]:
    """The stored categories data of `category` are compared against."""
    return category_rule(regime, category).compared_against


def expires_on(regime: Regime, category: int, captured_on: date) -> date | None:
    """The first day the data no longer exist (retention runs from the capture), or None."""
    retention = category_rule(regime, category).retention
    return None if retention is None else _add(captured_on, retention)


def _add(day: date, retention: Retention) -> date:
    months = day.month - 1 + retention.months + 12 * retention.years
    year, month = day.year + months // 12, months % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def eligible(stored: StoredSummary, *, categories: frozenset[int], on: date) -> bool:
    """Whether a stored data set takes part in a comparison made on `on`."""
    return not stored.deleted and on < stored.expires_on and stored.category in categories


def hours_since_capture(captured_on: date, transmitted_at: datetime) -> float:
    """Hours from the end of the day of capture (only its date is transmitted) to the sending."""
    end_of_day = datetime.combine(captured_on + timedelta(days=1), time(0), tzinfo=UTC)
    return (transmitted_at - end_of_day).total_seconds() / 3600


def is_late(regime: Regime, category: int, captured_on: date, transmitted_at: datetime) -> bool:
    """Whether the data certainly arrived after the 72 hours their category allows.

    Only the date of capture travels, so the limit is counted from the end of
    that day: a transmission flagged late was late whatever the hour of capture.
    """
    if category not in _TIME_LIMITED[regime]:
        return False
    return hours_since_capture(captured_on, transmitted_at) > LATE_AFTER.total_seconds() / 3600


def _rule_in_force(regime: Regime, category: int, on: date) -> CategoryRule | None:
    if category not in categories_for(regime, on):
        return None
    return category_rule(regime, category)


def check_capture(  # noqa: PLR0911 - one return per refusal, in the order they are checked
    record: CanonicalRecord, *, sender_state: str, min_quality: int, on: date
) -> Refusal | None:
    """The reason to refuse an enrolment, search or correction transmitted on `on`, or None."""
    transaction = record.transaction
    if transaction is None:
        return Refusal(code=EurodacErrorCode.INVALID_MESSAGE, description="no transaction")
    regime, category = transaction.regime, transaction.category
    if _rule_in_force(regime, category, on) is None:
        return Refusal(
            code=EurodacErrorCode.CATEGORY_NOT_ALLOWED,
            description=f"category {category} is not in force under {regime} on {on}",
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
    if regime_on(biometrics.captured_on) is not regime:
        return Refusal(
            code=EurodacErrorCode.INVALID_MESSAGE,
            description=f"data taken on {biometrics.captured_on} are transmitted under "
            f"{regime_on(biometrics.captured_on)}, not {regime}",
        )
    poor = sorted(int(f.position) for f in biometrics.fingerprints if f.quality < min_quality)
    if poor:
        return Refusal(
            code=EurodacErrorCode.FINGERPRINT_QUALITY,
            description=f"quality below {min_quality} for finger positions {poor}",
        )
    if transaction.operation is Operation.SEARCH or not is_stored(regime, category):
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
    if birth is None or category not in _AGE_LIMITED[regime]:
        return None  # under 603/2013 no date of birth is transmitted
    oldest = age_on(birth.earliest(), captured_on)
    limit = minimum_age(regime)
    if oldest < limit:
        return Refusal(
            code=EurodacErrorCode.MINIMUM_AGE,
            description=f"the person was under {limit} when the data were taken",
        )
    return None


def check_action(
    action: EurodacDataAction, *, sender_state: str, stored: StoredSummary | None, on: date
) -> Refusal | None:
    """The reason to refuse marking, unmarking or erasing stored data, or None."""
    reference = action.transaction.reference
    if stored is None or stored.deleted or on >= stored.expires_on:
        return Refusal(
            code=EurodacErrorCode.UNKNOWN_REFERENCE, description=f"no data stored as {reference}"
        )
    if stored.member_state != sender_state:
        return Refusal(
            code=EurodacErrorCode.NOT_AUTHORISED,
            description="only the member state of origin may change its data",
        )
    operation = action.transaction.operation
    regime = action.transaction.regime
    if (
        operation is Operation.MARK
        and regime is Regime.EURODAC_2013
        and action.reason not in _MARK_REASONS_2013
    ):
        return Refusal(
            code=EurodacErrorCode.INVALID_MESSAGE,
            description=f"{action.reason} is no reason to mark data under {regime}",
        )
    if operation is Operation.UNMARK and not stored.marked:
        return Refusal(
            code=EurodacErrorCode.INVALID_MESSAGE, description=f"{reference} is not marked"
        )
    return None
