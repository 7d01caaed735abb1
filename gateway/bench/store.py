"""How fast a message store queues, claims and acknowledges (`eugw bench store`).

Hot paths timed: `MessageStore.enqueue` (a batch in one transaction),
`MessageStore.claim` (the dispatcher's leased batches) and `MessageStore.record`
with `Event.ACKNOWLEDGE` (one transaction each), on `SqliteStore` and `PostgresStore`.
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

from gateway.adapters.postgres_store import PostgresStore
from gateway.adapters.sqlite_store import SqliteStore
from gateway.broker.records import NewMessage
from gateway.broker.states import Event
from gateway.domain.frozen import frozen
from gateway.ports import MessageStore

__all__ = ["StoreFigures", "bench_store", "run_stores"]


@frozen
class StoreFigures:
    store: str
    count: int
    batch: int
    enqueue_per_s: float
    claim_per_s: float
    ack_per_s: float
    cycle_per_s: float  # queue + claim + acknowledge, per message, end to end


async def bench_store(
    store: MessageStore, *, name: str, count: int, batch: int, body_bytes: int = 6000
) -> StoreFigures:
    """Queue `count` messages in transactions of `batch`, claim them in batches, then
    acknowledge each in its own transaction (as the dispatcher does)."""
    now = datetime.now(tz=UTC)
    body = os.urandom(body_bytes)
    messages = [
        NewMessage(
            message_id=str(uuid.uuid4()),
            peer="EU:eurodac",
            message_type="eurodac.enrolment",
            conversation_id=str(uuid.uuid4()),
            body=body,
        )
        for _ in range(count)
    ]
    started = time.perf_counter()
    for first in range(0, count, batch):
        await store.enqueue(messages[first : first + batch], at=now)
    queued = time.perf_counter()
    claimed = []
    while chunk := await store.claim(
        worker="bench", now=now, lease=timedelta(minutes=10), limit=batch
    ):
        claimed += chunk
    taken = time.perf_counter()
    for message in claimed:
        await store.record(message.message_id, Event.ACKNOWLEDGE, at=now, worker="bench")
    done = time.perf_counter()
    return StoreFigures(
        store=name,
        count=count,
        batch=batch,
        enqueue_per_s=count / (queued - started),
        claim_per_s=len(claimed) / (taken - queued),
        ack_per_s=len(claimed) / (done - taken),
        cycle_per_s=count / (done - started),
    )


async def run_stores(*, count: int, batch: int, postgres: str | None) -> list[StoreFigures]:
    """`bench_store` on SQLite in a temporary directory, then (with a libpq connection
    string in `postgres`) on PostgreSQL in a temporary schema that is dropped afterwards."""
    figures = []
    with tempfile.TemporaryDirectory() as directory:
        sqlite = await SqliteStore.open(Path(directory) / "bench.sqlite3")
        try:
            figures.append(await bench_store(sqlite, name="sqlite", count=count, batch=batch))
        finally:
            await sqlite.close()
    if postgres is not None:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        store = await PostgresStore.open(postgres, schema=schema)
        try:
            figures.append(await bench_store(store, name="postgresql", count=count, batch=batch))
        finally:
            await store.close()
            async with await psycopg.AsyncConnection.connect(postgres, autocommit=True) as c:
                await c.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
    return figures
