"""Write the synthetic exports of N persons: Evibel (JSON lines and CSV), Actio, Waiting Register.

    generate_exports(count=1000, seed=7, out=Path("var/sample"), invalid_rate=0.02)

Deterministic per seed: the same arguments write the same bytes. Each source
decides from the person's seed whether its row is broken (at `invalid_rate`),
and about 2% of persons appear twice in Evibel. `manifest.json` says how many
rows each file has and how many of them the mapping must reject.

Printrak: `printrak_writer` is the hook where the ANSI/NIST-ITL capture files
of each person will be written once the biometric generator is merged. It is
called once per person with the person (whose `seed` the fingerprint and face
generators derive from) and the `printrak/` directory. The default writes
nothing.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from gateway.synthetic.exports.sources import (
    actio_row,
    evibel_csv_row,
    evibel_row,
    waiting_register_row,
)
from gateway.synthetic.persons import SyntheticPerson, make_person

__all__ = [
    "EVIBEL_COLUMNS",
    "REGISTER_COLUMNS",
    "ExportCounts",
    "PrintrakWriter",
    "generate_exports",
    "no_printrak",
]

PrintrakWriter = Callable[[SyntheticPerson, Path], None]

EVIBEL_COLUMNS = (
    "ov_nummer", "rijksregisternummer", "naam", "voornamen", "naam_origineel",
    "voornamen_origineel", "geslacht", "geboortedatum", "geboorteplaats", "geboorteland",
    "nationaliteiten", "document_type", "document_nummer", "document_land",
    "document_geldig_tot", "gedaan_op", "geregistreerd_op", "ingediend_op", "plaats",
    "procedure", "eurodac_regime", "eurodac_categorie", "eurodac_referentie",
)  # fmt: skip
REGISTER_COLUMNS = (
    "RRN", "NAAM", "GESLACHT", "GEBOORTEDATUM", "GEBOORTEPLAATS", "NATIONALITEIT", "DVZ_NR",
    "ADRES",
)  # fmt: skip
_DUPLICATE_RATE = 0.02


def no_printrak(person: SyntheticPerson, directory: Path) -> None:
    """The Printrak hook until the biometric side is merged: writes nothing."""


@dataclass(kw_only=True, slots=True)
class ExportCounts:
    """Rows written to one file, and how many of them are broken on purpose."""

    rows: int = 0
    invalid: int = 0
    duplicates: int = 0

    def add(self, *, broken: bool, duplicate: bool = False) -> None:
        self.rows += 1
        self.invalid += broken
        self.duplicates += duplicate


@dataclass(kw_only=True, slots=True)
class _Files:
    evibel_json: TextIO
    evibel_csv: csv.DictWriter[str]
    actio: TextIO
    register: csv.DictWriter[str]
    counts: dict[str, ExportCounts] = field(default_factory=dict)


def generate_exports(
    *,
    count: int,
    seed: int,
    out: Path,
    invalid_rate: float = 0.0,
    printrak_writer: PrintrakWriter = no_printrak,
) -> dict[str, Any]:
    """Write the exports of `count` persons under `out`; return (and write) the manifest."""
    if count < 0 or not 0.0 <= invalid_rate <= 1.0:
        raise ValueError("the count is not negative and the invalid rate is between 0 and 1")
    for directory in ("evibel", "actio", "waiting-register", "printrak"):
        (out / directory).mkdir(parents=True, exist_ok=True)
    names = {
        "evibel_json": "evibel/applications.jsonl",
        "evibel_csv": "evibel/applications.csv",
        "actio": "actio/case-files.jsonl",
        "register": "waiting-register/extract.csv",
    }
    with (
        (out / names["evibel_json"]).open("w", encoding="utf-8", newline="\n") as evibel_json,
        (out / names["evibel_csv"]).open("w", encoding="utf-8", newline="") as evibel_csv,
        (out / names["actio"]).open("w", encoding="utf-8", newline="\n") as actio,
        (out / names["register"]).open("w", encoding="utf-8", newline="") as register,
    ):
        files = _Files(
            evibel_json=evibel_json,
            evibel_csv=_csv_writer(evibel_csv, EVIBEL_COLUMNS, ";"),
            actio=actio,
            register=_csv_writer(register, REGISTER_COLUMNS, ","),
            counts={name: ExportCounts() for name in names.values()},
        )
        for index in range(count):
            person = make_person(seed, index)
            _write_person(person, files, names, invalid_rate)
            printrak_writer(person, out / "printrak")
    manifest = {
        "seed": seed,
        "count": count,
        "invalid_rate": invalid_rate,
        "files": {name: _as_dict(counts) for name, counts in files.counts.items()},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _write_person(
    person: SyntheticPerson, files: _Files, names: dict[str, str], invalid_rate: float
) -> None:
    rng = random.Random(f"{person.seed}:exports")  # noqa: S311 - synthetic data
    broken = {source: rng.random() < invalid_rate for source in ("evibel", "actio", "register")}
    twice = rng.random() < _DUPLICATE_RATE
    evibel = evibel_row(person, broken=broken["evibel"])
    for copy in range(2 if twice else 1):
        files.evibel_json.write(json.dumps(evibel, ensure_ascii=False) + "\n")
        files.evibel_csv.writerow(evibel_csv_row(evibel))
        for name in (names["evibel_json"], names["evibel_csv"]):
            files.counts[name].add(broken=broken["evibel"], duplicate=copy == 1)
    if person.cgrs_number is not None:
        row = actio_row(person, broken=broken["actio"])
        files.actio.write(json.dumps(row, ensure_ascii=False) + "\n")
        files.counts[names["actio"]].add(broken=broken["actio"])
    if person.national_number is not None:
        files.register.writerow(waiting_register_row(person, broken=broken["register"]))
        files.counts[names["register"]].add(broken=broken["register"])


def _csv_writer(stream: TextIO, columns: tuple[str, ...], delimiter: str) -> csv.DictWriter[str]:
    writer = csv.DictWriter(stream, fieldnames=columns, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    return writer


def _as_dict(counts: ExportCounts) -> dict[str, int]:
    return {"rows": counts.rows, "invalid": counts.invalid, "duplicates": counts.duplicates}
