"""The dispatcher with the in-memory store, a fixed clock and a scripted transport."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from polling import eventually

from gateway.broker.breaker import BreakerPolicy, CircuitState
from gateway.broker.dispatcher import Dispatcher, DispatcherPolicy
from gateway.broker.outbox import Outbox
from gateway.broker.records import NewMessage, StoredMessage
from gateway.broker.retry import RetryPolicy
from gateway.broker.sealing import BodyCipher
from gateway.broker.states import Event, MessageState
from gateway.errors import RemoteError, SecurityError, TransportError
from gateway.testing import FixedClock, InMemoryStore, RecordingTransport

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
PEER = "EU:eurodac"


def new(number: int, **fields: object) -> NewMessage:
    values: dict[str, object] = {
        "message_id": f"m-{number}",
        "peer": PEER,
        "message_type": "eurodac.enrolment",
        "conversation_id": f"c-{number}",
        "body": f"<enrolment n='{number}'/>".encode(),
    }
    values.update(fields)
    return NewMessage(**values)  # type: ignore[arg-type]


class Rig:
    def __init__(self, policy: DispatcherPolicy | None = None) -> None:
        self.clock = FixedClock(T0)
        self.store = InMemoryStore()
        self.outbox = Outbox(self.store, BodyCipher.generate(), self.clock)
        self.transport = RecordingTransport()
        self.dispatcher = self.make(policy)

    def make(self, policy: DispatcherPolicy | None = None, **options: object) -> Dispatcher:
        return Dispatcher(
            outbox=self.outbox,
            transport=self.transport,
            peers=[PEER, "NL:dublinet"],
            policy=policy or DispatcherPolicy(retry=RetryPolicy(max_attempts=3)),
            jitter=lambda: 0.5,
            **options,  # type: ignore[arg-type]
        )

    async def stored(self, message_id: str) -> StoredMessage:
        stored = await self.store.get(message_id)
        assert stored is not None
        return stored

    async def sent_once(self, *answers: Exception) -> StoredMessage:
        """m-1 queued and sent once, the transport failing with `answers` in turn (none:
        it delivers); m-1 after that attempt."""
        if answers:
            self.transport.script(PEER, *answers)
        await self.outbox.put([new(1)])
        await self.dispatcher.send_due(PEER)
        return await self.stored("m-1")

    async def state(self, message_id: str) -> MessageState:
        return (await self.stored(message_id)).state


async def test_a_queued_message_is_delivered_in_clear_and_acknowledged() -> None:
    rig = Rig()
    await rig.outbox.put([new(1)])
    stored = await rig.stored("m-1")
    assert stored.body is not None
    assert b"enrolment" not in stored.body  # sealed at rest
    assert await rig.dispatcher.send_due(PEER) == 1
    [delivery] = rig.transport.deliveries
    assert delivery.body == b"<enrolment n='1'/>"
    assert await rig.state("m-1") is MessageState.ACKNOWLEDGED


async def test_a_failed_send_is_retried_later_with_the_same_message_id() -> None:
    rig = Rig()
    waiting = await rig.sent_once(TransportError("GW-TRN-REFUSED", "connection refused"))
    assert (waiting.state, waiting.last_error) == (
        MessageState.RETRY_WAIT,
        "GW-TRN-REFUSED: connection refused",
    )
    assert waiting.next_attempt_at == T0 + timedelta(seconds=1)  # base 2 s x jitter 0.5
    assert await rig.dispatcher.send_due(PEER) == 0  # not yet due
    rig.clock.advance(timedelta(seconds=1))
    assert await rig.dispatcher.send_due(PEER) == 1
    assert [d.message_id for d in rig.transport.deliveries] == ["m-1", "m-1"]
    assert await rig.state("m-1") is MessageState.ACKNOWLEDGED


async def test_a_refusal_by_the_peer_goes_straight_to_the_dead_letters() -> None:
    rig = Rig()
    dead = await rig.sent_once(RemoteError("GW-RMT-REFUSED", "HTTP 400: schema"))
    assert (dead.state, dead.last_error) == (MessageState.DEAD, "GW-RMT-REFUSED: HTTP 400: schema")
    assert rig.dispatcher.circuits[PEER].state.state is CircuitState.CLOSED


async def test_retries_end_in_the_dead_letters_after_the_maximum() -> None:
    rig = Rig()
    down = TransportError("GW-TRN-TIMEOUT", "no answer")
    rig.transport.script(PEER, down, down, down)
    await rig.outbox.put([new(1)])
    for _ in range(3):
        await rig.dispatcher.send_due(PEER)
        rig.clock.advance(timedelta(minutes=10))
    dead = await rig.stored("m-1")
    assert dead.state is MessageState.DEAD
    assert "3 attempts failed" in (dead.last_error or "")
    events = [change.event for change in await rig.store.timeline("m-1")]
    assert events.count(Event.FAIL) == 2
    assert events[-1] is Event.GIVE_UP


async def test_a_bad_acknowledgement_counts_as_a_failed_send() -> None:
    async def refuse(_: StoredMessage, answer: bytes) -> None:
        raise SecurityError("GW-SIG-INVALID", f"not a valid acknowledgement: {answer!r}")

    rig = Rig()
    dispatcher = rig.make(check_ack=refuse)
    await rig.outbox.put([new(1)])
    await dispatcher.send_due(PEER)
    assert await rig.state("m-1") is MessageState.RETRY_WAIT


async def test_the_circuit_opens_and_stops_sending_to_a_dead_peer() -> None:
    policy = DispatcherPolicy(
        retry=RetryPolicy(max_attempts=10),
        breaker=BreakerPolicy(failure_threshold=2, reset_after=timedelta(seconds=30)),
        batch=1,
    )
    rig = Rig(policy)
    down = TransportError("GW-TRN-REFUSED", "down")
    rig.transport.script(PEER, down, down)
    await rig.outbox.put([new(n) for n in range(1, 5)])
    await rig.dispatcher.send_due(PEER)
    await rig.dispatcher.send_due(PEER)
    assert rig.dispatcher.circuits[PEER].state.state is CircuitState.OPEN
    assert await rig.dispatcher.send_due(PEER) == 0
    assert len(rig.transport.deliveries) == 2
    rig.clock.advance(timedelta(seconds=30))
    assert await rig.dispatcher.send_due(PEER) == 1  # the half-open trial
    assert rig.dispatcher.circuits[PEER].state.state is CircuitState.CLOSED


async def test_a_crashed_workers_messages_are_taken_over_after_the_lease() -> None:
    rig = Rig(DispatcherPolicy(lease=timedelta(seconds=60)))
    await rig.outbox.put([new(1)])
    await rig.store.claim(worker="crashed", now=T0, lease=timedelta(seconds=60), limit=1)
    assert await rig.dispatcher.send_due(PEER) == 0
    rig.clock.advance(timedelta(seconds=60))
    assert await rig.dispatcher.send_due(PEER) == 1
    assert await rig.state("m-1") is MessageState.ACKNOWLEDGED
    assert len(rig.transport.deliveries) == 1


async def test_a_request_and_its_reply_leave_in_order() -> None:
    rig = Rig()
    await rig.outbox.put(
        [
            new(1, order_key="case-1", peer="NL:dublinet"),
            new(2, order_key="case-1", peer="NL:dublinet"),
        ]
    )
    await rig.dispatcher.send_due("NL:dublinet")
    await rig.dispatcher.send_due("NL:dublinet")
    assert [d.message_id for d in rig.transport.deliveries] == ["m-1", "m-2"]


async def test_run_delivers_what_arrives_until_stopped() -> None:
    rig = Rig()
    stop = asyncio.Event()
    running = asyncio.create_task(rig.dispatcher.run(stop))
    await rig.outbox.put([new(1), new(2, peer="NL:dublinet")])
    await eventually(lambda: len(rig.transport.deliveries) == 2)
    stop.set()
    async with asyncio.timeout(2):  # workers idle up to 5 s; stop must not wait for that
        await running
    assert {d.message_id for d in rig.transport.deliveries} == {"m-1", "m-2"}


async def test_a_purged_body_cannot_be_sent_again() -> None:
    rig = Rig()
    await rig.sent_once()
    await rig.store.purge_bodies(updated_before=T0 + timedelta(days=1))
    await rig.store.record("m-1", Event.RESEND, at=T0)
    await rig.dispatcher.send_due(PEER)
    assert len(rig.transport.deliveries) == 1
    dead = await rig.stored("m-1")
    assert dead.state is MessageState.DEAD
    assert (dead.last_error or "").startswith("GW-BRK-PURGED")
    assert rig.dispatcher.circuits[PEER].state.failures == 0


class _HeldTransport(RecordingTransport):
    """Holds the delivery of one message until released."""

    def __init__(self, held: str) -> None:
        super().__init__()
        self.held = held
        self.release = asyncio.Event()

    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes:
        answer = await super().deliver(peer=peer, message_id=message_id, body=body)
        if message_id == self.held:
            await self.release.wait()
        return answer


async def test_a_slow_send_does_not_hold_back_the_messages_queued_after_it() -> None:
    rig = Rig()
    rig.transport = _HeldTransport(held="m-1")
    dispatcher = rig.make()
    stop = asyncio.Event()
    running = asyncio.create_task(dispatcher.run(stop))
    await rig.outbox.put([new(1)])
    await eventually(lambda: len(rig.transport.deliveries) == 1)
    await rig.outbox.put([new(2), new(3)])
    await eventually(lambda: len(rig.transport.deliveries) == 3)
    await eventually(lambda: _is(rig, "m-3", MessageState.ACKNOWLEDGED))
    assert await rig.state("m-1") is MessageState.SENDING
    rig.transport.release.set()
    stop.set()
    async with asyncio.timeout(2):
        await running
    assert await rig.state("m-1") is MessageState.ACKNOWLEDGED


async def _is(rig: Rig, message_id: str, state: MessageState) -> bool:
    return await rig.state(message_id) is state
