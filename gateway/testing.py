"""In-memory stand-ins for the ports, for our tests and for users' own.

clock = FixedClock(datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
clock.advance(timedelta(days=3))
"""

from __future__ import annotations

from collections import defaultdict, deque
from datetime import UTC, date, datetime, timedelta

from gateway.broker.memory import InMemoryStore
from gateway.domain.frozen import frozen
from gateway.errors import GatewayError
from gateway.tracking.memory import InMemoryTrackingStore

__all__ = [
    "Delivery",
    "FixedClock",
    "InMemoryStore",
    "InMemoryTrackingStore",
    "RecordingTransport",
]


class FixedClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        start = start or datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
        if start.tzinfo is None:
            raise ValueError("a FixedClock needs a timezone-aware start")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("a FixedClock needs a timezone-aware time")
        self._now = moment


@frozen
class Delivery:
    peer: str
    message_id: str
    body: bytes


class RecordingTransport:
    """A transport that records every delivery and answers as scripted.

    transport = RecordingTransport()
    transport.script("NL:dublinet", TransportError("GW-TRN-REFUSED", "down"), b"<ack/>")
    The next deliveries to NL fail once, then are acknowledged with `<ack/>`;
    unscripted deliveries get `default_answer`.
    """

    def __init__(self, default_answer: bytes = b"<ack/>") -> None:
        self.default_answer = default_answer
        self.deliveries: list[Delivery] = []
        self._scripts: defaultdict[str, deque[bytes | GatewayError]] = defaultdict(deque)

    def script(self, peer: str, *outcomes: bytes | GatewayError) -> None:
        self._scripts[peer].extend(outcomes)

    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes:
        self.deliveries.append(Delivery(peer=peer, message_id=message_id, body=body))
        script = self._scripts[peer]
        outcome = script.popleft() if script else self.default_answer
        if isinstance(outcome, GatewayError):
            raise outcome
        return outcome
