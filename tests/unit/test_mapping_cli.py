"""`eugw map`, `eugw sample generate` and the mapping benchmark, as a user runs them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from eugw_process import child_env, run_eugw

from gateway.bench.mapping import bench_mapping
from gateway.cli.map_records import map_stream
from gateway.mapping import load_source_mapping

MAPPINGS = Path(__file__).parents[2] / "mappings"
SAMPLES = MAPPINGS / "samples"


def eugw(*args: str) -> subprocess.CompletedProcess[str]:
    return run_eugw(*args, env={"EUGW_MAPPINGS_DIR": str(MAPPINGS)})


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


def test_a_renamed_column_refuses_the_export_before_any_record(tmp_path: Path) -> None:
    """The new user's file: `geboortedatum` renamed `birthdate` mapped '4 mapped, 0 rejected'
    with every birth date missing. Now nothing is mapped, and both columns are named."""
    renamed = tmp_path / "applications.csv"
    text = (SAMPLES / "evibel" / "applications.csv").read_text(encoding="utf-8")
    renamed.write_text(text.replace("geboortedatum", "birthdate", 1), encoding="utf-8")
    result = eugw("map", "--source", "evibel", str(renamed))
    assert (result.returncode, result.stdout) == (1, "")
    missing, unknown, summary = result.stderr.splitlines()
    assert missing.startswith(f"{renamed}: GW-MAP-HEADER: the header line has no column ")
    assert missing.endswith("(at geboortedatum)")
    assert unknown.startswith(f"{renamed}: GW-MAP-HEADER: the column 'birthdate' is not in ")
    assert unknown.endswith("(at birthdate)")
    assert summary.startswith(f"{renamed}: refused before any record")
    as_json = eugw("map", "--source", "evibel", "--json", str(renamed))
    report = json.loads(as_json.stderr)
    assert [(p["code"], p["path"]) for p in report["problems"]] == [
        ("GW-MAP-HEADER", "geboortedatum"),
        ("GW-MAP-HEADER", "birthdate"),
    ]


def test_an_unknown_json_key_refuses_the_export_from_a_file_or_standard_input(
    tmp_path: Path,
) -> None:
    records = json.loads((SAMPLES / "evibel" / "applications.json").read_text(encoding="utf-8"))
    records[3]["aanvraag"]["plaatss"] = records[3]["aanvraag"].pop("plaats")
    lines = "".join(json.dumps(record) + "\n" for record in records)
    export = tmp_path / "applications.jsonl"
    export.write_text(lines, encoding="utf-8")
    from_file = eugw("map", "--source", "evibel", str(export))
    piped = subprocess.run(
        [sys.executable, "-m", "gateway", "map", "--source", "evibel", "-"],
        input=lines, capture_output=True, text=True, timeout=60, check=False,
        env=child_env({"EUGW_MAPPINGS_DIR": str(MAPPINGS)}),
    )  # fmt: skip
    for result in (from_file, piped):
        assert (result.returncode, result.stdout) == (1, "")
        assert "GW-MAP-HEADER: the key 'aanvraag.plaatss' (first in the record at line 4)" in (
            result.stderr
        )


def test_the_format_is_taken_from_the_file_name_and_checked_against_the_content(
    tmp_path: Path,
) -> None:
    csv_file = SAMPLES / "evibel" / "applications.csv"
    by_name = eugw("map", "--source", "evibel", str(csv_file))
    assert by_name.returncode == 0, by_name.stderr
    assert len(by_name.stdout.splitlines()) == 4
    fixed = eugw(
        "map", "--source", "waiting-register", str(SAMPLES / "waiting-register" / "extract.txt")
    )
    assert (fixed.returncode, len(fixed.stdout.splitlines())) == (0, 3), fixed.stderr
    wrong = eugw("map", "--source", "evibel", "--format", "json", str(csv_file))
    assert (wrong.returncode, wrong.stdout) == (1, "")
    assert "GW-MAP-FORMAT: the export is not JSON: it begins with 'ov_nummer;" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    misnamed = tmp_path / "case-files.csv"
    misnamed.write_bytes((SAMPLES / "actio" / "case-files.json").read_bytes())
    refused = eugw("map", "--source", "actio", str(misnamed))
    assert refused.returncode == 2
    assert "case-files.csv' is named like a csv export: give --format" in refused.stderr
    taken = eugw("map", "--source", "actio", "--format", "json", str(misnamed))
    assert taken.returncode == 0, taken.stderr
