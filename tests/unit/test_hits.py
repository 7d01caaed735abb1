"""Hits: an expert's verdict, the Dublin step a confirmed hit proposes, the wrong-hit report."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from gateway.domain.dublin import DublinRegime
from gateway.domain.eurodac import ReferenceNumber
from gateway.errors import InputError
from gateway.tracking.hits import (
    Hit,
    HitStatus,
    StepProposal,
    confirm,
    proposed_step,
    reject,
)
from gateway.tracking.holidays import load_calendar
from gateway.tracking.rules import Step, Variant

BE = load_calendar("BE")


def hit(category: int, *, registered: date, received: date, state: str = "NL") -> Hit:
    return Hit(
        hit_id="H-1",
        reference=ReferenceNumber(member_state="BE", category=1, national_part="BE0001"),
        matched=ReferenceNumber(member_state=state, category=category, national_part="X42"),
        received=received,
        registered=registered,
    )


def proposal(
    category: int, *, registered: date, received: date, detained: bool = False
) -> StepProposal:
    """The step that confirming a hit of `category` proposes to Belgium (there is one)."""
    result = confirm(
        hit(category, registered=registered, received=received),
        own_state="BE",
        calendar=BE,
        detained=detained,
    )
    assert result.proposal is not None
    return result.proposal


def test_a_category_1_hit_under_dublin3_proposes_a_take_back_request() -> None:
    """Reg 604/2013 Art 23(2): within 2 months of the hit (4 March 2026 → 4 May 2026)."""
    result = confirm(
        hit(1, registered=date(2026, 3, 2), received=date(2026, 3, 4)), own_state="BE",
        calendar=BE,
    )  # fmt: skip
    assert result.hit.status is HitStatus.CONFIRMED
    assert result.proposal is not None
    assert result.proposal.step is Step.TAKE_BACK_REQUEST
    assert result.proposal.requested_state == "NL"
    deadline = result.proposal.deadline
    assert (deadline.variant, deadline.start, deadline.date) == (
        Variant.HIT,
        date(2026, 3, 4),
        date(2026, 5, 4),
    )
    assert deadline.legal_basis.startswith("Reg 604/2013 Art 23(2)")


def test_a_category_1_hit_under_ammr_proposes_a_take_back_notification() -> None:
    """Reg 2024/1351 Art 41(1): within 2 weeks of the hit (2 Sept 2026 → 16 Sept 2026)."""
    proposed = proposal(1, registered=date(2026, 9, 1), received=date(2026, 9, 2))
    assert proposed.step is Step.TAKE_BACK_NOTIFICATION
    assert proposed.deadline.date == date(2026, 9, 16)


@pytest.mark.parametrize(
    ("registered", "received", "due", "basis"),
    [
        pytest.param(date(2026, 3, 2), date(2026, 3, 4), date(2026, 5, 4),
                     "Reg 604/2013 Art 21(1) second subparagraph", id="604/2013 Art 21(1)"),
        pytest.param(date(2026, 9, 1), date(2026, 9, 2), date(2026, 10, 2),
                     "Reg 2024/1351 Art 39(1) second subparagraph", id="2024/1351 Art 39(1)"),
    ],
)  # fmt: skip
def test_a_category_2_hit_proposes_a_hit_based_take_charge_request(
    registered: date, received: date, due: date, basis: str
) -> None:
    proposed = proposal(2, registered=registered, received=received)
    assert proposed.step is Step.TAKE_CHARGE_REQUEST
    assert proposed.deadline.date == due
    assert proposed.deadline.legal_basis == basis


def test_a_search_and_rescue_hit_under_dublin3_counts_from_lodging() -> None:
    """Reg 604/2013 Art 21(1) first subparagraph: Art 24 data of 2024/1358 are not Art 14 data."""
    proposed = proposal(9, registered=date(2026, 6, 15), received=date(2026, 6, 20))
    assert proposed.deadline.variant is Variant.BASE
    assert proposed.deadline.start == date(2026, 6, 15)


def test_detention_shortens_the_proposed_deadline() -> None:
    """Reg 2024/1351 Art 45(1): two weeks from the registration."""
    proposed = proposal(2, registered=date(2026, 9, 2), received=date(2026, 9, 3), detained=True)
    assert proposed.deadline.variant is Variant.DETAINED
    assert proposed.deadline.date == date(2026, 9, 16)


def test_604_2013_art_24_a_search_of_a_person_staying_illegally_proposes_its_take_back() -> None:
    """Reg 604/2013 Art 24(2): our category 3 search (Reg 603/2013 Art 17) finds NL's
    applicant; no application was made here, so the take back request is due within 2 months
    of the hit (Wednesday 4 March 2026 → Monday 4 May 2026), and missing it shifts no
    responsibility (Art 24(3))."""
    searched = dataclasses.replace(
        hit(1, registered=date(2026, 3, 4), received=date(2026, 3, 4)),
        reference=ReferenceNumber(member_state="BE", category=3, national_part="BE0003"),
    )
    result = confirm(searched, own_state="BE", calendar=BE)
    assert result.proposal is not None
    assert result.proposal.step is Step.TAKE_BACK_REQUEST
    deadline = result.proposal.deadline
    assert (deadline.variant, deadline.start, deadline.date) == (
        Variant.NO_APPLICATION_HIT,
        date(2026, 3, 4),
        date(2026, 5, 4),
    )
    assert deadline.legal_basis == "Reg 604/2013 Art 24(2) first subparagraph"
    assert deadline.effect.value == "new-application-opportunity-or-return"


@pytest.mark.parametrize(("category", "state"), [(3, "NL"), (7, "NL"), (1, "BE")])
def test_no_step_is_proposed_without_a_dublin_ground(category: int, state: str) -> None:
    result = confirm(
        hit(category, registered=date(2026, 9, 1), received=date(2026, 9, 2), state=state),
        own_state="BE",
        calendar=BE,
    )
    assert result.hit.status is HitStatus.CONFIRMED
    assert result.proposal is None
    assert result.reason


def test_the_step_table() -> None:
    assert proposed_step(DublinRegime.DUBLIN3, 1) is Step.TAKE_BACK_REQUEST
    assert proposed_step(DublinRegime.AMMR, 1) is Step.TAKE_BACK_NOTIFICATION
    assert proposed_step(DublinRegime.AMMR, 2) is Step.TAKE_CHARGE_REQUEST
    assert proposed_step(DublinRegime.AMMR, 3) is None


@pytest.mark.parametrize(
    ("registered", "received", "rejected", "due", "basis"),
    [
        # rejected Thursday 16 July 2026; 21 July is a holiday → 22 July
        pytest.param(date(2026, 7, 1), date(2026, 7, 15), date(2026, 7, 16), date(2026, 7, 22),
                     "Reg 2024/1358 Art 38", id="within-three-working-days"),
        # Friday 29 May 2026 → Wednesday 3 June 2026
        pytest.param(date(2026, 5, 20), date(2026, 5, 28), date(2026, 5, 29), date(2026, 6, 3),
                     "Reg 603/2013 Art 25", id="under-the-2013-regime"),
    ],
)  # fmt: skip
def test_a_wrong_hit_is_reported(
    registered: date, received: date, rejected: date, due: date, basis: str
) -> None:
    """Reg 2024/1358 Art 38, Reg 603/2013 Art 25: within three working days."""
    report = reject(hit(1, registered=registered, received=received), on=rejected, calendar=BE)
    assert report.due == due
    assert report.legal_basis == basis
    assert report.hit_id == "H-1"
    assert not hasattr(report, "registered")  # the report keeps no case data


@pytest.mark.parametrize("status", [HitStatus.CONFIRMED, HitStatus.REJECTED])
def test_a_verdict_is_given_once(status: HitStatus) -> None:
    verified = dataclasses.replace(
        hit(1, registered=date(2026, 9, 1), received=date(2026, 9, 2)), status=status
    )
    with pytest.raises(InputError) as confirming:
        confirm(verified, own_state="BE", calendar=BE)
    with pytest.raises(InputError) as rejecting:
        reject(verified, on=date(2026, 9, 3), calendar=BE)
    assert confirming.value.code == rejecting.value.code == "GW-HIT-ALREADY-VERIFIED"
