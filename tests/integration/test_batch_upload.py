"""Batch upload through the real API: a generated export streamed in, each good record queued,
each bad one kept with its problems, progress until done; the same key answers the same batch."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from eugw_process import eugw
from integration.test_gateway_flow import Running, running  # noqa: F401 - the fixture
from polling import eventually

from gateway.broker.states import MessageState
from gateway.cli.merge_exports import write_merged
from gateway.cli.submit import estimate_records, submit_file
from gateway.mapping.export_dir import merge_export_directory
from gateway.ports import MessageFilter
from gateway.synthetic.exports import generate_exports
from gateway.synthetic.exports.printrak import write_capture

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


async def _call(
    running: Running,  # noqa: F811 - the fixture
    method: str,
    path: str,
    body: bytes | None = None,
    key: str = "",
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {running.token}"}
    if key:
        headers["Idempotency-Key"] = key
    async with (
        aiohttp.ClientSession() as session,
        session.request(
            method,
            f"{running.endpoints.api}{path}",
            data=None if body is None else io.BytesIO(body),
            headers=headers,
        ) as r,
    ):
        return r.status, await r.json(content_type=None)


async def _finished(running: Running, path: str, within: float) -> dict[str, Any]:  # noqa: F811
    """The batch at `path` once it is done (or failed)."""

    async def done() -> bool:
        return (await _call(running, "GET", path))[1]["done"] is True

    await eventually(done, within=within)
    _, progress = await _call(running, "GET", path)
    return progress


async def _eugw_submit(
    running: Running,  # noqa: F811 - the fixture
    *args: str,
    variable: str = "EUGW_TOKEN",
) -> tuple[int, str, str]:
    """`eugw submit *args` against the running gateway, as a process given the token in the
    environment `variable`: its exit status and output."""
    return await eugw(
        "submit", *args, "--url", running.endpoints.api, env={variable: running.token}
    )


@pytest.fixture
def actio_export(tmp_path: Path) -> tuple[bytes, dict[str, Any]]:
    manifest = generate_exports(count=60, seed=8, out=tmp_path, invalid_rate=0.1)
    return (tmp_path / "actio" / "case-files.jsonl").read_bytes(), manifest


async def test_a_batch_queues_good_records_and_keeps_bad_ones_with_their_problems(
    running: Running,  # noqa: F811 - the fixture
    actio_export: tuple[bytes, dict[str, Any]],
) -> None:
    body, manifest = actio_export
    counts = manifest["files"]["actio/case-files.jsonl"]
    status, started = await _call(running, "POST", "/v1/batches?source=actio", body, "b-1")
    assert status == 202, started
    batch_id = started["batch_id"]
    path = f"/v1/batches/{batch_id}?rejections_limit=1000"
    progress = await _finished(running, path, within=60)
    assert progress["state"] == "done"
    assert progress["total"] == counts["rows"]
    assert progress["queued"] + progress["rejected"] == progress["total"]
    assert progress["mapped"] + counts["invalid"] >= progress["total"]
    assert progress["queued"] > 0
    assert progress["rejected"] >= counts["invalid"]
    rejections = progress["rejections"]
    assert len(rejections) == progress["rejected"]
    for rejection in rejections:
        assert rejection["problems"]
        assert all(p["path"].startswith(f"[{rejection['record']}]") for p in rejection["problems"])
    assert {p["code"] for r in rejections for p in r["problems"]} >= {"GW-MSG-MISSING"}
    marks = await running.services.store.find(MessageFilter(limit=1000))
    assert len(marks) == progress["queued"]
    assert all(m.message_type == "eurodac.mark" for m in marks)
    assert all(m.state is not MessageState.REJECTED for m in marks)
    # The same key and file answer with the same batch; nothing is queued twice.
    status, again = await _call(running, "POST", "/v1/batches?source=actio", body, "b-1")
    assert (status, again["batch_id"]) == (202, batch_id)
    status, conflict = await _call(running, "POST", "/v1/batches?source=actio", b"{}", "b-1")
    assert (status, conflict["code"]) == (400, "GW-IN-IDEMPOTENCY-CONFLICT")
    assert len(await running.services.store.find(MessageFilter(limit=1000))) == len(marks)
    assert not list((running.pki / "batches").iterdir())  # the spooled file is erased


async def test_a_batch_names_a_source_that_comes_in_records(
    running: Running,  # noqa: F811 - the fixture
) -> None:
    status, problem = await _call(running, "POST", "/v1/batches?source=printrak", b"x", "b-2")
    assert (status, problem["code"]) == (400, "GW-BATCH-SOURCE")
    status, problem = await _call(
        running, "POST", "/v1/batches?source=actio&format=csv", b"", "b-3"
    )
    assert (status, problem["code"]) == (400, "GW-IN-FORMAT")
    status, problem = await _call(running, "GET", "/v1/batches/unknown")
    assert (status, problem["code"]) == (404, "GW-API-NOT-FOUND")


async def test_an_unreadable_file_fails_the_batch_with_its_reason(
    running: Running,  # noqa: F811 - the fixture
) -> None:
    body = json.dumps({"cgvs_dossiernummer": "x"}).encode() + b"\n\xff\xfe\n"
    status, started = await _call(running, "POST", "/v1/batches?source=actio", body, "b-4")
    assert status == 202
    path = f"/v1/batches/{started['batch_id']}"
    progress = await _finished(running, path, within=30)
    assert progress["state"] == "failed"
    assert progress["error"].startswith("GW-BATCH-UNREADABLE")


async def test_eugw_submit_uploads_follows_and_summarises(
    running: Running,  # noqa: F811 - the fixture
    actio_export: tuple[bytes, dict[str, Any]],
    tmp_path: Path,
) -> None:
    export = tmp_path / "export.jsonl"
    export.write_bytes(actio_export[0])
    seen: list[int] = []
    batch, rejections = await submit_file(
        url=running.endpoints.api, token=running.token, path=export, source="actio", fmt=None,
        key="cli-1", on_progress=lambda progress: seen.append(progress["total"]),
    )  # fmt: skip
    assert batch["done"]
    assert seen[-1] == batch["total"] == estimate_records(export, None)
    assert seen == sorted(seen)
    assert len(rejections) == min(batch["rejected"], 20)
    returncode, out, err = await _eugw_submit(running, str(export), "--source", "actio")
    assert returncode == 1, err  # some records are rejected
    summary = out.strip()
    assert summary.endswith(
        f"done: read {batch['total']}, mapped {batch['mapped']}, "
        f"rejected {batch['rejected']}, queued {batch['queued']}"
    )
    assert f"{export}:" in err
    assert ": GW-" in err


async def test_merged_records_with_their_enrolment_go_out_as_a_canonical_batch(
    running: Running,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    generate_exports(count=12, seed=21, out=tmp_path, printrak_writer=write_capture)
    merged = merge_export_directory(tmp_path, MAPPINGS)
    out = io.StringIO()
    write_merged(
        merged, as_json=True, biometrics=True, out=out, err=io.StringIO(), enrol_as="BE"
    )  # fmt: skip
    body = out.getvalue().encode()
    persons = len(merged.persons)
    status, started = await _call(running, "POST", "/v1/batches?source=canonical", body, "m-1")
    assert status == 202, started
    path = f"/v1/batches/{started['batch_id']}?rejections_limit=100"
    progress = await _finished(running, path, within=60)
    assert progress["rejections"] == []
    assert (progress["total"], progress["queued"]) == (persons, persons)
    sent = await running.services.store.find(MessageFilter(limit=100))
    assert {m.message_type for m in sent} == {"eurodac.enrolment"}


async def test_eugw_submit_sends_each_printrak_capture_of_a_directory(
    running: Running,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    generate_exports(count=3, seed=2, out=tmp_path, printrak_writer=write_capture)
    captures = tmp_path / "printrak"
    (captures / "capture-999999.eft").write_bytes(b"1.001:10\x1c")
    for _ in range(2):  # the second run sends the same files under the same keys
        returncode, out, err = await _eugw_submit(running, str(captures), "--source", "printrak")
        assert returncode == 1, err
        assert out.strip() == f"{captures}: 4 captures: 3 accepted, 1 rejected"
        assert f"{captures / 'capture-999999.eft'}: GW-NIST-" in err
    sent = await running.services.store.find(MessageFilter(limit=100))
    assert len(sent) == 3
    assert {m.message_type for m in sent} == {"eurodac.enrolment"}


async def test_a_batch_whose_header_does_not_fit_is_refused_before_anything_is_recorded(
    running: Running,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    """The API answers 422 with the columns named; no batch is recorded, nothing spooled or
    queued. `eugw submit` (format from the file's name) says the same and exits 1."""
    generate_exports(count=20, seed=5, out=tmp_path)
    extract = tmp_path / "waiting-register" / "extract.csv"
    text = extract.read_text(encoding="utf-8")
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(text.replace("GEBOORTEDATUM", "BIRTHDATE", 1), encoding="utf-8")
    status, problem = await _call(
        running, "POST", "/v1/batches?source=waiting-register&format=csv",
        renamed.read_bytes(), "h-1",
    )  # fmt: skip
    assert status == 422, problem
    assert [(p["code"], p["path"]) for p in problem["problems"]] == [
        ("GW-MAP-HEADER", "GEBOORTEDATUM"),
        ("GW-MAP-HEADER", "BIRTHDATE"),
    ]
    assert list((running.services.settings.data_dir / "batches").glob("*")) == []
    returncode, out, err = await _eugw_submit(running, str(renamed), "--source", "waiting-register")
    assert (returncode, out) == (1, "")
    assert err.splitlines()[1].startswith("GW-MAP-HEADER: the column 'BIRTHDATE'")
    assert err.splitlines()[1].endswith("(at BIRTHDATE)")
    assert await running.services.store.counts() == {}


async def test_eugw_submit_sends_the_protection_decisions_and_reads_the_old_token_name(
    running: Running,  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    """The README's Actio example: only decisions granting protection ask Eurodac for
    anything (a mark), so a file of them is queued whole (exit 0); the old token variable
    still works, with a deprecation warning."""
    generate_exports(count=40, seed=9, out=tmp_path)
    lines = (tmp_path / "actio" / "case-files.jsonl").read_text(encoding="utf-8").splitlines()
    granted = [line for line in lines if '"code": "VS"' in line or '"code": "SB"' in line]
    assert granted
    export = tmp_path / "granted.jsonl"
    export.write_text("\n".join(granted) + "\n", encoding="utf-8")
    returncode, out, err = await _eugw_submit(
        running, str(export), "--source", "actio", variable="EU_GATEWAY_TOKEN"
    )
    assert returncode == 0, err
    assert out.strip().endswith(
        f"done: read {len(granted)}, mapped {len(granted)}, rejected 0, queued {len(granted)}"
    )
    assert err == (
        "eugw: warning: $EU_GATEWAY_TOKEN is deprecated and will stop being read: "
        "set $EUGW_TOKEN instead\n"
    )
