"""The synthetic exports: deterministic per seed, consistent across sources, broken at the rate."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest

from gateway.mapping import load_source_mapping
from gateway.synthetic.exports import generate_exports
from gateway.synthetic.exports.sources import evibel_row
from gateway.synthetic.persons import SyntheticPerson, make_person

MAPPINGS = Path(__file__).parents[2] / "mappings"
FILES = {
    "evibel/applications.jsonl": ("evibel", "json"),
    "evibel/applications.csv": ("evibel", "csv"),
    "actio/case-files.jsonl": ("actio", "json"),
    "waiting-register/extract.csv": ("waiting-register", "csv"),
}


def digest(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    generate_exports(count=60, seed=5, out=tmp_path / "a", invalid_rate=0.1)
    generate_exports(count=60, seed=5, out=tmp_path / "b", invalid_rate=0.1)
    generate_exports(count=60, seed=6, out=tmp_path / "c", invalid_rate=0.1)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_a_person_does_not_depend_on_the_count() -> None:
    assert make_person(9, 17) == make_person(9, 17)
    assert make_person(9, 17) != make_person(9, 18)


def rejected(path: Path, source: str, fmt: str) -> tuple[int, int]:
    mapping = load_source_mapping(MAPPINGS, source, fmt)
    rows = bad = 0
    with path.open(encoding="utf-8", newline="") as stream:
        for row in mapping.read(stream):
            rows += 1
            result = None if row.problem else mapping.map(row.data, today=date(2026, 11, 30))
            bad += result is None or result.record is None
    return rows, bad


@pytest.mark.parametrize("rate", [0.0, 0.1])
def test_the_mapping_rejects_exactly_the_rows_broken_on_purpose(
    tmp_path: Path, rate: float
) -> None:
    manifest = generate_exports(count=150, seed=11, out=tmp_path, invalid_rate=rate)
    for name, (source, fmt) in FILES.items():
        counts = manifest["files"][name]
        assert rejected(tmp_path / name, source, fmt) == (counts["rows"], counts["invalid"]), name
    invalid = sum(manifest["files"][name]["invalid"] for name in FILES)
    rows = sum(manifest["files"][name]["rows"] for name in FILES)
    if rate == 0.0:
        assert invalid == 0
    else:
        assert 0.04 * rows < invalid < 0.2 * rows  # about 10%, drawn per row


def test_the_dirt_is_there() -> None:
    people = [make_person(1, i) for i in range(400)]
    scripts = {p.origin.nationality for p in people if not p.family_original.isascii()}
    assert {"SYR", "UKR", "TUR"} <= scripts  # Arabic, Cyrillic, Latin with diacritics
    assert any(p.birth.day is None for p in people)
    assert any(p.birth.month is None for p in people)
    assert any(p.number_kind is not None and p.number_kind.value.startswith("bis") for p in people)
    assert any(p.national_number is None for p in people)
    assert any(p.family == "" for p in people)  # only the original spelling was typed


def test_the_printrak_hook_gets_every_person_and_the_printrak_directory(tmp_path: Path) -> None:
    seen: list[tuple[int, Path]] = []

    def hook(person: SyntheticPerson, directory: Path) -> None:
        seen.append((person.seed, directory))

    generate_exports(count=5, seed=2, out=tmp_path, printrak_writer=hook)
    assert seen == [(make_person(2, i).seed, tmp_path / "printrak") for i in range(5)]
    assert (tmp_path / "printrak").is_dir()


def test_a_broken_row_differs_from_the_clean_one_in_one_field() -> None:
    person = make_person(3, 4)
    clean, broken = evibel_row(person), evibel_row(person, broken=True)
    changed = [key for key in clean.keys() | broken.keys() if clean.get(key) != broken.get(key)]
    assert len(changed) == 1
