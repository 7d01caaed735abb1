"""Eurodac: the regime of a date, reference numbers and transactions.

The rules each regulation lays down are the tables of `gateway.domain.eurodac_law`;
this module reads them (categories, minimum ages) and adds the records a
transaction is made of.
"""

from __future__ import annotations

import re
from datetime import date

from gateway.domain.eurodac_law import (
    AGE_RULES,
    CATEGORIES,
    NEW_REGIME_START,
    TEMPORARY_PROTECTION_START,
    CategoryRule,
    DelayGround,
    DeletionReason,
    MarkReason,
    Operation,
    Regime,
    Retention,
)
from gateway.domain.frozen import frozen
from gateway.domain.member_states import is_member_state

__all__ = [
    "CATEGORIES",
    "NEW_REGIME_START",
    "TEMPORARY_PROTECTION_START",
    "CategoryRule",
    "EurodacTransaction",
    "Operation",
    "ReferenceNumber",
    "Regime",
    "Retention",
    "TransmissionDelay",
    "categories_for",
    "category_rule",
    "implied_reason",
    "minimum_age",
    "regime_on",
]


def regime_on(day: date) -> Regime:
    """The regime of data taken on `day` (see `REGIME_RULE` for why the taking decides)."""
    return Regime.EURODAC_2024 if day >= NEW_REGIME_START else Regime.EURODAC_2013


def minimum_age(regime: Regime) -> int:
    """The age from which biometric data are taken (`AGE_RULES`)."""
    return AGE_RULES[regime].years


def categories_for(regime: Regime, on: date | None = None) -> frozenset[int]:
    """The category digits a regime has; with `on`, only those in force that day."""
    return frozenset(
        digit
        for digit, rule in CATEGORIES[regime].items()
        if on is None or rule.applies_from is None or on >= rule.applies_from
    )


def category_rule(regime: Regime, digit: int) -> CategoryRule:
    """The rule of one category; `KeyError` when the regime has no such category."""
    return CATEGORIES[regime][digit]


_NATIONAL_PART = re.compile(r"^[A-Z0-9]{1,20}$")
_REFERENCE = re.compile(r"^([A-Z]{2})([0-9])([A-Z0-9]{1,20})$")


@frozen
class ReferenceNumber:
    """A Eurodac reference number: member state, category digit, national part."""

    member_state: str
    category: int
    national_part: str

    def __post_init__(self) -> None:
        if not is_member_state(self.member_state):
            raise ValueError(f"{self.member_state!r} is not the code of a Eurodac member state")
        if not 0 <= self.category <= 9:
            raise ValueError("the category is one digit")
        if not _NATIONAL_PART.match(self.national_part):
            raise ValueError("the national part is 1 to 20 capital letters or digits")

    @classmethod
    def parse(cls, text: str, regime: Regime | None = None) -> ReferenceNumber:
        """Read a reference number; with `regime`, its category must exist in that regime."""
        match = _REFERENCE.match(text)
        if not match:
            raise ValueError(
                f"{text!r} is not a reference number (two-letter state code, "
                "category digit, national part)"
            )
        reference = cls(member_state=match[1], category=int(match[2]), national_part=match[3])
        if regime is not None and reference.category not in CATEGORIES[regime]:
            raise ValueError(f"category {reference.category} does not exist under {regime}")
        return reference

    def __str__(self) -> str:
        return f"{self.member_state}{self.category}{self.national_part}"


@frozen
class TransmissionDelay:
    """Why data are sent after the ordinary time limit, as the law allows (`Extension`).

    `since`: the day health grounds ceased to prevail, or the day the prints were
    successfully retaken (for a retake, the day the biometric data were taken when absent).
    """

    ground: DelayGround
    since: date | None = None


@frozen
class EurodacTransaction:
    """One transaction to the central system.

    `point`: the point of the article a category is split by (category 7 under 2024/1358:
    `18(1)`, `18(2)(a)`, `18(2)(b)`, `18(2)(c)`). `reason`: the ground of a mark, an
    unmark or an advance erasure (a `MarkReason` or `DeletionReason` value; without it,
    `implied_reason`). `delay`: a lawful reason to transmit late.
    """

    operation: Operation
    regime: Regime
    category: int
    reference: ReferenceNumber
    point: str | None = None
    reason: str | None = None
    delay: TransmissionDelay | None = None


_IMPLIED: dict[Operation, str] = {
    Operation.MARK: MarkReason.PROTECTION_GRANTED,
    Operation.UNMARK: MarkReason.PROTECTION_WITHDRAWN,
    Operation.DELETE: DeletionReason.CITIZENSHIP_ACQUIRED,
}


def implied_reason(transaction: EurodacTransaction) -> str | None:
    """The ground of a mark, unmark or erasure: the one named, else the one a national record
    stands for (a decision granting protection, its withdrawal, citizenship acquired)."""
    if transaction.reason is not None:
        return transaction.reason
    return _IMPLIED.get(transaction.operation)
