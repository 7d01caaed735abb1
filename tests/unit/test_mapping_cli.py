"""`eugw map`, `eugw sample generate` and the mapping benchmark, as a user runs them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from eugw_process import child_env

from gateway.cli.map_records import map_stream
from gateway.mapping import load_source_mapping
from gateway.mapping.bench import bench_mapping

MAPPINGS = Path(__file__).parents[2] / "mappings"
SAMPLES = MAPPINGS / "samples"


def eugw(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=child_env({"EUGW_MAPPINGS_DIR": str(MAPPINGS)}),
    )


def test_map_prints_canonical_json_lines() -> None:
    result = eugw("map", "--source", "evibel", str(SAMPLES / "evibel" / "applications.json"))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["application"]["identifiers"]["io_file_number"] for r in records] == [
        "9612004",
        "9734118",
        "9734120",
        "9701733",
    ]
    assert result.stderr.strip().endswith("mapped 4, rejected 0")


def test_map_reports_problems_and_exits_1() -> None:
    sample = SAMPLES / "waiting-register" / "invalid.csv"
    result = eugw("map", "--source", "waiting-register", "--format", "csv", str(sample))
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert f"{sample}:2: GW-MAP-NATIONAL-NUMBER: " in lines[0]
    assert lines[0].endswith(
        "(at application.identifiers.national_number, from source field 'RRN')"
    )
    assert lines[-1].endswith(
        "mapped 0, rejected 3 (GW-MAP-CODE 1, GW-MAP-DATE 1, GW-MAP-NATIONAL-NUMBER 1, "
        "GW-MAP-REQUIRED 2, GW-MAP-ROW 1)"
    )


def test_map_reports_json_with_json() -> None:
    result = eugw("map", "--source", "actio", "--json", str(SAMPLES / "actio" / "invalid.json"))
    assert result.returncode == 1
    *entries, summary = [json.loads(line) for line in result.stderr.splitlines()]
    assert [entry["record"] for entry in entries] == [1, 2]
    assert entries[0]["problems"][0] == {
        "code": "GW-MAP-REQUIRED",
        "message": "a value is required",
        "path": "application.identifiers.io_file_number",
        "source": "ov_nummer",
    }
    assert summary["summary"]["rejected"] == 2


def test_bad_usage_exits_2() -> None:
    result = eugw("map", "--source", "actio", "--format", "csv", "x.csv")
    assert result.returncode == 2
    assert "GW-CFG-USAGE" in result.stderr


def test_map_streams_row_by_row() -> None:
    mapping = load_source_mapping(MAPPINGS, "evibel", "json")
    row = (SAMPLES / "evibel" / "applications.json").read_text(encoding="utf-8")
    first = json.dumps(json.loads(row)[0], ensure_ascii=False)
    lines = io.StringIO("\n".join([first, "{broken", first]) + "\n")
    out, err = io.StringIO(), io.StringIO()
    summary = map_stream(
        mapping, lines, "in", today=date(2026, 7, 1), as_json=False, out=out, err=err
    )
    assert (summary.mapped, summary.rejected) == (2, 1)
    assert err.getvalue().startswith("in:2: GW-MAP-ROW: ")
    assert len(out.getvalue().splitlines()) == 2


def test_sample_generate_then_map(tmp_path: Path) -> None:
    made = eugw("sample", "generate", "--count", "40", "--seed", "4", "--out", str(tmp_path))
    assert made.returncode == 0, made.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    result = eugw("map", "--source", "evibel", str(tmp_path / "evibel" / "applications.jsonl"))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == manifest["files"]["evibel/applications.jsonl"]["rows"]


def test_sample_generate_refuses_a_rate_above_1(tmp_path: Path) -> None:
    result = eugw(
        "sample", "generate", "--count", "1", "--out", str(tmp_path), "--invalid-rate", "2"
    )
    assert result.returncode == 2
    assert "GW-CFG-USAGE" in result.stderr


def test_the_benchmark_counts_what_it_maps() -> None:
    bench = bench_mapping(spec=MAPPINGS / "evibel.json.yaml", count=50, invalid_rate=0.1)
    assert (bench.records, bench.mapped, bench.rejected) == (50, 45, 5)
    assert bench.per_second > 0
    assert bench.per_cpu_second > 0
    assert "records/s" in str(bench)


def test_progress_is_shown_on_request_and_cleared_for_problems() -> None:
    mapping = load_source_mapping(MAPPINGS, "evibel", "json")
    row = json.dumps(json.loads((SAMPLES / "evibel" / "applications.json").read_text("utf-8"))[0])
    lines = io.StringIO("\n".join([row] * 1000 + ["{broken"]) + "\n")
    out, err = io.StringIO(), io.StringIO()
    map_stream(mapping, lines, "in", today=None, as_json=False, out=out, err=err, progress=True)
    assert err.getvalue() == (
        "\rmapped 1000, rejected 0"
        "\r\x1b[K"
        "in:1001: GW-MAP-ROW: line 1001 is not valid JSON: Expecting property name enclosed in "
        "double quotes (column 2)\n"
        "\r\x1b[K"
    )
