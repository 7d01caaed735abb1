"""Printrak captures of the sample generator, `eugw map --source printrak` and `eugw merge DIR`."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from datetime import date
from pathlib import Path

import pytest
from eugw_process import run_eugw

from gateway.ansi_nist import read_printrak
from gateway.cli.merge_exports import write_merged
from gateway.domain.eurodac import Regime
from gateway.mapping.export_dir import merge_export_directory
from gateway.synthetic.biometrics import compare, templates_of
from gateway.synthetic.biometrics.captures import biometric_set
from gateway.synthetic.exports import generate_exports
from gateway.synthetic.exports.printrak import capture_file_name, capture_record, write_capture
from gateway.synthetic.persons import make_person

MAPPINGS = Path(__file__).parents[2] / "mappings"
TODAY = date(2026, 11, 30)


def eugw(*args: str) -> subprocess.CompletedProcess[str]:
    return run_eugw(*args, env={"EUGW_MAPPINGS_DIR": str(MAPPINGS)}, timeout=120)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("exports")
    generate_exports(count=30, seed=4, out=out, printrak_writer=write_capture)
    return out


def test_each_person_has_a_capture_that_reads_back_as_the_person(exports: Path) -> None:
    files = sorted((exports / "printrak").iterdir())
    assert [f.name for f in files] == [capture_file_name(make_person(4, i)) for i in range(30)]
    person = make_person(4, 7)
    record = read_printrak((exports / "printrak" / capture_file_name(person)).read_bytes())
    assert record.application is not None
    assert record.application.identifiers.io_file_number == person.io_number
    assert record.application.identifiers.national_number == person.national_number
    assert record.person.birth_date == person.birth
    assert record.biometrics is not None
    assert record.biometrics.captured_on == person.registered_on
    assert len(record.biometrics.fingerprints) == 10
    assert (record.biometrics.face is not None) == (person.eurodac_regime == "2024/1358")


def test_the_captures_are_deterministic(exports: Path, tmp_path: Path) -> None:
    generate_exports(count=3, seed=4, out=tmp_path, printrak_writer=write_capture)
    for path in sorted((tmp_path / "printrak").iterdir()):
        assert path.read_bytes() == (exports / "printrak" / path.name).read_bytes()


def test_a_later_capture_of_the_same_person_matches_and_another_person_does_not(
    exports: Path,
) -> None:
    person, other = make_person(4, 3), make_person(4, 4)
    stored = read_printrak((exports / "printrak" / capture_file_name(person)).read_bytes())
    assert stored.biometrics is not None
    enrolled = templates_of(stored.biometrics)
    regime = Regime(person.eurodac_regime)
    later = templates_of(biometric_set(person.seed, 1, regime))
    stranger = templates_of(biometric_set(other.seed, 1, Regime(other.eurodac_regime)))
    assert compare(enrolled, later).matched
    assert not compare(enrolled, stranger).matched


def test_a_person_with_only_an_original_family_name_gets_its_transliteration() -> None:
    person = next(
        p for p in (make_person(1, i) for i in range(2000)) if not p.family and p.family_original
    )
    name = capture_record(person).person.name
    assert name.family
    assert name.family.isascii()
    assert name.family_original == person.family_original


def test_map_source_printrak_maps_a_directory_and_reports_a_bad_file(
    exports: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "captures"
    folder.mkdir()
    for name in ("capture-000000.eft", "capture-000001.eft"):
        (folder / name).write_bytes((exports / "printrak" / name).read_bytes())
    (folder / "capture-000002.eft").write_bytes(b"1.001:12\x1d1.002:0502\x1c")
    (folder / "notes.txt").write_text("not a transaction")
    result = eugw("map", "--source", "printrak", str(folder))
    assert result.returncode == 1
    ios = [json.loads(line)["application"]["identifiers"]["io_file_number"] for line in
           result.stdout.splitlines()]  # fmt: skip
    assert ios == [make_person(4, 0).io_number, make_person(4, 1).io_number]
    assert f"{folder / 'capture-000002.eft'}:1: GW-NIST-" in result.stderr
    assert "notes.txt" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"{folder}: mapped 2, rejected 1")


def test_merge_joins_the_three_sources_of_every_person(exports: Path) -> None:
    merged = merge_export_directory(exports, MAPPINGS, today=TODAY)
    assert not merged.rejected
    assert [p.problems for p in merged.persons if p.problems] == []
    with_all = [p for p in merged.persons if len(p.sources) == 3]
    assert with_all, "some persons are in Evibel, Printrak and the Waiting Register"
    for person in with_all:
        assert person.record is not None
        assert person.record.biometrics is not None
        assert person.record.person.birth_place


def test_merge_reports_a_planted_conflict_with_both_sources_and_the_path(
    exports: Path, tmp_path: Path
) -> None:
    planted = tmp_path / "planted"
    generate_exports(count=30, seed=4, out=planted, printrak_writer=write_capture)
    register = planted / "waiting-register" / "extract.csv"
    with register.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    victim = rows[0]
    victim["GEBOORTEPLAATS"] = "ELSEWHERE"
    with register.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    merged = merge_export_directory(planted, MAPPINGS, today=TODAY)
    failed = [p for p in merged.persons if p.record is None]
    assert len(failed) == 1
    (conflict,) = failed[0].problems
    assert conflict.code == "GW-MAP-CONFLICT"
    assert conflict.path == "person.birth_place"
    assert "waiting-register says 'ELSEWHERE'" in conflict.message
    assert "evibel says" in conflict.message
    assert f"io:{victim['DVZ_NR']}" in failed[0].keys
    out, err = io.StringIO(), io.StringIO()
    assert write_merged(merged, as_json=True, biometrics=False, out=out, err=err) == 1
    reported = json.loads(err.getvalue().splitlines()[0])
    assert reported["problems"][0]["path"] == "person.birth_place"
    assert set(reported["problems"][0]["source"].split(", ")) >= {"waiting-register"}
    assert all("biometrics" not in json.loads(line) for line in out.getvalue().splitlines())
    assert len(out.getvalue().splitlines()) == len(merged.persons) - 1


def test_eugw_merge_prints_records_and_the_conflicts(exports: Path, tmp_path: Path) -> None:
    result = eugw("merge", "--without-biometrics", str(exports))
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(merge_export_directory(exports, MAPPINGS).persons)
    assert "0 not merged; 0 records could not be mapped" in result.stderr
    missing = eugw("merge", str(tmp_path / "nowhere"))
    assert missing.returncode == 1
    assert "GW-IN-FILE" in missing.stderr


def test_sample_generate_writes_printrak_unless_told_not_to(tmp_path: Path) -> None:
    assert eugw("sample", "generate", "--count", "2", "--out", str(tmp_path / "a")).returncode == 0
    assert len(list((tmp_path / "a" / "printrak").iterdir())) == 2
    quick = eugw(
        "sample", "generate", "--count", "2", "--no-printrak", "--out", str(tmp_path / "b")
    )
    assert quick.returncode == 0
    assert list((tmp_path / "b" / "printrak").iterdir()) == []
