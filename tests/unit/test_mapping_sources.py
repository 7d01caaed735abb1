"""Actio and Waiting Register exports map; their bad values give every problem."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest

from gateway.domain.eurodac import Operation
from gateway.domain.record import CanonicalRecord
from gateway.mapping import Mapping, load_source_mapping
from gateway.mapping.engine import MapResult

TODAY = date(2026, 7, 10)
SAMPLES = Path(__file__).parents[2] / "mappings" / "samples"


@pytest.fixture(scope="module")
def actio() -> Mapping:
    return load_source_mapping(SAMPLES.parent, "actio")


@pytest.fixture(scope="module")
def waiting_register() -> Mapping:
    return load_source_mapping(SAMPLES.parent, "waiting-register", "csv")


def map_sample(mapping: Mapping, name: str) -> list[tuple[int, MapResult | str]]:
    out: list[tuple[int, MapResult | str]] = []
    with (SAMPLES / name).open(encoding="utf-8") as stream:
        for row in mapping.read(stream):
            if row.problem is not None:
                out.append((row.number, row.problem.code))
            else:
                out.append((row.number, mapping.map(row.data, today=TODAY)))
    return out


def records(results: list[tuple[int, MapResult | str]]) -> list[CanonicalRecord]:
    found = []
    for _, result in results:
        assert isinstance(result, MapResult)
        assert result.problems == (), [str(p) for p in result.problems]
        assert result.record is not None
        found.append(result.record)
    return found


def test_the_actio_sample_maps(actio: Mapping) -> None:
    granted, refused, pending = records(map_sample(actio, "actio/case-files.json"))
    assert granted.transaction is not None
    assert granted.transaction.operation is Operation.MARK
    assert granted.application is not None
    assert granted.application.identifiers.cgrs_file_number == "25/10871"
    assert refused.transaction is None
    assert refused.person.name.given_original == "Ayşe"
    assert refused.person.nationalities == ("TUR",)
    assert pending.person.nationalities == ("AFG", "IRN")


def test_bad_actio_records_give_every_problem(actio: Mapping) -> None:
    (first, result), (second, code) = map_sample(actio, "actio/invalid.json")
    assert (first, second, code) == (1, 2, "GW-MAP-ROW")
    assert isinstance(result, MapResult)
    assert [(p.code, p.path, p.source) for p in result.problems] == [
        ("GW-MAP-REQUIRED", "application.identifiers.io_file_number", "ov_nummer"),
        ("GW-MAP-REQUIRED", "person.name.family", "identiteit.volledige_naam"),
        ("GW-MAP-CODE", "person.sex", "identiteit.geslacht"),
        ("GW-MAP-DATE", "person.birth_date", "identiteit.geboortedatum"),
        ("GW-MAP-DATE", "application.lodged_on", "procedure.ingediend_op"),
        ("GW-MAP-CODE", "application.procedure", "procedure.type"),
        ("GW-VAL-REQUIRED", "transaction.regime", "eurodac.regime"),
        ("GW-VAL-REQUIRED", "transaction.reference", "eurodac.referentie"),
    ]


def test_an_unknown_nationality_reaches_the_domain_rules(actio: Mapping) -> None:
    row = {
        "cgvs_dossiernummer": "26/1",
        "ov_nummer": "1",
        "identiteit": {"volledige_naam": "A, B", "nationaliteiten": ["SYR", "AFX"]},
    }
    result = actio.map(row, today=TODAY)
    assert [(p.code, p.path, p.source) for p in result.problems] == [
        ("GW-VAL-COUNTRY-CODE", "person.nationalities[1]", "identiteit.nationaliteiten")
    ]


def test_the_waiting_register_sample_maps(waiting_register: Mapping) -> None:
    found = records(map_sample(waiting_register, "waiting-register/extract.csv"))
    assert [r.application.identifiers.national_number for r in found if r.application] == [
        "88400005734",
        "95031212378",
        "01450008685",
    ]
    assert [str(r.person.birth_date) for r in found] == ["1988", "1995-03-12", "2001-05"]
    assert found[1].person.nationalities == ("SYR",)


def test_bad_waiting_register_lines_give_every_problem(waiting_register: Mapping) -> None:
    results = map_sample(waiting_register, "waiting-register/invalid.csv")
    assert [number for number, _ in results] == [2, 3, 4]
    found = [
        [(p.code, p.path) for p in result.problems] if isinstance(result, MapResult) else result
        for _, result in results
    ]
    ids = "application.identifiers"
    assert found == [
        [("GW-MAP-NATIONAL-NUMBER", f"{ids}.national_number"),
         ("GW-MAP-CODE", "person.nationalities[0]")],
        [("GW-MAP-REQUIRED", f"{ids}.national_number"),
         ("GW-MAP-REQUIRED", "person.name.family"),
         ("GW-MAP-DATE", "person.birth_date")],
        "GW-MAP-ROW",
    ]  # fmt: skip


def test_the_fixed_width_extract_maps_like_the_csv_one(waiting_register: Mapping) -> None:
    fixed = load_source_mapping(SAMPLES.parent, "waiting-register", "fixed")
    assert [columns[0] for columns in fixed.columns][:2] == ["RRN", "NAAM"]
    from_fixed = records(map_sample(fixed, "waiting-register/extract.txt"))
    from_csv = records(map_sample(waiting_register, "waiting-register/extract.csv"))
    assert from_fixed == from_csv


def test_a_fixed_width_line_too_short_for_the_layout_is_gw_map_row() -> None:
    fixed = load_source_mapping(SAMPLES.parent, "waiting-register", "fixed")
    rows = list(fixed.read(io.StringIO("88400005734IVANOVA, Olena\n\n")))
    assert [(row.number, row.problem.code if row.problem else None) for row in rows] == [
        (1, "GW-MAP-ROW")
    ]
