"""Source exports through the real API: a Printrak capture in, an enrolment queued; an Evibel
export refused with every record's problem, a broken row with its source field, its line and its
canonical path."""

from __future__ import annotations

import json
from pathlib import Path

from integration.test_gateway_flow import Running, running, submit  # noqa: F401 - the fixture

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples"


async def _post(
    running: Running,  # noqa: F811 - the fixture
    body: bytes,
    key: str,
    query: str,
) -> tuple[int, dict[str, object]]:
    status, answer, _ = await submit(running, body, key, query=query)
    return status, answer


async def test_a_printrak_capture_is_enrolled_and_its_message_queued(
    running: Running,  # noqa: F811 - the fixture
) -> None:
    body = (SAMPLES / "printrak" / "applicant-2024-type14.eft").read_bytes()
    status, answer = await _post(running, body, "nist-1", "source=printrak")
    assert status == 202, answer
    [message_id] = answer["message_ids"]  # type: ignore[misc]
    stored = await running.services.store.get(message_id)
    assert stored is not None
    assert stored.message_type == "eurodac.enrolment"
    assert stored.reference == "BE1000000008123456"  # derived from the IO number 8123456
    again = await _post(running, body, "nist-1", "source=printrak")
    assert again == (202, answer)


async def test_an_evibel_csv_export_is_refused_for_want_of_biometrics_record_by_record(
    running: Running,  # noqa: F811 - the fixture
) -> None:
    body = (SAMPLES / "evibel" / "applications.csv").read_bytes()
    status, problem = await _post(running, body, "csv-1", "source=evibel&format=csv")
    assert status == 422, problem
    assert problem["code"] == "GW-IN-BIOMETRICS"
    rows = body.count(b"\n") - 1
    paths = [p["path"] for p in problem["problems"]]  # type: ignore[union-attr,index]
    assert paths == [f"[{i}].biometrics" for i in range(rows)]
    assert await running.services.store.counts() == {}


async def test_an_actio_export_queues_the_markings_of_its_protection_decisions(
    running: Running,  # noqa: F811 - the fixture
) -> None:
    records = json.loads((SAMPLES / "actio" / "case-files.json").read_bytes())
    granted = [r for r in records if r.get("beslissing", {}).get("code") in ("VS", "SB")]
    assert granted
    body = json.dumps(granted).encode()
    status, answer = await _post(running, body, "actio-1", "source=actio&format=json")
    assert status == 202, answer
    ids = answer["message_ids"]
    assert isinstance(ids, list)
    assert len(ids) == len(granted)
    stored = [await running.services.store.get(message_id) for message_id in ids]
    assert {m.message_type for m in stored if m is not None} == {"eurodac.mark"}


async def test_a_broken_row_is_refused_with_its_source_field_and_canonical_path(
    running: Running,  # noqa: F811 - the fixture
) -> None:
    lines = (SAMPLES / "evibel" / "applications.csv").read_text(encoding="utf-8").splitlines()
    fields = lines[2].split(";")
    fields[7] = "31/02/1995"  # geboortedatum: no such day
    lines[2] = ";".join(fields)
    body = ("\n".join(lines) + "\n").encode()
    status, problem = await _post(running, body, "csv-2", "source=evibel&format=csv")
    assert status == 422, problem
    problems = problem["problems"]
    assert isinstance(problems, list)
    [found] = [p for p in problems if p["code"] == "GW-MAP-DATE"]
    assert found["path"] == "[1].person.birth_date"
    assert "line 3" in found["message"]
    assert "source field 'geboortedatum'" in found["message"]
    assert await running.services.store.counts() == {}


async def test_a_waiting_register_record_names_no_transaction(
    running: Running,  # noqa: F811 - the fixture
) -> None:
    body = (SAMPLES / "waiting-register" / "extract.csv").read_bytes()
    status, problem = await _post(running, body, "wr-1", "source=waiting-register&format=csv")
    assert status == 422, problem
    codes = {p["code"] for p in problem["problems"]}  # type: ignore[union-attr,index]
    assert codes == {"GW-MSG-MISSING"}
    bad_format, refused = await _post(running, body, "wr-2", "source=waiting-register&format=xml")
    assert (bad_format, refused["code"]) == (422, "GW-IN-FORMAT")


async def test_an_export_whose_keys_do_not_fit_the_specification_is_refused_whole(
    running: Running,  # noqa: F811 - the fixture
) -> None:
    """A key renamed in one record: no record is mapped, submitted or queued, and the
    problem names the key (the others would have gone out without their birth date)."""
    records = json.loads((SAMPLES / "actio" / "case-files.json").read_bytes())
    granted = [r for r in records if r.get("beslissing", {}).get("code") in ("VS", "SB")]
    granted[0]["identiteit"]["birthdate"] = granted[0]["identiteit"].pop("geboortedatum")
    body = json.dumps(granted).encode()
    status, problem = await _post(running, body, "actio-2", "source=actio&format=json")
    assert status == 422, problem
    assert problem["code"] == "GW-MAP-HEADER"
    assert problem["problems"] == [
        {"code": "GW-MAP-HEADER", "message": problem["detail"], "path": "identiteit.birthdate"}
    ]
    lines = (SAMPLES / "evibel" / "applications.csv").read_bytes().replace(b";", b",")
    status, problem = await _post(running, lines, "csv-3", "source=evibel&format=csv")
    assert (status, problem["code"]) == (422, "GW-MAP-FORMAT")
    assert await running.services.store.counts() == {}
