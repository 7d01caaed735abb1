"""A source export's header is checked against its specification before any record: a missing
or unknown column (key) refuses the whole export; content in another format is named."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gateway.errors import ConfigError, InputError
from gateway.mapping import Mapping, format_of_file, load_mapping, load_source_mapping
from gateway.synthetic.exports.files import generate_exports

MAPPINGS = Path(__file__).parents[2] / "mappings"
SAMPLES = MAPPINGS / "samples"


def spec(name: str) -> Mapping:
    source, fmt = name.rsplit(".", 1)
    return load_source_mapping(MAPPINGS, source, fmt)


def refusal(mapping: Mapping, text: str) -> list[tuple[str, str]]:
    """(code, path) of each problem that refuses the export; no row may come before it."""
    rows = mapping.read(io.StringIO(text))
    with pytest.raises(InputError) as refused:
        next(rows)
    return [(p.code, p.path) for p in refused.value.problems]


def evibel_csv(header_from: str = "", header_to: str = "") -> str:
    text = (SAMPLES / "evibel" / "applications.csv").read_text(encoding="utf-8")
    head, rest = text.split("\n", 1)
    return head.replace(header_from, header_to) + "\n" + rest


def test_a_renamed_csv_column_refuses_the_file_naming_both_columns() -> None:
    problems = refusal(spec("evibel.csv"), evibel_csv("geboortedatum", "birthdate"))
    assert problems == [("GW-MAP-HEADER", "geboortedatum"), ("GW-MAP-HEADER", "birthdate")]


def test_the_sentences_say_what_the_column_is_for_and_what_to_do() -> None:
    rows = spec("evibel.csv").read(io.StringIO(evibel_csv("geboortedatum", "birthdate")))
    with pytest.raises(InputError) as refused:
        next(rows)
    missing, unknown = (p.message for p in refused.value.problems)
    assert "no column 'geboortedatum'" in missing
    assert "person.birth_date" in missing
    assert "'birthdate' is not in" in unknown
    assert "'unread'" in unknown


def test_a_column_listed_as_unread_is_taken_and_any_other_is_not() -> None:
    register = spec("waiting-register.csv")
    extract = (SAMPLES / "waiting-register" / "extract.csv").read_text(encoding="utf-8")
    assert "ADRES" in extract.splitlines()[0]
    assert len(list(register.read(io.StringIO(extract)))) == 3
    assert "ADRES" in register.fields.unread
    head, rest = extract.split("\n", 1)
    assert refusal(register, f"{head},TELEFOON\n" + rest.replace("\n", ",\n")) == [
        ("GW-MAP-HEADER", "TELEFOON")
    ]
    assert refusal(register, head.replace(",ADRES", ",RRN") + "\n" + rest) == [
        ("GW-MAP-HEADER", "RRN")  # twice: csv would keep the last one quietly
    ]


def test_csv_content_in_another_format_is_named() -> None:
    evibel = spec("evibel.csv")
    json_text = (SAMPLES / "evibel" / "applications.json").read_text(encoding="utf-8")
    assert refusal(evibel, json_text) == [("GW-MAP-FORMAT", "")]
    register = spec("waiting-register.csv")
    extract = (SAMPLES / "waiting-register" / "extract.csv").read_text(encoding="utf-8")
    rows = register.read(io.StringIO(extract.replace(",", ";")))
    with pytest.raises(InputError, match=r"not separated by ','.* but by ';'"):
        next(rows)


def test_an_empty_csv_file_has_no_header_to_refuse() -> None:
    assert list(spec("evibel.csv").read(io.StringIO(""))) == []


def test_a_json_key_the_specification_does_not_read_refuses_the_file_at_any_depth() -> None:
    records = json.loads((SAMPLES / "evibel" / "applications.json").read_text(encoding="utf-8"))
    records[1]["birthdate"] = records[1].pop("geboortedatum")
    records[2]["aanvraag"]["gedaan"] = "01/07/2026"
    records[3]["nationaliteiten"] = [{"code": "SY"}]  # read whole: what it holds is the rule's
    lines = "\n".join(json.dumps(record) for record in records)
    assert refusal(spec("evibel.json"), lines) == [
        ("GW-MAP-HEADER", "birthdate"),
        ("GW-MAP-HEADER", "aanvraag.gedaan"),
    ]
    rows = spec("evibel.json").read(io.StringIO(json.dumps(records)))
    with pytest.raises(InputError, match=r"first in the record at item 2\)"):
        next(rows)


def test_a_json_key_read_may_be_absent_and_an_unread_one_present() -> None:
    actio = spec("actio.json")
    granted = json.loads((SAMPLES / "actio" / "case-files.json").read_text(encoding="utf-8"))[0]
    assert granted["beslissing"]["datum"]  # listed under unread
    del granted["identiteit"]["geboortedatum"]
    [row] = actio.read(io.StringIO(json.dumps(granted)))
    assert row.problem is None
    assert actio.map(row.data).record is not None


def test_a_json_export_on_a_stream_that_cannot_be_read_again_is_checked_too() -> None:
    class Pipe(io.StringIO):
        def seekable(self) -> bool:
            return False

    evibel = spec("evibel.json")
    good = (SAMPLES / "evibel" / "applications.json").read_text(encoding="utf-8")
    assert len(list(evibel.read(Pipe(good)))) == 4
    assert refusal(evibel, '{"ov_nummer": "1", "extra": 2}\n') == [("GW-MAP-HEADER", "extra")]
    assert refusal(evibel, "ov_nummer;naam\n1;A\n") == [("GW-MAP-FORMAT", "")]


def test_a_fixed_width_line_with_text_after_the_layout() -> None:
    fixed = spec("waiting-register.fixed")
    lines = (SAMPLES / "waiting-register" / "extract.txt").read_text(encoding="utf-8")
    first, *others = lines.splitlines()
    assert refusal(fixed, first + "XYZ\n") == [("GW-MAP-HEADER", "characters 114-116")]
    assert len(list(fixed.read(io.StringIO(first + "   \n")))) == 1  # trailing blanks: none
    rows = list(fixed.read(io.StringIO("\n".join([first, others[0] + " +32 2 555"]) + "\n")))
    assert [row.problem.code if row.problem else None for row in rows] == [None, "GW-MAP-ROW"]
    assert refusal(fixed, '{"RRN": "1"}\n') == [("GW-MAP-FORMAT", "")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("    DVZ_NR: [104, 113]\n", "no rule reads the column 'DVZ_NR'"),
        ("    ADRES: [114, 160]\n", "no rule reads the column 'ADRES'"),
    ],
)
def test_a_fixed_layout_must_fit_its_rules(tmp_path: Path, change: str, message: str) -> None:
    text = (MAPPINGS / "waiting-register.fixed.yaml").read_text(encoding="utf-8")
    if "ADRES" in change:
        text = text.replace("    DVZ_NR: [104, 113]\n", "    DVZ_NR: [104, 113]\n" + change)
    else:
        text = text.replace(
            "  - to: application.identifiers.io_file_number\n    from: DVZ_NR\n", ""
        )
    (tmp_path / "spec.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as refused:
        load_mapping(tmp_path / "spec.yaml", MAPPINGS / "codelists")
    assert refused.value.code == "GW-MAP-SPEC"


def test_a_rule_reading_a_column_the_layout_lacks_and_unread_misuse_are_refused(
    tmp_path: Path,
) -> None:
    text = (MAPPINGS / "waiting-register.fixed.yaml").read_text(encoding="utf-8")
    cases = {
        "the layout has no column 'PLAATS'": text.replace("from: GEBOORTEPLAATS", "from: PLAATS"),
        "'RRN' is read by a rule": text.replace(
            "extensions: [.txt]\n", "extensions: [.txt]\nunread:\n  RRN: not needed\n"
        ),
        "'unread' maps each field": text.replace(
            "extensions: [.txt]\n", "extensions: [.txt]\nunread: [ADRES]\n"
        ),
        "'extensions' lists file name endings": text.replace("[.txt]", "[txt]"),
    }
    for message, changed in cases.items():
        (tmp_path / "spec.yaml").write_text(changed, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_mapping(tmp_path / "spec.yaml", MAPPINGS / "codelists")


def test_the_format_comes_from_the_file_name_as_the_specifications_say() -> None:
    assert format_of_file(MAPPINGS, "evibel", "x/applications.csv") == "csv"
    assert format_of_file(MAPPINGS, "evibel", "applications.JSONL") == "json"
    assert format_of_file(MAPPINGS, "waiting-register", "extract.txt") == "fixed"
    assert format_of_file(MAPPINGS, "waiting-register", "extract.dat") is None
    assert format_of_file(None, "waiting-register", "extract.csv") == "csv"
    with pytest.raises(ConfigError, match=r"actio exports come as json \(.json, .jsonl\)"):
        format_of_file(MAPPINGS, "actio", "case-files.csv")


def test_every_synthetic_export_fits_its_specification(tmp_path: Path) -> None:
    """The demo and `eugw sample generate` write what the specifications read, broken rows
    included (their faults are in values, never in the header)."""
    generate_exports(count=60, seed=3, out=tmp_path, invalid_rate=0.3)
    for source, fmt, name in [
        ("evibel", "json", "evibel/applications.jsonl"),
        ("evibel", "csv", "evibel/applications.csv"),
        ("actio", "json", "actio/case-files.jsonl"),
        ("waiting-register", "csv", "waiting-register/extract.csv"),
    ]:
        mapping = load_source_mapping(MAPPINGS, source, fmt)
        with (tmp_path / name).open(encoding="utf-8", newline="") as stream:
            assert len(list(mapping.read(stream))) > 30, name
