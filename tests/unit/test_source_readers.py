"""Readers of source exports for the ingest API: records or every problem, derived enrolments."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from gateway.domain.eurodac import Operation, Regime
from gateway.errors import InputError
from gateway.mapping.source_readers import Reader, record_sources, source_readers

MAPPINGS = Path(__file__).parents[2] / "mappings"
SAMPLES = MAPPINGS / "samples"


@pytest.fixture(scope="module")
def readers() -> dict[str, Reader]:
    return source_readers(MAPPINGS, member_state="BE", max_records=5)


def test_there_is_a_reader_per_source(readers: dict[str, Reader]) -> None:
    assert sorted(readers) == ["actio", "evibel", "printrak", "waiting-register"]


def test_a_printrak_capture_becomes_an_applicants_enrolment(readers: dict[str, Reader]) -> None:
    body = (SAMPLES / "printrak" / "applicant-2013-type4.an2").read_bytes()
    [record], problems = readers["printrak"](body, None)
    assert problems == []
    assert record.transaction is not None
    assert record.transaction.operation is Operation.ENROL
    assert record.transaction.category == 1
    assert record.transaction.regime is Regime.EURODAC_2013  # captured in March 2026
    assert str(record.transaction.reference) == "BE1000000007012345"


def test_a_broken_printrak_file_gives_its_nist_problem(readers: dict[str, Reader]) -> None:
    records, problems = readers["printrak"](b"1.001:10\x1c", None)
    assert records == []
    assert problems[0].code.startswith("GW-NIST-")
    assert problems[0].path.startswith("[0]")


def test_evibel_records_get_their_enrolment_and_are_refused_without_biometrics(
    readers: dict[str, Reader],
) -> None:
    body = (SAMPLES / "evibel" / "applications.json").read_bytes()
    records, problems = readers["evibel"](body, "json")
    assert len(records) == 4
    derived = [r.transaction for r in records]
    assert all(t is not None and t.operation is Operation.ENROL for t in derived)
    assert str(derived[1].reference) == "BE1000000009734118"  # type: ignore[union-attr]
    assert derived[1].regime is Regime.EURODAC_2024  # type: ignore[union-attr]
    assert [p.code for p in problems] == ["GW-IN-BIOMETRICS"] * 4
    assert [p.path for p in problems] == [f"[{i}].biometrics" for i in range(4)]


def test_every_problem_of_every_row_names_its_line_and_source_field(
    readers: dict[str, Reader],
) -> None:
    body = (SAMPLES / "waiting-register" / "invalid.csv").read_bytes()
    records, problems = readers["waiting-register"](body, "csv")
    assert records == []
    first = problems[0]
    assert first.code == "GW-MAP-NATIONAL-NUMBER"
    assert first.path == "[0].application.identifiers.national_number"
    assert "line 2" in first.message
    assert "source field 'RRN'" in first.message
    assert len({p.path.split(".")[0] for p in problems}) == 3


def test_format_encoding_size_and_emptiness_are_refused(readers: dict[str, Reader]) -> None:
    assert readers["actio"](b"[]", "csv")[1][0].code == "GW-IN-FORMAT"
    assert readers["printrak"](b"", "csv")[1][0].code == "GW-IN-FORMAT"
    assert readers["evibel"](b"\xff\xfe{", "json")[1][0].code == "GW-IN-ENCODING"
    assert readers["evibel"](b"", "json")[1][0].code == "GW-IN-SIZE"
    six = b"\n".join(b'{"ov_nummer": "1"}' for _ in range(6))
    records, problems = readers["evibel"](six, "json")
    assert (records, [p.code for p in problems]) == ([], ["GW-IN-SIZE"])
    assert readers["evibel"](b"[1, ", "json")[1][0].code == "GW-IN-JSON"


def test_canonical_records_are_read_line_by_line_with_their_problems(
    readers: dict[str, Reader],
) -> None:
    sources = record_sources(readers)
    assert sorted(sources) == ["actio", "canonical", "evibel", "waiting-register"]
    good = json.loads((SAMPLES / "canonical" / "applicant-2026.json").read_text())
    lines = [json.dumps(good), "{not json", json.dumps({**good, "biometrics": None})]
    body = io.BytesIO(("\n".join(lines) + "\n").encode())
    first, second, third = sources["canonical"].records(body, None)
    assert first.record is not None
    assert first.problems == ()
    assert (second.record, second.problems[0].code, second.line) == (None, "GW-MAP-ROW", 2)
    assert [p.code for p in third.problems] == ["GW-IN-BIOMETRICS"]
    assert third.problems[0].path == "[2].biometrics"
    with pytest.raises(InputError):
        sources["canonical"].records(io.BytesIO(b""), "csv")
