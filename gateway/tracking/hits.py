"""Eurodac hits awaiting a fingerprint expert's verification, and what follows from the verdict.

A hit is used only once an expert has confirmed it. A confirmed hit proposes
the Dublin step that follows from the category of the matched record and the
Dublin regime of the application, with its deadline. A rejected (wrong) hit
is erased and reported within three working days; only what the report needs
is kept.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import StrEnum

from gateway.domain.dublin import DublinRegime, dublin_regime_for
from gateway.domain.eurodac import ReferenceNumber, Regime, regime_on
from gateway.domain.frozen import frozen
from gateway.errors import InputError
from gateway.tracking.deadlines import Deadline, compute_deadline
from gateway.tracking.holidays import HolidayCalendar
from gateway.tracking.periods import add_working_days
from gateway.tracking.rules import Facts, Step, Trigger, find_rule

__all__ = [
    "WRONG_HIT_WORKING_DAYS",
    "Confirmation",
    "Hit",
    "HitStatus",
    "StepProposal",
    "WrongHitReport",
    "confirm",
    "proposed_step",
    "reject",
]

WRONG_HIT_WORKING_DAYS = 3

# The article that obliges a member state to report a wrong hit, per Eurodac regime.
_WRONG_HIT_BASIS = {
    Regime.EURODAC_2013: "Reg 603/2013 Art 25",
    Regime.EURODAC_2024: "Reg 2024/1358 Art 38",
}

# Which step a hit on a record of another member state calls for, by the category
# digit of the matched record: an earlier application → take back; an irregular
# crossing or a disembarkation after search and rescue → take charge.
_STEP_BY_CATEGORY = {
    DublinRegime.DUBLIN3: {1: Step.TAKE_BACK_REQUEST, 2: Step.TAKE_CHARGE_REQUEST,
                           9: Step.TAKE_CHARGE_REQUEST},
    DublinRegime.AMMR: {1: Step.TAKE_BACK_NOTIFICATION, 2: Step.TAKE_CHARGE_REQUEST,
                        9: Step.TAKE_CHARGE_REQUEST},
}  # fmt: skip

# The categories whose hit makes a request "hit-based" (shorter periods): Reg 604/2013
# Art 21(1) and 23(2) (data under Art 9 and 14 of Reg 603/2013); Reg 2024/1351 Art 39(1)
# (data under Art 22 and 24 of Reg 2024/1358) and Art 41(1).
_HIT_BASED = {DublinRegime.DUBLIN3: frozenset({1, 2}), DublinRegime.AMMR: frozenset({1, 2, 9})}
_ILLEGAL_STAY = 3  # Reg 603/2013 Art 17, Reg 2024/1358 Art 23: the searching state's category


class HitStatus(StrEnum):
    AWAITING_VERIFICATION = "awaiting_verification"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@frozen
class Hit:
    """A hit from the central system: our transaction matched another record."""

    hit_id: str
    reference: ReferenceNumber  # our transaction
    matched: ReferenceNumber  # the record it matched
    received: date  # the day the hit reached us
    registered: date  # the day the application was registered (lodged)
    status: HitStatus = HitStatus.AWAITING_VERIFICATION

    @property
    def dublin_regime(self) -> DublinRegime:
        return dublin_regime_for(self.registered)


@frozen
class StepProposal:
    """The Dublin step a confirmed hit calls for, addressed to the matched record's state."""

    step: Step
    requested_state: str
    deadline: Deadline


@frozen
class Confirmation:
    hit: Hit
    proposal: StepProposal | None
    reason: str  # why this step, or why none


@frozen
class WrongHitReport:
    """What is kept of a rejected hit: enough to report it, no personal data."""

    hit_id: str
    reference: ReferenceNumber
    matched: ReferenceNumber
    rejected_on: date
    due: date
    legal_basis: str


def proposed_step(regime: DublinRegime, category: int) -> Step | None:
    """The step a hit on a record of `category` in another member state calls for."""
    return _STEP_BY_CATEGORY[regime].get(category)


def confirm(
    hit: Hit,
    *,
    own_state: str,
    calendar: HolidayCalendar,
    detained: bool = False,
) -> Confirmation:
    """The expert confirmed the hit: propose the Dublin step that follows, with its deadline."""
    confirmed = _verified(hit, HitStatus.CONFIRMED)
    regime = hit.dublin_regime
    category = hit.matched.category
    if hit.matched.member_state == own_state:
        return Confirmation(
            hit=confirmed, proposal=None, reason="the matched record is our own: no Dublin step"
        )
    step = proposed_step(regime, category)
    if step is None:
        return Confirmation(
            hit=confirmed,
            proposal=None,
            reason=f"no Dublin step follows from a category {category} hit by itself",
        )
    # Our transaction was a search of a person found staying illegally (category 3): no
    # application was made here, and Reg 604/2013 Art 24 sets the take back request's limit.
    no_application = hit.reference.category == _ILLEGAL_STAY and regime is DublinRegime.DUBLIN3
    facts = Facts(
        hit=category in _HIT_BASED[regime] or no_application,
        detained=detained,
        no_application=no_application,
    )
    rule = find_rule(regime, step, facts)
    start = hit.received if rule.trigger is Trigger.HIT else hit.registered
    deadline = compute_deadline(
        step=step, start=start, regime=regime, calendar=calendar, facts=facts
    )
    return Confirmation(
        hit=confirmed,
        proposal=StepProposal(
            step=step, requested_state=hit.matched.member_state, deadline=deadline
        ),
        reason=f"a category {category} record of {hit.matched.member_state} under "
        f"Reg {regime.value}: {step.value}",
    )


def reject(hit: Hit, *, on: date, calendar: HolidayCalendar) -> WrongHitReport:
    """A wrong hit found on `on`: erase it and report it within 3 working days."""
    _verified(hit, HitStatus.REJECTED)
    return WrongHitReport(
        hit_id=hit.hit_id,
        reference=hit.reference,
        matched=hit.matched,
        rejected_on=on,
        due=add_working_days(on, WRONG_HIT_WORKING_DAYS, calendar),
        legal_basis=_WRONG_HIT_BASIS[regime_on(hit.received)],
    )


def _verified(hit: Hit, status: HitStatus) -> Hit:
    if hit.status is not HitStatus.AWAITING_VERIFICATION:
        raise InputError(
            "GW-HIT-ALREADY-VERIFIED",
            f"hit {hit.hit_id} was already {hit.status.value}; a verdict is given once",
            "status",
        )
    return dataclasses.replace(hit, status=status)
