"""The deadline engine: a step, the day of its triggering event and the case's facts → a date.

The row of `gateway.tracking.rules` gives the period, the article and the
effect; `gateway.tracking.periods` counts it under Regulation 1182/71 with the
holidays of the member state that must act.
"""

from __future__ import annotations

import datetime as dt

from gateway.domain.dublin import DublinRegime, dublin_regime_for
from gateway.domain.frozen import frozen
from gateway.errors import InputError
from gateway.tracking.holidays import HolidayCalendar
from gateway.tracking.periods import Period, nominal_end, period_end
from gateway.tracking.rules import Effect, Facts, Step, Variant, find_rule

__all__ = ["Deadline", "check_regime", "compute_deadline"]


@frozen
class Deadline:
    """The last day to act, why, and what happens when the day passes without the act.

    The act is in time until the end of `date`; `nominal_date` is the day the
    period ends before the move past weekends and holidays.
    """

    date: dt.date
    legal_basis: str
    effect: Effect
    step: Step
    regime: DublinRegime
    nominal_date: dt.date
    variant: Variant
    period: Period
    start: dt.date
    counted_from: str
    calendar: str
    note: str = ""

    @property
    def effect_if_missed(self) -> str:
        return self.effect.sentence

    def as_dict(self) -> dict[str, str]:
        """The JSON form: the three keys every consumer reads first, then the details."""
        return {
            "deadline": self.date.isoformat(),
            "legal_basis": self.legal_basis,
            "effect_if_missed": self.effect_if_missed,
            "effect": self.effect.value,
            "step": self.step.value,
            "regime": self.regime.value,
            "variant": self.variant.value,
            "period": str(self.period),
            "from": self.start.isoformat(),
            "counted_from": self.counted_from,
            "nominal_date": self.nominal_date.isoformat(),
            "calendar": self.calendar,
        } | ({"note": self.note} if self.note else {})


def compute_deadline(
    *,
    step: Step,
    start: dt.date,
    regime: DublinRegime,
    calendar: HolidayCalendar,
    facts: Facts = Facts(),  # noqa: B008 - Facts is frozen: a shared default is safe
) -> Deadline:
    """The deadline of `step`, counted from `start` (the day of the triggering event).

    `calendar` holds the public holidays of the member state that must act.
    Raises `InputError` when the regime has no such step, or leaves its time
    limit to an implementing act.
    """
    rule = find_rule(regime, step, facts)
    if rule.period is None:
        code = "GW-DL-NOT-LAID-DOWN" if rule.variant is Variant.BASE else "GW-DL-UNVERIFIED"
        raise InputError(
            code,
            f"{step.value!r} under Reg {regime.value} ({rule.variant.value}): "
            f"{rule.note}; see {rule.legal_basis}",
            "step",
        )
    return Deadline(
        date=period_end(start, rule.period, calendar),
        legal_basis=rule.legal_basis,
        effect=rule.effect,
        step=step,
        regime=regime,
        nominal_date=nominal_end(start, rule.period),
        variant=rule.variant,
        period=rule.period,
        start=start,
        counted_from=rule.counted_from,
        calendar=calendar.code,
        note=rule.note,
    )


def check_regime(regime: DublinRegime, registered: dt.date) -> None:
    """Refuse a regime that does not govern an application registered on `registered`."""
    expected = dublin_regime_for(registered)
    if regime is not expected:
        raise InputError(
            "GW-DL-REGIME-MISMATCH",
            f"an application registered on {registered.isoformat()} follows "
            f"Reg {expected.value}, not Reg {regime.value} (Reg 2024/1351 Art 84)",
            "regime",
        )
