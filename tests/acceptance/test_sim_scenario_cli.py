"""`eugw sim scenario` as a tester runs it against a live gateway and the simulators: each
scenario's report, then how many held."""

from __future__ import annotations

from pathlib import Path

from eugw_process import eugw
from simkit import Both


async def test_the_run_ends_with_how_many_scenarios_held(both: Both, tmp_path: Path) -> None:
    answered = tmp_path / "answered.yaml"
    answered.write_text(
        "name: a search is answered\n"
        "steps:\n"
        '  - submit: {as: one, record: {person: 1, reference: "BE1${run}A1"}}\n'
        "  - expect: {message: one, state: answered, within: 20}\n",
        encoding="utf-8",
    )
    dead = tmp_path / "dead.yaml"
    dead.write_text(
        "name: expects a dead letter that does not happen\n"
        "steps:\n"
        '  - submit: {as: one, record: {person: 1, reference: "BE1${run}D1"}}\n'
        "  - expect: {message: one, state: dead, within: 1}\n",
        encoding="utf-8",
    )
    status, out, err = await eugw(
        "sim", "scenario", str(answered), str(dead), "--api", both.endpoints.api,
        "--control", both.simulator.control_url, "--token", both.token,
    )  # fmt: skip
    assert status == 1, out + err
    assert out.count("Scenario: ") == 2
    assert out.splitlines()[-1] == "1 of 2 scenarios held"
