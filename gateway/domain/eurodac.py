"""Eurodac: which regime applies, its categories, minimum ages and reference numbers.

Two regulations govern Eurodac. Regulation (EU) No 603/2013 applies until
11 June 2026; Regulation (EU) 2024/1358 from 12 June 2026, its temporary
protection part from 12 June 2029. The tables below are the rules each one
lays down; the code around them only looks things up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

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
    "categories_for",
    "category_rule",
    "minimum_age",
    "regime_on",
]

NEW_REGIME_START = date(2026, 6, 12)
TEMPORARY_PROTECTION_START = date(2029, 6, 12)


class Regime(StrEnum):
    """The regulation a Eurodac transaction is made under."""

    EURODAC_2013 = "603/2013"
    EURODAC_2024 = "2024/1358"


class Operation(StrEnum):
    """What a transaction asks the central system to do."""

    ENROL = "enrol"  # store and compare
    SEARCH = "search"  # compare only
    MARK = "mark"
    UNMARK = "unmark"
    DELETE = "delete"  # advance deletion
    CORRECT = "correct"


@dataclass(frozen=True, kw_only=True, slots=True)
class Retention:
    """How long the central system keeps a category's data."""

    years: int = 0
    months: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class CategoryRule:
    """What a regulation says of one category (the digit of the reference number)."""

    digit: int
    name: str
    article: str
    retention: Retention | None  # None: not stored, compared only
    compared_against: frozenset[int]
    applies_from: date | None = None

    @property
    def stored(self) -> bool:
        return self.retention is not None


_STORED_2024 = frozenset({1, 2, 3, 7, 8, 9, 0})

CATEGORIES: dict[Regime, dict[int, CategoryRule]] = {
    Regime.EURODAC_2013: {
        rule.digit: rule
        for rule in (
            CategoryRule(
                digit=1, name="applicant for international protection", article="Art 9(1)",
                retention=Retention(years=10), compared_against=frozenset({1, 2}),
            ),
            CategoryRule(
                digit=2, name="irregular crossing of an external border", article="Art 14(1)",
                retention=Retention(months=18), compared_against=frozenset(),
            ),
            CategoryRule(
                digit=3, name="illegally staying", article="Art 17(1)",
                retention=None, compared_against=frozenset({1}),
            ),
        )
    },
    Regime.EURODAC_2024: {
        rule.digit: rule
        for rule in (
            CategoryRule(
                digit=1, name="applicant for international protection", article="Art 15",
                retention=Retention(years=10), compared_against=_STORED_2024,
            ),
            CategoryRule(
                digit=2, name="irregular crossing of an external border", article="Art 22",
                retention=Retention(years=5), compared_against=_STORED_2024,
            ),
            CategoryRule(
                digit=3, name="illegally staying", article="Art 23",
                retention=Retention(years=5), compared_against=_STORED_2024,
            ),
            CategoryRule(
                digit=4, name="law enforcement request", article="Art 31",
                retention=None, compared_against=_STORED_2024,
            ),
            CategoryRule(
                digit=5, name="Europol request", article="Art 33",
                retention=None, compared_against=_STORED_2024,
            ),
            CategoryRule(
                digit=6, name="data subject request", article="Art 43",
                retention=None, compared_against=_STORED_2024,
            ),
            CategoryRule(
                digit=7, name="registered for resettlement or admission", article="Art 18(1)",
                retention=Retention(years=5), compared_against=_STORED_2024,
            ),
            CategoryRule(
                digit=8, name="admitted under a national resettlement scheme",
                article="Art 18(2)", retention=Retention(years=5),
                compared_against=_STORED_2024,
            ),
            CategoryRule(
                digit=9, name="disembarked after a search and rescue operation",
                article="Art 24", retention=Retention(years=5), compared_against=_STORED_2024,
            ),
            CategoryRule(
                digit=0, name="beneficiary of temporary protection", article="Art 26",
                retention=Retention(years=1), compared_against=_STORED_2024,
                applies_from=TEMPORARY_PROTECTION_START,
            ),
        )
    },
}  # fmt: skip

_MINIMUM_AGE = {Regime.EURODAC_2013: 14, Regime.EURODAC_2024: 6}


def regime_on(day: date) -> Regime:
    """The regime under which data taken on `day` are transmitted."""
    return Regime.EURODAC_2024 if day >= NEW_REGIME_START else Regime.EURODAC_2013


def minimum_age(regime: Regime) -> int:
    """The age from which biometric data are taken (Art 9(1) 603/2013; Art 14(1) 2024/1358)."""
    return _MINIMUM_AGE[regime]


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


@dataclass(frozen=True, kw_only=True, slots=True)
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


@dataclass(frozen=True, kw_only=True, slots=True)
class EurodacTransaction:
    """One transaction to the central system."""

    operation: Operation
    regime: Regime
    category: int
    reference: ReferenceNumber
