"""The batch-upload part of the store contract: in memory, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from contract.test_message_store import message
from stores import StoreFactory

from gateway.broker.batch_records import Batch, BatchProgress, BatchRejection, BatchState
from gateway.broker.lifecycle import UnknownMessageError
from gateway.broker.states import MessageState
from gateway.domain.problems import Problem
from gateway.ports import MessageStore

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def new_batch(number: int = 1, *, key: str = "upload-1", submitter: str = "evibel") -> Batch:
    return Batch(
        batch_id=f"batch-{number}",
        submitter=submitter,
        idempotency_key=key,
        request_digest=f"digest-{number}",
        source="evibel",
        format="csv",
        state=BatchState.RUNNING,
        created_at=T0,
        updated_at=T0,
    )


def rejection(batch_id: str, record: int) -> BatchRejection:
    return BatchRejection(
        batch_id=batch_id,
        record=record,
        line=record + 2,
        problems=(
            Problem(code="GW-MAP-DATE", message="no such day", path=f"[{record}].person"),
            Problem(code="GW-MAP-CODE", message="été", path=f"[{record}].person.sex"),
        ),
    )


async def test_a_batch_is_created_once_per_key(store: MessageStore) -> None:
    first = await store.create_batch(new_batch(1))
    assert first == new_batch(1)
    again = await store.create_batch(new_batch(2))
    assert again == first
    other = await store.create_batch(new_batch(3, submitter="actio"))
    assert other.batch_id == "batch-3"
    assert await store.batch("batch-1") == first
    assert await store.batch("batch-2") is None


async def test_progress_queues_messages_and_keeps_rejections_in_one_step(
    store: MessageStore,
) -> None:
    await store.create_batch(new_batch())
    later = T0 + timedelta(seconds=5)
    progress = BatchProgress(
        read=5, mapped=4, rejections=(rejection("batch-1", 3), rejection("batch-1", 1))
    )
    updated = await store.advance_batch(
        "batch-1", progress, [message(1), message(2), message(3)], at=later
    )
    assert (updated.total, updated.mapped, updated.rejected, updated.queued) == (5, 4, 2, 3)
    assert updated.updated_at == later
    assert not updated.done
    stored = await store.get(message(2).message_id)
    assert stored is not None
    assert stored.state is MessageState.QUEUED
    # A message id already queued is not counted twice.
    again = await store.advance_batch(
        "batch-1", BatchProgress(read=1, mapped=1), [message(3), message(4)], at=later
    )
    assert (again.total, again.queued) == (6, 4)
    kept = await store.batch_rejections("batch-1")
    assert [r.record for r in kept] == [1, 3]
    assert kept[0] == rejection("batch-1", 1)
    assert [r.record for r in await store.batch_rejections("batch-1", limit=1, offset=1)] == [3]


async def test_a_finished_batch_says_so(store: MessageStore) -> None:
    await store.create_batch(new_batch())
    done = await store.finish_batch("batch-1", BatchState.DONE, at=T0 + timedelta(minutes=1))
    assert done.done
    assert done.state is BatchState.DONE
    failed = await store.finish_batch("batch-1", BatchState.FAILED, at=T0, error="cut short")
    assert (failed.state, failed.error) == (BatchState.FAILED, "cut short")
    assert await store.batch("batch-1") == failed


async def test_an_unknown_batch_cannot_advance(store: MessageStore) -> None:
    with pytest.raises(UnknownMessageError):
        await store.advance_batch("nope", BatchProgress(read=1, mapped=1), [message(1)], at=T0)
    with pytest.raises(UnknownMessageError):
        await store.finish_batch("nope", BatchState.DONE, at=T0)
    assert await store.get(message(1).message_id) is None


async def test_batches_survive_a_restart(stores: StoreFactory) -> None:
    first = await stores.open()
    await first.create_batch(new_batch())
    await first.advance_batch(
        "batch-1", BatchProgress(read=2, mapped=1, rejections=(rejection("batch-1", 0),)),
        [message(1)], at=T0,
    )  # fmt: skip
    second = await stores.open()
    found = await second.batch("batch-1")
    assert found is not None
    assert (found.total, found.rejected, found.queued) == (2, 1, 1)
    assert await second.batch_rejections("batch-1") == [rejection("batch-1", 0)]


async def test_a_stale_batch_is_taken_over_once(store: MessageStore) -> None:
    await store.create_batch(new_batch(1))
    await store.create_batch(new_batch(2, key="upload-2"))
    await store.finish_batch("batch-2", BatchState.DONE, at=T0)
    cut = T0 + timedelta(minutes=1)
    assert [b.batch_id for b in await store.stale_batches(updated_before=cut)] == ["batch-1"]
    assert await store.stale_batches(updated_before=T0) == []
    later = T0 + timedelta(minutes=2)
    taken = await store.take_over_batch("batch-1", seen=T0, at=later)
    assert taken is not None
    assert taken.updated_at == later
    assert await store.take_over_batch("batch-1", seen=T0, at=later) is None  # already taken
    assert await store.take_over_batch("batch-2", seen=T0, at=later) is None  # finished
    assert await store.stale_batches(updated_before=cut) == []
