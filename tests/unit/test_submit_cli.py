"""`eugw submit`: the record estimate, the progress line, and usage errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main
from gateway.cli.submit import estimate_records, progress_line


def test_records_are_estimated_by_lines(tmp_path: Path) -> None:
    lines = tmp_path / "a.jsonl"
    lines.write_text('{"a": 1}\n\n{"a": 2}\n')
    table = tmp_path / "a.csv"
    table.write_text("x;y\n1;2\n3;4\n5;6\n")
    array = tmp_path / "a.json"
    array.write_text('  [{"a": 1}]')
    assert estimate_records(lines, None) == 2
    assert estimate_records(table, "csv") == 3
    assert estimate_records(array, "json") is None


def test_the_progress_line_fills_its_bar() -> None:
    batch = {"total": 50, "mapped": 48, "rejected": 3, "queued": 47}
    half = progress_line(batch, 100)
    assert half.startswith("[" + "#" * 15 + "." * 15 + "]  50% 50/100 records")
    assert half.endswith("(mapped 48, rejected 3, queued 47)")
    assert progress_line(batch, None) == "50 records (mapped 48, rejected 3, queued 47)"
    assert "100%" in progress_line({**batch, "total": 120}, 100)


def test_without_a_token_submit_is_bad_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("EUGW_TOKEN", "EU_GATEWAY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    export = tmp_path / "e.jsonl"
    export.write_text("{}\n")
    assert main(["submit", str(export), "--source", "actio"]) == 2
    assert "GW-CFG-USAGE: a submitter's token is needed (--token or $EUGW_TOKEN)" in (
        capsys.readouterr().err
    )
    missing = ["submit", str(tmp_path / "none"), "--source", "actio", "--token", "t"]
    assert main(missing) == 1
    assert "GW-IN-FILE" in capsys.readouterr().err


def test_an_unreachable_gateway_is_a_transport_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "e.jsonl"
    export.write_text("{}\n")
    args = [
        "submit",
        str(export),
        "--source",
        "actio",
        "--token",
        "t",
        "--url",
        "http://127.0.0.1:9",
    ]
    assert main(args) == 1
    assert "GW-TRN-REFUSED" in capsys.readouterr().err
