"""The simulators' own outbox and sender: order keys hold later messages back, a failed
attempt waits by the backoff, a refusal or the last attempt is final, an ack is final."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from polling import eventually

from gateway.errors import RemoteError, TransportError
from gateway.testing import FixedClock
from simulators.common.delivery import SendPolicy, retry_delay
from simulators.common.faults import FaultBoard
from simulators.common.outbox import Outbox, Queued
from simulators.common.sending import FaultyTransport, ReplySender
from simulators.common.state import SimDb

ROUTE = "EU:eurodac->BE:gateway"
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _queued(message_id: str, order_key: str | None = None) -> Queued:
    return Queued(
        message_id=message_id,
        route=ROUTE,
        message_type="eurodac.hit",
        body=message_id.encode(),
        order_key=order_key,
    )


@pytest.fixture
async def outbox(tmp_path: Path) -> AsyncIterator[Outbox]:
    db = await SimDb.open(tmp_path / "simulator.sqlite3")
    yield Outbox(db)
    await db.close()


async def test_an_order_key_holds_a_later_message_back_until_the_earlier_is_done(
    outbox: Outbox,
) -> None:
    await outbox.put([_queued("a", "k"), _queued("b", "k"), _queued("c")], now=NOW)
    assert [e.message_id for e in await outbox.due(now=NOW, limit=10)] == ["a", "c"]
    assert [e.message_id for e in await outbox.due(now=NOW, limit=10, busy={"a"})] == ["c"]
    later = NOW + timedelta(seconds=5)
    await outbox.record("a", "retry_wait", now=NOW, due_at=later, error="GW-TRN-HTTP: 503")
    assert [e.message_id for e in await outbox.due(now=NOW, limit=10)] == ["c"]
    assert await outbox.next_due(busy={"c"}) == later  # b waits behind a, not for itself
    await outbox.record("a", "acknowledged", now=later)
    assert [e.message_id for e in await outbox.due(now=later, limit=10)] == ["b", "c"]
    entry = await outbox.get("a")
    assert entry is not None
    assert (entry.state, entry.attempts, entry.last_error) == (
        "acknowledged",
        2,
        "GW-TRN-HTTP: 503",
    )
    assert await outbox.counts() == {(ROUTE, "acknowledged"): 1, (ROUTE, "queued"): 2}


def test_the_backoff_has_full_jitter_below_a_capped_ceiling() -> None:
    policy = SendPolicy(base=timedelta(seconds=2), cap=timedelta(seconds=10))
    assert retry_delay(policy, 1, lambda: 0.5) == timedelta(seconds=1)
    assert retry_delay(policy, 3, lambda: 0.5) == timedelta(seconds=4)
    assert retry_delay(policy, 30, lambda: 0.999) < timedelta(seconds=10)


@dataclass
class Answers:
    """A gateway stand-in answering each attempt with the next of `script`."""

    script: list[Exception | None]
    tried: list[str] = field(default_factory=list)

    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes:
        self.tried.append(message_id)
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        return b"ack"

    async def close(self) -> None:
        return None


async def _deliver(outbox: Outbox, answers: Answers, policy: SendPolicy) -> None:
    sender = ReplySender(
        outbox=outbox,
        transport=FaultyTransport(answers, FaultBoard()),
        verifier=None,
        faults=FaultBoard(),
        policy=policy,
        clock=FixedClock(NOW),
        jitter=lambda: 0.0,  # retry at once: the fixed clock never moves
    )
    stop = asyncio.Event()
    task = asyncio.create_task(sender.run(stop))

    async def settled() -> bool:
        return all(e.state not in {"queued", "retry_wait"} for e in await outbox.entries())

    try:
        await eventually(settled, within=10)
    finally:
        stop.set()
        await task


async def test_the_sender_retries_until_acknowledged_and_stops_at_a_refusal(
    outbox: Outbox,
) -> None:
    await outbox.put([_queued("retried"), _queued("refused")], now=NOW)
    busy = TransportError("GW-TRN-HTTP", "503")
    answers = Answers(script=[busy, RemoteError("GW-RMT-REFUSED", "HTTP 403"), busy])
    await _deliver(outbox, answers, SendPolicy(idle_poll=0.01))
    entries = {e.message_id: e for e in await outbox.entries()}
    assert entries["retried"].state == "acknowledged"
    assert entries["refused"].state == "dead"
    assert answers.tried.count("refused") == 1  # a refusal is final
    assert entries["retried"].attempts == answers.tried.count("retried") == 3


async def test_the_last_attempt_that_fails_is_final(outbox: Outbox) -> None:
    await outbox.put([_queued("m")], now=NOW)
    answers = Answers(script=[TransportError("GW-TRN-REFUSED", "down")] * 5)
    await _deliver(outbox, answers, SendPolicy(max_attempts=3, idle_poll=0.01))
    [entry] = await outbox.entries()
    assert (entry.state, entry.attempts) == ("dead", 3)
    assert entry.last_error is not None
    assert entry.last_error.endswith("3 attempts failed (maximum 3)")
