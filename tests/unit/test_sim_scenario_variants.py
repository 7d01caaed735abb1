"""The scenario language for a case's variants: a peer's detained or urgent request, an
operator's event on the case, and the last day an expectation names."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.errors import ConfigError
from gateway.tracking.periods import Period, Unit
from simulators.scenarios.model import load_scenario, relative_period


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("+2 weeks", Period(amount=2, unit=Unit.WEEKS)),
        ("+1 week", Period(amount=1, unit=Unit.WEEKS)),
        ("+18 months", Period(amount=18, unit=Unit.MONTHS)),
        (" +3 years ", Period(amount=3, unit=Unit.YEARS)),
        ("+5 days", Period(amount=5, unit=Unit.DAYS)),
        ("2 weeks", None),
        ("+0 days", None),
        ("+2 fortnights", None),
        ("today + 2 weeks", None),
    ],
)
def test_a_relative_last_day_names_a_period(text: str, period: Period | None) -> None:
    assert relative_period(text) == period


def test_a_scenario_can_say_detained_record_an_event_and_expect_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "variants.yaml"
    path.write_text(
        "steps:\n"
        "  - peer_request: {as: r, peer: NL, type: take-charge-request, detained: true,\n"
        "                  urgent: true, urgency_reason: removal order}\n"
        "  - expect: {case: r, deadline: take-charge-reply, deadline_date: '+2 weeks',\n"
        "             deadline_basis: 'Reg 604/2013 Art 28(3)', deadline_state: BE}\n"
        "  - case_event: {case: r, event: absconded, reason: reported by NL}\n"
        "  - expect: {case: r, deadline_date: 2027-03-04}\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert [step.kind for step in scenario.steps] == [
        "peer_request",
        "expect",
        "case_event",
        "expect",
    ]
    assert scenario.steps[2].args == {"case": "r", "event": "absconded", "reason": "reported by NL"}


def test_a_last_day_that_is_neither_a_date_nor_a_period_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("steps: [{expect: {case: r, deadline_date: '+2 fortnights'}}]\n")
    with pytest.raises(ConfigError) as raised:
        load_scenario(path)
    assert (raised.value.code, raised.value.path) == ("GW-SIM-SCENARIO", f"{path}: step 1")
    assert "deadline_date" in raised.value.message
