"""`eugw bench mapping` and `eugw bench nist` print figures measured on generated data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main

MAPPINGS = Path(__file__).parents[2] / "mappings"


def test_bench_mapping_counts_what_it_mapped_and_rejected(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["bench", "mapping", "--count", "40", "--invalid-rate", "0.25", "--json"]
    assert main([*args, "--mappings", str(MAPPINGS)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["records"], report["mapped"], report["rejected"]) == (40, 30, 10)
    assert report["records_per_second"] > 0
    assert report["records_per_cpu_second"] > 0


def test_bench_nist_reports_every_stage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "nist", "--count", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 transactions of 13 records")
    for stage in ("write", "read and map to canonical", "templates", "gallery search"):
        assert stage in out


def test_a_count_below_one_is_bad_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "nist", "--count", "0"]) == 2
    assert "GW-CFG-USAGE" in capsys.readouterr().err
