"""How fast a message store queues, claims and acknowledges (`eugw bench store`)."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from gateway.broker.records import NewMessage
from gateway.broker.states import Event
from gateway.ports import MessageStore

__all__ = ["StoreFigures", "bench_store"]


@dataclass(frozen=True, kw_only=True, slots=True)
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
