"""Replies and peer-originated requests to the gateway, queued durably and retried.

The simulators' own outbox (`simulators.common.outbox`, in their SQLite state) and
an `HttpSender` presenting each simulated party's TLS client certificate: what is
queued survives a restart and is retried until the gateway acknowledges it with a
signed acknowledgement of that message. Each route is named `SENDER->GATEWAY`
(`EU:eurodac->BE:gateway`), so each simulated party has its own client certificate.
The outbox keeps each message as it was signed; the sender's faults of the way out
spoil a delivery attempt, not the message (`FaultyTransport`).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Protocol

from gateway.domain.frozen import frozen
from gateway.domain.replies import Acknowledgement
from gateway.errors import GatewayError, RemoteError, SecurityError, TransportError
from gateway.logging import get_logger
from gateway.messages import Envelope, parse_message
from gateway.messages.common import read_envelope
from gateway.security.identity import PeerId
from gateway.security.verifier import Verifier
from gateway.validation import parse_xml
from simulators.common.clock import Clock, SystemClock
from simulators.common.delivery import HttpSender, Route, SendPolicy, retry_delay
from simulators.common.faults import FaultBoard, spoil_signature
from simulators.common.outbox import Outbox, OutboxEntry, Queued
from simulators.common.state import SimDb

__all__ = [
    "ClosingTransport",
    "FaultyTransport",
    "Outgoing",
    "ReplySender",
    "endpoint_of",
    "route_name",
]

BAD_ACK = "GW-SIM-BAD-ACK"
SPOILED_REFUSED = "GW-SIM-SPOILED-REFUSED"


def endpoint_of(peer: PeerId) -> str:
    """The endpoint name faults are set on: `eurodac`, or a DubliNet peer's state code."""
    return "eurodac" if peer.system == "eurodac" else peer.party


def route_name(sender: PeerId, recipient: PeerId) -> str:
    return f"{sender}->{recipient}"


@frozen
class Outgoing:
    """A signed message from a simulated party to the gateway."""

    sender: PeerId
    recipient: PeerId
    envelope: Envelope
    body: bytes


class ClosingTransport(Protocol):
    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes: ...

    async def close(self) -> None: ...


class FaultyTransport:
    """The HTTP transport with the sender's faults on the way out, applied at each attempt:
    the signature spoiled, an untrusted TLS client certificate (`wrong`), each delivery made
    twice. The gateway's refusal of a message we spoiled is a failure to try again (once
    the fault is off, the message as it was signed goes through), not a final refusal."""

    def __init__(
        self, inner: ClosingTransport, faults: FaultBoard, wrong: ClosingTransport | None = None
    ) -> None:
        self.inner = inner
        self.faults = faults
        self.wrong = wrong  # routes presenting untrusted client certificates (`reply_tls`)

    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes:
        faults = self.faults.of(endpoint_of(PeerId.parse(peer.split("->", 1)[0])))
        sent = spoil_signature(body, faults.reply_signature)
        transport = self.wrong if faults.reply_tls and self.wrong is not None else self.inner
        try:
            answer = await transport.deliver(peer=peer, message_id=message_id, body=sent)
        except RemoteError as error:
            if sent == body:
                raise
            raise TransportError(
                SPOILED_REFUSED, f"{error.message} (its signature was spoiled by a fault)"
            ) from None
        if faults.duplicate:
            # The second delivery is the fault; the first one's answer decides.
            with contextlib.suppress(GatewayError):
                await transport.deliver(peer=peer, message_id=message_id, body=sent)
        return answer

    async def close(self) -> None:
        await self.inner.close()
        if self.wrong is not None:
            await self.wrong.close()


