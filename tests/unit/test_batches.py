"""Batch upload in the pipeline, with the in-memory store: spooling, idempotency, progress."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from pki import GeneratedPki
from polling import eventually

from gateway.broker.batch_records import Batch, BatchProgress, BatchState
from gateway.broker.outbox import Outbox
from gateway.broker.sealing import BodyCipher, parse_key_ring
from gateway.errors import InputError
from gateway.mapping.source_readers import record_sources, source_readers
from gateway.pipeline.batches import Batches, BatchRequest
from gateway.pipeline.submissions import Submissions
from gateway.pipeline.wire import Wire
from gateway.ports import MessageFilter
from gateway.synthetic.exports import generate_exports
from gateway.testing import FixedClock, InMemoryStore

MAPPINGS = Path(__file__).parents[2] / "mappings"


@pytest.fixture
async def batches(pki: GeneratedPki, tmp_path: Path) -> AsyncIterator[Batches]:
    clock = FixedClock(pki.now)
    ring = parse_key_ring("k1:" + base64.b64encode(bytes(range(32))).decode(), "test")
    outbox = Outbox(InMemoryStore(), BodyCipher(ring, "k1"), clock)
    with ThreadPoolExecutor(2) as executor:
        wire = Wire(member_state="BE", signer=pki.signer(pki.nl))
        submissions = Submissions(outbox=outbox, wire=wire, clock=clock, executor=executor)
        work = Batches(
            outbox=outbox,
            submissions=submissions,
            sources=record_sources(source_readers(MAPPINGS)),
            clock=clock,
            executor=executor,
            spool_dir=tmp_path / "spool",
            max_bytes=1_000_000,
            chunk=7,
        )
        yield work
        await work.close()


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def request(key: str = "k") -> BatchRequest:
    return BatchRequest(submitter="actio", idempotency_key=key, source="actio")


async def test_each_good_record_is_queued_sealed_and_each_bad_one_kept(
    batches: Batches, tmp_path: Path
) -> None:
    manifest = generate_exports(count=40, seed=3, out=tmp_path / "x", invalid_rate=0.1)
    data = (tmp_path / "x" / "actio" / "case-files.jsonl").read_bytes()
    batch, new = await batches.upload(request(), chunks(data))
    assert new
    assert batch.state is BatchState.RUNNING

    async def done() -> bool:
        found = await batches.status(batch.batch_id)
        return found is not None and found.done

    await eventually(done, within=30)
    final = await batches.status(batch.batch_id)
    assert final is not None
    assert final.state is BatchState.DONE
    assert final.total == manifest["files"]["actio/case-files.jsonl"]["rows"]
    assert final.queued + final.rejected == final.total
    store = batches.outbox.store
    queued = await store.find(MessageFilter(limit=1000))
    assert len(queued) == final.queued > 0
    for stored in queued:  # sealed in the store, the signed XML once opened
        xml = batches.outbox.body_of(stored)
        assert xml.lstrip().startswith(b"<")
        assert stored.body is not None
        assert xml not in stored.body
    kept = await batches.rejections(batch.batch_id, limit=1000)
    assert [r.record for r in kept] == sorted(r.record for r in kept)
    assert len(kept) == final.rejected
    assert not list((tmp_path / "spool").iterdir())


async def test_the_same_key_answers_with_the_first_batch_or_refuses_another_file(
    batches: Batches, tmp_path: Path
) -> None:
    first, _ = await batches.upload(request("same"), chunks(b'{"ov_nummer": "1"}\n'))
    again, new = await batches.upload(request("same"), chunks(b'{"ov_nummer": "1"}\n'))
    assert (again.batch_id, new) == (first.batch_id, False)
    with pytest.raises(InputError) as refused:
        await batches.upload(request("same"), chunks(b'{"ov_nummer": "2"}\n'))
    assert refused.value.code == "GW-IN-IDEMPOTENCY-CONFLICT"
    assert [p.suffix for p in (tmp_path / "spool").iterdir()] in ([], [".upload"])


async def test_a_file_over_the_limit_is_refused_and_erased(
    batches: Batches, tmp_path: Path
) -> None:
    with pytest.raises(InputError) as refused:
        await batches.upload(request("big"), chunks(b"x" * 1_000_001, size=4096))
    assert refused.value.code == "GW-BATCH-TOO-LARGE"
    assert list((tmp_path / "spool").iterdir()) == []


async def test_sources_and_formats_are_checked_before_anything_is_read(batches: Batches) -> None:
    for source, fmt, code in (
        ("printrak", None, "GW-BATCH-SOURCE"),
        ("actio", "csv", "GW-IN-FORMAT"),
    ):
        with pytest.raises(InputError) as refused:
            await batches.upload(
                BatchRequest(submitter="s", idempotency_key="k", source=source, format=fmt),
                chunks(b""),
            )
        assert refused.value.code == code


async def test_a_batch_cut_short_is_resumed_after_its_last_committed_record(
    batches: Batches, tmp_path: Path
) -> None:
    generate_exports(count=50, seed=5, out=tmp_path / "x")
    data = (tmp_path / "x" / "actio" / "case-files.jsonl").read_bytes()
    rows = data.count(b"\n")
    store = batches.outbox.store
    started = batches.clock.now()
    # What a process that crashed after its first 10 records left behind.
    cut_short = Batch(
        batch_id="cut-short", submitter="actio", idempotency_key="k", request_digest="d",
        source="actio", format=None, state=BatchState.RUNNING, created_at=started,
        updated_at=started,
    )  # fmt: skip
    await store.create_batch(cut_short)
    await store.advance_batch("cut-short", BatchProgress(read=10, mapped=10), [], at=started)
    (tmp_path / "spool").mkdir()
    (tmp_path / "spool" / "cut-short.upload").write_bytes(data)
    assert await batches.resume_stale(timedelta(minutes=1)) == []  # not stale yet
    batches.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    assert await batches.resume_stale(timedelta(minutes=1)) == ["cut-short"]

    async def done() -> bool:
        found = await store.batch("cut-short")
        return found is not None and found.done

    await eventually(done, within=30)
    final = await store.batch("cut-short")
    assert final is not None
    assert final.total == rows
    queued = await store.find(MessageFilter(limit=1000))
    assert len(queued) == final.queued
    rejected = await batches.rejections("cut-short", limit=1000)
    assert all(r.record >= 10 for r in rejected)
    assert final.queued + len(rejected) == rows - 10


async def test_a_stale_batch_without_its_file_fails(batches: Batches) -> None:
    at = batches.clock.now()
    lost = Batch(
        batch_id="lost", submitter="a", idempotency_key="k", request_digest="d", source="actio",
        format=None, state=BatchState.RUNNING, created_at=at, updated_at=at,
    )  # fmt: skip
    await batches.outbox.store.create_batch(lost)
    batches.clock.advance(timedelta(minutes=5))  # type: ignore[attr-defined]
    assert await batches.resume_stale(timedelta(minutes=1)) == []
    found = await batches.status("lost")
    assert found is not None
    assert found.state is BatchState.FAILED
    assert found.error.startswith("GW-BATCH-UNREADABLE")
