from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.domain.dublin import DublinRegime, dublin_regime_for
from gateway.domain.eurodac import (
    ReferenceNumber,
    Regime,
    categories_for,
    category_rule,
    minimum_age,
    regime_on,
)
from gateway.domain.member_states import MEMBER_STATES


def test_the_new_regime_applies_from_12_june_2026() -> None:
    assert regime_on(date(2026, 6, 11)) is Regime.EURODAC_2013
    assert regime_on(date(2026, 6, 12)) is Regime.EURODAC_2024


def test_minimum_ages() -> None:
    assert minimum_age(Regime.EURODAC_2013) == 14
    assert minimum_age(Regime.EURODAC_2024) == 6


def test_categories_per_regime() -> None:
    assert categories_for(Regime.EURODAC_2013) == {1, 2, 3}
    assert categories_for(Regime.EURODAC_2024) == set(range(10))


def test_temporary_protection_starts_on_12_june_2029() -> None:
    assert 0 not in categories_for(Regime.EURODAC_2024, on=date(2029, 6, 11))
    assert 0 in categories_for(Regime.EURODAC_2024, on=date(2029, 6, 12))


def test_what_each_regime_stores() -> None:
    assert category_rule(Regime.EURODAC_2013, 3).stored is False
    assert category_rule(Regime.EURODAC_2024, 3).stored is True
    assert category_rule(Regime.EURODAC_2013, 2).retention is not None
    assert category_rule(Regime.EURODAC_2013, 2).retention.months == 18  # type: ignore[union-attr]
    assert category_rule(Regime.EURODAC_2013, 1).compared_against == {1, 2}
    with pytest.raises(KeyError):
        category_rule(Regime.EURODAC_2013, 7)


def test_a_reference_number_reads_back() -> None:
    reference = ReferenceNumber.parse("BE1000098765430001")
    assert reference.member_state == "BE"
    assert reference.category == 1
    assert reference.national_part == "000098765430001"


@pytest.mark.parametrize(
    ("text", "regime", "reason"),
    [
        ("be1000", None, "not a reference number"),
        ("BE", None, "not a reference number"),
        ("XX1000", None, "not the code of a Eurodac member state"),
        ("BE7000", Regime.EURODAC_2013, "does not exist under 603/2013"),
    ],
)
def test_bad_reference_numbers(text: str, regime: Regime | None, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        ReferenceNumber.parse(text, regime)


@given(
    state=st.sampled_from(sorted(MEMBER_STATES)),
    category=st.integers(0, 9),
    national=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=20),
)
def test_reference_numbers_round_trip(state: str, category: int, national: str) -> None:
    reference = ReferenceNumber(member_state=state, category=category, national_part=national)
    assert ReferenceNumber.parse(str(reference), Regime.EURODAC_2024) == reference


def test_dublin_regime_switches_on_the_first_of_july_2026() -> None:
    assert dublin_regime_for(date(2026, 6, 30)) is DublinRegime.DUBLIN3
    assert dublin_regime_for(date(2026, 7, 1)) is DublinRegime.AMMR
