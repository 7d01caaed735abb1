"""Replies and peer-originated requests to the gateway, through the gateway's own broker.

An `Outbox` over a `SqliteStore` in the simulator's data directory, a
`Dispatcher` and an `HttpTransport` presenting each simulated party's TLS
client certificate: what is queued survives a restart and is retried until
the gateway acknowledges it with a signed acknowledgement of that message.
Each route is named `SENDER->GATEWAY` (`EU:eurodac->BE:gateway`), so each
simulated party has its own client certificate and circuit breaker. The
outbox keeps each message as it was signed; the sender's faults of the way
out spoil a delivery attempt, not the message (`FaultyTransport`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from gateway.adapters.clock import SystemClock
from gateway.adapters.http_transport import HttpTransport, Route
from gateway.adapters.sqlite_store import SqliteStore
from gateway.broker.dispatcher import Dispatcher, DispatcherPolicy
from gateway.broker.outbox import Outbox
from gateway.broker.records import NewMessage, StoredMessage
from gateway.broker.sealing import BodyCipher, parse_key_ring
from gateway.domain.replies import Acknowledgement
from gateway.errors import GatewayError, RemoteError, SecurityError, TransportError
from gateway.messages import Envelope, parse_message
from gateway.messages.common import read_envelope
from gateway.ports import Clock, Transport
from gateway.security.identity import PeerId
from gateway.security.verifier import Verifier
from gateway.validation import parse_xml
from simulators.common.faults import FaultBoard, spoil_signature

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
_KEY_FILE = "outbox.key"


def endpoint_of(peer: PeerId) -> str:
    """The endpoint name faults are set on: `eurodac`, or a DubliNet peer's state code."""
    return "eurodac" if peer.system == "eurodac" else peer.party


def route_name(sender: PeerId, recipient: PeerId) -> str:
    return f"{sender}->{recipient}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Outgoing:
    """A signed message from a simulated party to the gateway."""

    sender: PeerId
    recipient: PeerId
    envelope: Envelope
    body: bytes


class ClosingTransport(Transport, Protocol):
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


def body_cipher(data_dir: Path) -> BodyCipher:
    """The outbox's sealing key, made on first start and kept in the data directory."""
    path = data_dir / _KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = base64.b64encode(os.urandom(32)).decode("ascii")
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(f"k1:{key}\n")
    ring = parse_key_ring(path.read_text(encoding="ascii"), str(path))
    return BodyCipher(ring, next(iter(ring)))


class ReplySender:
    """Queues signed messages for the gateway and runs the dispatcher that delivers them."""

    def __init__(
        self,
        *,
        store: SqliteStore,
        outbox: Outbox,
        transport: FaultyTransport,
        verifier: Verifier | None,
        faults: FaultBoard,
        routes: Sequence[str],
        policy: DispatcherPolicy,
        hold_for: timedelta = timedelta(seconds=2),
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.transport = transport
        self._verifier = verifier
        self._faults = faults
        self._hold_for = hold_for
        self._held: list[tuple[Outgoing, float]] = []
        self.dispatcher = Dispatcher(
            outbox=outbox,
            transport=transport,
            peers=list(routes),
            policy=policy,
            check_ack=self._check_ack,
        )

    @classmethod
    async def open(
        cls,
        *,
        data_dir: Path,
        routes: Mapping[str, Route],
        verifier: Verifier | None,
        faults: FaultBoard,
        policy: DispatcherPolicy,
        hold_for: timedelta = timedelta(seconds=2),
        http_timeout: float = 10.0,
        clock: Clock | None = None,
        wrong_routes: Mapping[str, Route] | None = None,
    ) -> ReplySender:
        """`wrong_routes`: the same routes with untrusted client certificates (`reply_tls`)."""
        store = await SqliteStore.open(data_dir / "outbox.sqlite3")
        outbox = Outbox(store, body_cipher(data_dir), clock or SystemClock())
        transport = FaultyTransport(
            HttpTransport(routes, timeout=http_timeout),
            faults,
            wrong=HttpTransport(wrong_routes, timeout=http_timeout) if wrong_routes else None,
        )
        return cls(
            store=store,
            outbox=outbox,
            transport=transport,
            verifier=verifier,
            faults=faults,
            routes=list(routes),
            policy=policy,
            hold_for=hold_for,
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
                await self.outbox.put([_new(message, key), _new(held, key)])
            elif faults.out_of_order:
                self._held.append((message, asyncio.get_running_loop().time()))
            else:
                await self.outbox.put([_new(message)])

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
            await self.outbox.put([_new(message) for message in due])

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until `stop` is set; held replies go out after `hold_for` at the latest."""

        async def release_held() -> None:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=0.2)
                await self.flush_held(older_than=self._hold_for.total_seconds())

        async with asyncio.TaskGroup() as group:
            group.create_task(self.dispatcher.run(stop))
            group.create_task(release_held())

    async def close(self) -> None:
        await self.flush_held()
        await self.transport.close()
        await self.store.close()

    async def _check_ack(self, message: StoredMessage, answer: bytes) -> None:
        if self._verifier is None:
            return
        await asyncio.to_thread(_verify_ack, self._verifier, message, answer)


def _verify_ack(verifier: Verifier, message: StoredMessage, answer: bytes) -> None:
    gateway = PeerId.parse(message.peer.split("->", 1)[1])
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


def _new(message: Outgoing, order_key: str | None = None) -> NewMessage:
    envelope = message.envelope
    return NewMessage(
        message_id=str(envelope.message_id),
        peer=route_name(message.sender, message.recipient),
        message_type=envelope.message_type,
        conversation_id=str(envelope.conversation_id),
        correlation_id=None if envelope.correlation_id is None else str(envelope.correlation_id),
        body=message.body,
        order_key=order_key,
    )
