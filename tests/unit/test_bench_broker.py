"""The broker benchmarks run and report plausible figures (speed itself is not asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main


def test_bench_store_reports_each_step_for_both_stores(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "store", "--count", "50", "--batch", "10", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert [figure["store"] for figure in figures] == ["sqlite", "postgresql"]
    for figure in figures:
        assert figure["count"] == 50
        assert all(figure[key] > 0 for key in ("enqueue_per_s", "claim_per_s", "ack_per_s"))


@pytest.mark.parametrize(
    "args",
    [
        ["bench", "store", "--count", "0"],
        ["bench", "store", "--batch", "0"],
        ["bench", "pipeline", "--count", "0"],
        ["bench", "pipeline", "--end-to-end", "--count", "-1"],
    ],
)
def test_a_count_below_one_is_bad_usage(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    assert "GW-CFG-USAGE" in capsys.readouterr().err


def test_bench_pipeline_accepts_every_record(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "pipeline", "--count", "12", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["count"] == 12
    assert figures["submissions_per_s"] > 0


def test_bench_pipeline_end_to_end_reports_latency_and_the_floor(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "pipeline", "--end-to-end", "--count", "8", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["count"] == 8
    assert 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert figures["floor_per_s"] > 0
    assert figures["share_of_floor"] > 0


def test_bench_pipeline_end_to_end_repeated_reports_each_run_and_the_median(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "pipeline", "--end-to-end", "--count", "6", "--runs", "3", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert [run["count"] for run in figures["runs"]] == [6, 6, 6]
    shares = sorted(run["share_of_floor"] for run in figures["runs"])
    assert figures["median"]["share_of_floor"] == shares[1]


def test_bench_pipeline_end_to_end_sets_both_stores_side_by_side_without_warnings(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no mappings/ here: the benchmark brings its own
    arguments = ["bench", "pipeline", "--end-to-end", "--count", "6", "--runs", "2"]
    assert main([*arguments, "--store", "sqlite,postgresql"]) == 0
    out, err = capsys.readouterr()
    assert "no mappings directory" not in out + err
    lines = out.splitlines()
    assert sum(line.startswith("run 1/2: SQLite: 6 messages") for line in lines) == 1
    assert sum(line.startswith("run 2/2: PostgreSQL: 6 messages") for line in lines) == 1
    [ratio] = [line for line in lines if line.startswith("PostgreSQL against SQLite")]
    assert "% of its throughput, p99 " in ratio
    assert main([*arguments, "--store", "sqlite,postgresql", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert sorted(document["stores"]) == ["postgresql", "sqlite"]
    assert [run["count"] for run in document["stores"]["sqlite"]["runs"]] == [6, 6]
    assert document["postgresql_to_sqlite"]["throughput"] > 0


def test_bench_pipeline_end_to_end_runs_two_gateways_on_one_postgresql(
    capsys: pytest.CaptureFixture[str],
) -> None:
    arguments = ["bench", "pipeline", "--end-to-end", "--count", "12", "--json"]
    assert main([*arguments, "--store", "postgresql", "--gateways", "2"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["count"] == 12
    assert main([*arguments, "--store", "sqlite", "--gateways", "2"]) == 2  # one process's
    assert "GW-CFG-USAGE" in capsys.readouterr().err


def test_bench_pipeline_runs_two_gateways_for_a_duration(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The long run spreads its submissions over both gateways' APIs."""
    arguments = ["bench", "pipeline", "--end-to-end", "--store", "postgresql", "--gateways", "2"]
    assert main([*arguments, "--duration", "4", "--interval", "2", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["acknowledged"] > 0
    assert len(figures["intervals"]) == 2
