"""Evibel exports (JSON and CSV) map to canonical records; bad values give every problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from gateway.domain.serialization import decode_record, encode
from gateway.mapping import Mapping, load_mapping, read_rows
from gateway.mapping.builder import GiveUp, build_record, to_json
from gateway.synthetic.exports.sources import evibel_row
from gateway.synthetic.persons import make_person

TODAY = date(2026, 7, 10)

MAPPINGS = Path(__file__).parents[2] / "mappings"


@pytest.fixture(scope="module")
def evibel_json() -> Mapping:
    return load_mapping(Path(__file__).parents[2] / "mappings" / "evibel.json.yaml")


@pytest.fixture(scope="module")
def evibel_csv() -> Mapping:
    return load_mapping(Path(__file__).parents[2] / "mappings" / "evibel.csv.yaml")


def map_file(mapping: Mapping, path: Path) -> list[object]:
    with path.open(encoding="utf-8") as stream:
        results = [mapping.map(row.data, today=TODAY) for row in mapping.read(stream)]
    for result in results:
        assert result.problems == (), [str(p) for p in result.problems]
    return [encode(result.record) for result in results]


def test_the_json_sample_maps(evibel_json: Mapping) -> None:
    records = map_file(evibel_json, MAPPINGS / "samples" / "evibel" / "applications.json")
    assert len(records) == 4
    first = records[0]
    assert first["person"]["name"] == {
        "family": "IVANOVA",
        "given": "Olena",
        "family_original": "Іванова",
        "given_original": "Олена",
        "script": "Cyrl",
    }
    assert first["person"]["birth_date"] == "1988"
    assert first["person"]["documents"] == [
        {
            "type": "passport",
            "number": "FA123456",
            "issuing_country": "UKR",
            "valid_until": "2030-05-12",
        }
    ]
    assert first["application"]["identifiers"]["national_number"] == "88400005734"
    assert first["transaction"]["reference"] == "BE1000096120040001"
    assert records[1]["person"]["name"]["family_original"] == "محمد"
    assert "transaction" not in records[1]  # no Eurodac block, no transaction
    assert records[3]["application"]["procedure"] == "dublin"


def test_the_csv_sample_maps_to_the_same_records(evibel_json: Mapping, evibel_csv: Mapping) -> None:
    samples = MAPPINGS / "samples" / "evibel"
    from_json = map_file(evibel_json, samples / "applications.json")
    from_csv = map_file(evibel_csv, samples / "applications.csv")
    assert from_csv[:3] == from_json[:3]
    assert from_csv[3]["person"]["nationalities"] == ["AFG", "IRN"]  # split on |


def test_a_bad_record_gives_every_problem_with_code_path_and_source(evibel_json: Mapping) -> None:
    with (MAPPINGS / "samples" / "evibel" / "invalid.json").open(encoding="utf-8") as stream:
        (row,) = read_rows(stream, "json")
    result = evibel_json.map(row.data)
    assert result.record is None
    assert {(p.code, p.path, p.source) for p in result.problems} == {
        ("GW-MAP-REQUIRED", "application.identifiers.io_file_number", "ov_nummer"),
        (
            "GW-MAP-NATIONAL-NUMBER",
            "application.identifiers.national_number",
            "rijksregisternummer",
        ),
        ("GW-MAP-CODE", "person.sex", "geslacht"),
        ("GW-MAP-DATE", "person.birth_date", "geboortedatum"),
        ("GW-MAP-CODE", "person.nationalities[1]", "nationaliteiten"),
        ("GW-MAP-DATE", "application.registered_on", "aanvraag.geregistreerd_op"),
        ("GW-VAL-REQUIRED", "person.documents[0].number", "document.nummer"),
        ("GW-VAL-REQUIRED", "person.documents[0].issuing_country", "document.land"),
    }


IDS = "application.identifiers"
REFERENCE = "BE1000096120040001"
GOOD = {
    "ov_nummer": "9612004",
    "naam": "Dupont",
    "aanvraag": {"geregistreerd_op": "02/07/2026"},
}


@pytest.mark.parametrize(
    ("change", "code", "path", "source"),
    [
        ({"ov_nummer": " "}, "GW-MAP-REQUIRED", f"{IDS}.io_file_number", "ov_nummer"),
        ({"naam": None}, "GW-MAP-REQUIRED", "person.name.family", "naam"),
        ({"naam": "☃☃"}, "GW-MAP-NAME", "person.name", "naam"),
        ({"naam": {"x": 1}}, "GW-MAP-TYPE", "person.name", "naam"),
        ({"geslacht": "Z"}, "GW-MAP-CODE", "person.sex", "geslacht"),
        ({"geboortedatum": "1990-01-01"}, "GW-MAP-DATE", "person.birth_date", "geboortedatum"),
        ({"geboorteland": "XX"}, "GW-MAP-CODE", "person.birth_country", "geboorteland"),
        ({"rijksregisternummer": "88400005735"}, "GW-MAP-NATIONAL-NUMBER",
         f"{IDS}.national_number", "rijksregisternummer"),
        ({"document": {"type": "PAS", "nummer": "X1"}}, "GW-VAL-REQUIRED",
         "person.documents[0].issuing_country", "document.land"),
        ({"eurodac": {"regime": "1999/1", "categorie": 1, "referentie": REFERENCE}},
         "GW-VAL-ENUM", "transaction.regime", "eurodac.regime"),
        ({"eurodac": {"regime": "603/2013", "categorie": "een", "referentie": REFERENCE}},
         "GW-MAP-TYPE", "transaction.category", "eurodac.categorie"),
        ({"geboortedatum": "01/01/2022"}, "GW-VAL-MINIMUM-AGE",
         "person.birth_date", "geboortedatum"),
        ({"aanvraag": {"geregistreerd_op": "02/07/2026", "ingediend_op": "01/07/2026"}},
         "GW-VAL-DATE-ORDER", "application.lodged_on", "aanvraag.ingediend_op"),
    ],
)  # fmt: skip
def test_each_kind_of_bad_value(
    evibel_json: Mapping, change: dict[str, object], code: str, path: str, source: str
) -> None:
    assert evibel_json.map(GOOD, today=TODAY).problems == ()
    result = evibel_json.map({**GOOD, **change}, today=TODAY)
    assert result.record is None
    assert [(p.code, p.path, p.source) for p in result.problems] == [(code, path, source)]


def test_a_record_that_is_not_an_object_is_gw_map_row(evibel_json: Mapping) -> None:
    (problem,) = evibel_json.map(["not", "an", "object"]).problems
    assert problem.code == "GW-MAP-ROW"


def test_defaults_fill_what_the_source_leaves_out(evibel_json: Mapping) -> None:
    record = evibel_json.map(GOOD).record
    assert record is not None
    assert record.person.sex.value == "X"
    assert record.application is not None
    assert record.application.procedure is not None
    assert record.application.procedure.value == "first"


def test_the_fast_builder_builds_what_the_decoder_decodes(evibel_json: Mapping) -> None:
    built = 0
    for index in range(300):
        tree, problems = evibel_json.tree(evibel_row(make_person(8, index), broken=index % 7 == 0))
        decoded = decode_record(to_json(tree))
        try:
            record = build_record(tree)
        except GiveUp:
            assert problems or decoded.problems
        else:
            built += 1
            assert record == decoded.value
    assert built > 200
