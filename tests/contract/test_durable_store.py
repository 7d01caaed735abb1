"""What only the durable stores promise: data survive a restart, processes share work."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
from stores import DURABLE, POSTGRES, StoreFactory, store_factory
from test_message_store import LEASE, T0, message

from gateway.broker.audit import verify_chain
from gateway.broker.states import Event, MessageState


@pytest.fixture(params=DURABLE)
async def durable(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[StoreFactory]:
    async with store_factory(request.param, tmp_path) as factory:
        yield factory


async def test_messages_and_leases_survive_a_restart(durable: StoreFactory) -> None:
    before = await durable.open()
    await before.enqueue([message(1), message(2)], at=T0)
    await before.claim(worker="crashed", now=T0, lease=LEASE, limit=1)
    await durable.close_all()
    after = await durable.open()
    early = T0 + LEASE / 2
    [taken] = await after.claim(worker="new", now=early, lease=LEASE, limit=5)
    assert taken.message_id == message(2).message_id  # the crashed worker's lease still holds
    expired = T0 + LEASE  # the crashed worker's lease ends; the new one's still holds
    [recovered] = await after.claim(worker="new", now=expired, lease=LEASE, limit=5)
    assert recovered.message_id == message(1).message_id
    await after.record(recovered.message_id, Event.ACKNOWLEDGE, at=expired, worker="new")
    stored = await after.get(recovered.message_id)
    assert stored is not None
    assert stored.state is MessageState.ACKNOWLEDGED


async def test_concurrent_workers_never_claim_one_message_twice(durable: StoreFactory) -> None:
    writer = await durable.open()
    await writer.enqueue([message(n) for n in range(200)], at=T0)
    workers = [await durable.open() for _ in range(3)] if durable.kind == "postgres" else [writer]

    async def drain(number: int) -> list[str]:
        store = workers[number % len(workers)]
        taken: list[str] = []
        while batch := await store.claim(worker=f"w{number}", now=T0, lease=LEASE, limit=7):
            taken.extend(m.message_id for m in batch)
        return taken

    results = await asyncio.gather(*(drain(n) for n in range(6)))
    claimed = [message_id for taken in results for message_id in taken]
    assert len(claimed) == 200
    assert len(set(claimed)) == 200


async def test_postgres_wakes_workers_of_other_processes(tmp_path: Path) -> None:
    async with store_factory("postgres", tmp_path) as factory:
        waiting = await factory.open()
        writer = await factory.open()
        await waiting.wait_for_work(at_most=0.5)  # the listener's start-up wake-up
        waiter = asyncio.create_task(waiting.wait_for_work(at_most=30))
        finished, _ = await asyncio.wait({waiter}, timeout=0.2)
        assert not finished  # nothing announced yet: it keeps waiting
        await writer.enqueue([message(1)], at=T0)
        await asyncio.wait_for(waiter, timeout=10)


async def test_tampering_with_an_audit_row_is_detected_and_named(durable: StoreFactory) -> None:
    store = await durable.open()
    await store.enqueue([message(1), message(2)], at=T0)
    assert verify_chain(await store.audit_entries()) is None
    await _tamper(durable, 'UPDATE audit SET detail = \'{"note": ""}\' WHERE seq = 7')
    broken = verify_chain(await store.audit_entries())
    assert broken is not None
    assert broken.seq == 7
    assert "altered" in broken.reason
    await _tamper(durable, "DELETE FROM audit WHERE seq = 3")
    gap = verify_chain(await store.audit_entries())
    assert gap is not None
    assert gap.seq == 4


async def _tamper(factory: StoreFactory, statement: str) -> None:
    if factory.kind == "sqlite":
        with sqlite3.connect(factory.sqlite_path) as db:
            db.execute(statement)
    else:
        async with await psycopg.AsyncConnection.connect(
            POSTGRES, autocommit=True, options=f"-c search_path={factory.schema}"
        ) as conn:
            await conn.execute(statement)  # type: ignore[arg-type]
