"""Scenario files and their records, without sockets."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest

from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import Operation, Regime
from gateway.errors import ConfigError, InputError
from simulators.eurodac.rules import expires_on
from simulators.scenarios.model import Scenario, load_scenario, shipped_scenarios, substitute
from simulators.scenarios.records import build_record, person_seed, relative_date
from simulators.scenarios.runner import Endpoints, play

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


def _last_day_of_seeded_data(scenario: Scenario) -> date | None:
    """The day before the first data set seeded on a fixed date is erased by its retention."""
    ends = []
    for step in scenario.steps:
        captured = str(step.args["record"].get("captured", "today")) if step.kind == "seed" else ""
        if not captured or captured.startswith("today"):
            continue  # seeded relative to the day of the run: it lives as long as the run
        record = build_record(substitute(step.args["record"], "RUN01"), run="RUN01", today=TODAY)
        assert record.transaction is not None
        assert record.biometrics is not None
        end = expires_on(  # a seeded data set counts as transmitted the day it was taken
            record.transaction.regime,
            record.transaction.category,
            captured_on=record.biometrics.captured_on,
            transmitted_on=record.biometrics.captured_on,
        )
        if end is not None:
            ends.append(end - timedelta(days=1))
    return min(ends, default=None)


@pytest.mark.parametrize("path", shipped_scenarios(), ids=lambda path: path.stem)
def test_a_scenario_says_until_when_its_seeded_data_exist(path: Path) -> None:
    """A scenario seeding data on a fixed day can happen only while the law keeps them; the
    day it declares is the one the Central System's retention rules give."""
    scenario = load_scenario(path)
    last = scenario.can_happen_until
    assert (last.day if last else None) == _last_day_of_seeded_data(scenario)


def test_a_bad_last_day_is_refused_with_the_file(tmp_path: Path) -> None:
    for value in ('"soon"', "{day: 2027-12-10}", "{day: soon, because: x}"):
        path = tmp_path / "bad.yaml"
        path.write_text(f"can_happen_until: {value}\nsteps: [{{expect: {{message: a}}}}]\n")
        with pytest.raises(ConfigError) as raised:
            load_scenario(path)
        assert raised.value.code == "GW-SIM-SCENARIO"
        assert raised.value.path == f"{path}: can_happen_until"


def test_a_scenario_past_its_last_day_is_reported_not_played(tmp_path: Path) -> None:
    path = tmp_path / "over.yaml"
    path.write_text(
        "name: Over\n"
        "can_happen_until: {day: 2027-12-10, because: the data are erased}\n"
        "steps: [{expect: {message: a}}]\n"
    )
    scenario = load_scenario(path)
    # Nothing listens at these endpoints: a scenario that was played would fail.
    nowhere = Endpoints(api="http://127.0.0.1:9", token="t", control="http://127.0.0.1:9")  # noqa: S106
    for day, held in ((date(2027, 12, 11), True), (date(2027, 12, 10), False)):
        reports: list[str] = []
        assert asyncio.run(play([scenario], nowhere, today=day, show=reports.append)) is held
        said = "NOT PLAYED  it can no longer happen after 2027-12-10: the data are erased"
        assert (said in reports[0]) is held
