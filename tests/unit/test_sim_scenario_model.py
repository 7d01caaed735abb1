"""Scenario files and their records, without sockets."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import Operation, Regime
from gateway.errors import InputError
from simulators.scenarios.model import load_scenario, shipped_scenarios, substitute
from simulators.scenarios.records import build_record, person_seed, relative_date

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("today", TODAY),
        ("today-5d", date(2026, 11, 24)),
        ("today-3y", date(2023, 11, 29)),
        ("2026-03-10", date(2026, 3, 10)),
    ],
)
def test_relative_dates(text: str, day: date) -> None:
    assert relative_date(text, TODAY) == day


def test_years_back_from_29_february() -> None:
    assert relative_date("today-1y", date(2028, 2, 29)) == date(2027, 2, 28)


def test_run_ids_are_substituted_everywhere() -> None:
    value = {"a": "BE1${run}X", "b": ["${run}", 3], "c": {"d": "x${run}"}}
    assert substitute(value, "AB12C") == {"a": "BE1AB12CX", "b": ["AB12C", 3], "c": {"d": "xAB12C"}}


def test_a_person_is_the_same_within_a_run_and_another_across_runs() -> None:
    assert person_seed("RUN01", 1) == person_seed("RUN01", 1)
    assert person_seed("RUN01", 1) != person_seed("RUN02", 1)
    assert person_seed("RUN01", 1) != person_seed("RUN01", 2)


def test_a_record_follows_its_keys() -> None:
    record = build_record(
        {
            "person": 4,
            "capture": 1,
            "reference": "BE3RUN01X",
            "operation": "search",
            "captured": "2026-03-10",
            "birth": "today-20y",
        },
        run="RUN01",
        today=TODAY,
    )
    assert record.transaction is not None
    assert record.transaction.regime is Regime.EURODAC_2013  # the regime of the day of capture
    assert record.transaction.operation is Operation.SEARCH
    assert record.transaction.category == 3
    assert record.biometrics is not None
    assert record.biometrics.captured_on == date(2026, 3, 10)
    assert record.biometrics.face is None  # no facial image under 603/2013
    assert record.person.birth_date == PartialDate(year=2006)


def test_a_bad_record_names_what_is_wrong() -> None:
    for spec in (
        {"reference": "BE1X"},
        {"person": 1, "colour": "red"},
        {"person": 1, "captured": "soon"},
    ):
        with pytest.raises(InputError) as raised:
            build_record(spec, run="R", today=TODAY)
        assert raised.value.code == "GW-SIM-SCENARIO"


def test_every_shipped_scenario_is_well_formed() -> None:
    for path in shipped_scenarios():
        scenario = load_scenario(path)
        assert scenario.steps, path
        assert any(step.kind == "expect" for step in scenario.steps), path