class ReplySender:
    """Queues signed messages for the gateway and delivers them until it acknowledges each."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        transport: FaultyTransport,
        verifier: Verifier | None,
        faults: FaultBoard,
        policy: SendPolicy,
        hold_for: timedelta = timedelta(seconds=2),
        clock: Clock | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self.outbox = outbox
        self.transport = transport
        self.policy = policy
        self._verifier = verifier
        self._faults = faults
        self._hold_for = hold_for
        self._held: list[tuple[Outgoing, float]] = []
        self._clock = clock or SystemClock()
        self._jitter = jitter
        self._queued = asyncio.Event()  # set when a message is queued, to wake the sender

    @classmethod
    def open(
        cls,
        *,
        db: SimDb,
        routes: Mapping[str, Route],
        verifier: Verifier | None,
        faults: FaultBoard,
        policy: SendPolicy,
        hold_for: timedelta = timedelta(seconds=2),
        http_timeout: float = 10.0,
        clock: Clock | None = None,
        wrong_routes: Mapping[str, Route] | None = None,
    ) -> ReplySender:
        """`wrong_routes`: the same routes with untrusted client certificates (`reply_tls`)."""
        transport = FaultyTransport(
            HttpSender(routes, timeout=http_timeout),
            faults,
            wrong=HttpSender(wrong_routes, timeout=http_timeout) if wrong_routes else None,
        )
        return cls(
            outbox=Outbox(db),
            transport=transport,
            verifier=verifier,
            faults=faults,
            policy=policy,
            hold_for=hold_for,
            clock=clock,
        )

    async def send(self, messages: Sequence[Outgoing]) -> None:
        """Queue messages; a sender with the out-of-order fault has its reply held back
        until its next one, which is then delivered first (one order key keeps that order).
        They are queued as signed: the other faults on the way out act at delivery."""
        for message in messages:
            faults = self._faults.of(endpoint_of(message.sender))
            held = self._take_held(message.sender)
            if held is not None:
                key = f"out-of-order-{held.envelope.message_id}"
                await self._put([_new(message, key), _new(held, key)])
            elif faults.out_of_order:
                self._held.append((message, asyncio.get_running_loop().time()))
            else:
                await self._put([_new(message)])

    async def _put(self, messages: list[Queued]) -> None:
        await self.outbox.put(messages, now=self._clock.now())
        self._queued.set()

    def _take_held(self, sender: PeerId) -> Outgoing | None:
        for index, (held, _) in enumerate(self._held):
            if held.sender == sender:
                del self._held[index]
                return held
        return None

    async def flush_held(self, *, older_than: float | None = None) -> None:
        """Queue replies held back longer than `older_than` seconds (all when None)."""
        now = asyncio.get_running_loop().time()
        due = [m for m, at in self._held if older_than is None or now - at >= older_than]
        self._held = [(m, at) for m, at in self._held if m not in due]
        if due:
            await self._put([_new(message) for message in due])

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; held replies go out after `hold_for` at the latest."""

        async def release_held() -> None:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=0.2)
                await self.flush_held(older_than=self._hold_for.total_seconds())

        async with asyncio.TaskGroup() as group:
            group.create_task(self._deliver(stop))
            group.create_task(release_held())

    async def _deliver(self, stop: asyncio.Event) -> None:
        """Keep up to `policy.batch` due messages in flight, each attempt recorded."""
        sending: dict[str, asyncio.Task[None]] = {}
        try:
            while not stop.is_set():
                self._queued.clear()
                now = self._clock.now()
                room = self.policy.batch - len(sending)
                if room > 0:
                    for entry in await self.outbox.due(now=now, limit=room, busy=set(sending)):
                        sending[entry.message_id] = asyncio.create_task(self._attempt(entry))
                wait = self.policy.idle_poll
                due = await self.outbox.next_due(busy=set(sending))
                if due is not None:
                    wait = min(wait, max(0.0, (due - self._clock.now()).total_seconds()))
                stopped = asyncio.ensure_future(stop.wait())
                queued = asyncio.ensure_future(self._queued.wait())
                try:
                    await asyncio.wait(
                        {*sending.values(), stopped, queued},
                        timeout=wait,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    stopped.cancel()
                    queued.cancel()
                for message_id, task in list(sending.items()):
                    if task.done():
                        del sending[message_id]
                        task.result()  # a failure to record an outcome stops the sender
        finally:
            await asyncio.gather(*sending.values(), return_exceptions=True)

    async def _attempt(self, entry: OutboxEntry) -> None:
        log = get_logger(message_id=entry.message_id, peer=entry.route, attempt=entry.attempts + 1)
        try:
            answer = await self.transport.deliver(
                peer=entry.route, message_id=entry.message_id, body=entry.body
            )
            await self._check_ack(entry, answer)
        except RemoteError as error:
            detail = f"{error.code}: {error.message}"
            await self.outbox.record(entry.message_id, "dead", now=self._clock.now(), error=detail)
            log.warning("message refused by the gateway", code=error.code, state="dead")
            return
        except GatewayError as error:
            await self._failed(entry, error)
            return
        await self.outbox.record(entry.message_id, "acknowledged", now=self._clock.now())
        log.info("message acknowledged", state="acknowledged")

    async def _failed(self, entry: OutboxEntry, error: GatewayError) -> None:
        attempts, now = entry.attempts + 1, self._clock.now()
        detail = f"{error.code}: {error.message}"
        if attempts >= self.policy.max_attempts:
            detail += f"; {attempts} attempts failed (maximum {self.policy.max_attempts})"
            await self.outbox.record(entry.message_id, "dead", now=now, error=detail)
            get_logger(message_id=entry.message_id).warning("message dead", state="dead")
            return
        at = now + retry_delay(self.policy, attempts, self._jitter)
        await self.outbox.record(entry.message_id, "retry_wait", now=now, due_at=at, error=detail)

    async def close(self) -> None:
        await self.flush_held()
        await self.transport.close()

    async def _check_ack(self, entry: OutboxEntry, answer: bytes) -> None:
        if self._verifier is None:
            return
        await asyncio.to_thread(_verify_ack, self._verifier, entry, answer)


def _verify_ack(verifier: Verifier, message: OutboxEntry, answer: bytes) -> None:
    gateway = PeerId.parse(message.route.split("->", 1)[1])
    root = parse_xml(answer)
    claimed = read_envelope(root)
    verified = verifier.verify(root, expected=gateway, at=claimed.created_at)
    content = parse_message(verified.element).content
    if (
        not isinstance(content, Acknowledgement)
        or str(content.acknowledged_message_id) != message.message_id
    ):
        raise SecurityError(
            BAD_ACK,
            f"the gateway's answer is not a signed acknowledgement of {message.message_id}",
            "AcknowledgedMessageId",
        )


def _new(message: Outgoing, order_key: str | None = None) -> Queued:
    envelope = message.envelope
    return Queued(
        message_id=str(envelope.message_id),
        route=route_name(message.sender, message.recipient),
        message_type=envelope.message_type,
        body=message.body,
        order_key=order_key,
    )
