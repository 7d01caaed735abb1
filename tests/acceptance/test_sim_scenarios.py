"""Every shipped scenario passes against the gateway and the simulators; a wrong expectation
fails with a readable difference."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from simkit import Both

from simulators.scenarios.model import Scenario, load_scenario, new_run_id, shipped_scenarios
from simulators.scenarios.runner import Endpoints, ScenarioRunner, passed, play, report

SHIPPED = shipped_scenarios()


def _endpoints(both: Both) -> Endpoints:
    return Endpoints(api=both.endpoints.api, token=both.token, control=both.simulator.control_url)


async def _run(both: Both, path: Path) -> tuple[bool, str]:
    return await _play(both, load_scenario(path))


async def _play(both: Both, scenario: Scenario) -> tuple[bool, str]:
    run = new_run_id()
    async with aiohttp.ClientSession() as session:
        runner = ScenarioRunner(session, _endpoints(both), run=run, today=datetime.now(UTC).date())
        outcomes = await runner.run(scenario)
    return passed(outcomes), report(scenario, outcomes, run)


def test_at_least_eight_scenarios_cover_both_regimes() -> None:
    assert len(SHIPPED) >= 8
    names = " ".join(path.stem for path in SHIPPED)
    for regime in ("2013", "2024", "ammr", "dublin3"):
        assert regime in names


async def test_every_shipped_scenario_passes(wired: Both) -> None:
    """Against the gateway and simulators as the demo runs them (DubliNet peers reached)."""
    reports: list[str] = []
    scenarios = [load_scenario(path) for path in SHIPPED]
    held = await play(
        scenarios, _endpoints(wired), today=datetime.now(UTC).date(), show=reports.append
    )
    assert held, "\n\n".join(reports)
    assert len(reports) == len(SHIPPED)
    assert all("FAIL" not in text for text in reports)


async def test_a_wrong_expectation_fails_with_a_readable_difference(
    both: Both, tmp_path: Path
) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "name: expects a hit where there is none\n"
        "steps:\n"
        '  - submit: {as: one, record: {person: 1, reference: "BE1${run}W1"}}\n'
        "  - expect: {eurodac: one, result: hit, within: 20}\n"
        "  - expect: {message: one, state: answered}\n",
        encoding="utf-8",
    )
    held, text = await _run(both, wrong)
    assert not held
    lines = text.splitlines()
    assert lines[1].strip() == "FAIL  step 2: expect eurodac one"
    difference = [line[8:] for line in lines if line.startswith(" " * 8)]
    assert difference[:2] == ["--- expected", "+++ actual"]
    assert '-  "result": "hit"' in difference
    assert '+  "result": "no-hit"' in difference
    assert lines[-2].strip() == "PASS  step 3: expect message one"
    assert lines[-1].strip() == "1 of 2 expectations passed"


async def test_a_case_whose_history_is_not_the_expected_one_fails_with_the_difference(
    wired: Both,
) -> None:
    [path] = [path for path in SHIPPED if path.stem.endswith("reexamination-then-transfer")]
    shipped = load_scenario(path)
    *story, last = shipped.steps
    assert last.kind == "expect"
    history = list(last.args["history"])
    history[1:3] = [history[2], history[1]]  # asked again before it was refused: not so
    wrong = dataclasses.replace(last, args={**last.args, "history": history, "within": 3})
    held, text = await _play(wired, dataclasses.replace(shipped, steps=(*story, wrong)))
    assert not held
    lines = text.splitlines()
    assert f"  FAIL  step {last.number}: expect case request" in lines
    assert [line[8:] for line in lines if line.startswith(" " * 8)] == [
        "--- expected",
        "+++ actual",
        "@@ -3,4 +3,4 @@",
        '     "opened",',
        '+    "rejection",',
        '     "reexamination_request",',
        '-    "rejection",',
        '     "acceptance",',
    ]
    before = sum(step.kind == "expect" for step in story)
    assert lines[-1].strip() == f"{before} of {before + 1} expectations passed"


async def test_a_detained_request_expected_with_the_ordinary_reply_limit_fails(
    wired: Both,
) -> None:
    """Reg 604/2013 Art 28(3) against Art 22(1): the shipped scenario expects two weeks; the
    same story expecting two months fails, showing the date the gateway counted."""
    [path] = [path for path in SHIPPED if path.stem.endswith("detained-take-charge-request")]
    shipped = load_scenario(path)
    *story, last = shipped.steps
    assert last.args["deadline_date"] == "+2 weeks"
    ordinary = {**last.args, "deadline_date": "+2 months", "deadline_basis":
                "Reg 604/2013 Art 22(1) and 22(7)", "within": 3}  # fmt: skip
    wrong = dataclasses.replace(last, args=ordinary)
    held, text = await _play(wired, dataclasses.replace(shipped, steps=(*story, wrong)))
    assert not held
    difference = [line[8:] for line in text.splitlines() if line.startswith(" " * 8)]
    assert '+  "deadline_basis": "Reg 604/2013 Art 28(3)",' in difference
    [found] = [line for line in difference if line.startswith('+  "deadline_date"')]
    [wanted] = [line for line in difference if line.startswith('-  "deadline_date"')]
    assert found != wanted.replace("-", "+", 1)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("steps: [{launch: {}}]", "step 1"),
        ("steps: [{expect: {eurodac: x, colour: red}}]", "step 1"),
        ("steps: [{submit: {record: {}}}]", "step 1"),
        ("steps: [{peer_message: {request: x}}]", "step 1"),
        ("steps: [{case_message: {case: x, type: info-request, colour: red}}]", "step 1"),
        ("steps: [{seed: {record: {}}}, {expect: {case: x, history: [], code: 1}}]", "step 2"),
        ("steps: [{expect: {case: x, deadline_date: in two weeks}}]", "step 1"),
        ("steps: [{case_event: {case: x}}]", "step 1"),
        ("name: no steps", "file"),
    ],
)
def test_a_malformed_scenario_is_refused_with_its_place(
    tmp_path: Path, text: str, where: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    from gateway.errors import ConfigError  # noqa: PLC0415

    with pytest.raises(ConfigError) as raised:
        load_scenario(path)
    assert raised.value.code == "GW-SIM-SCENARIO"
    assert raised.value.path == f"{path}: {where}"
