"""In-memory stand-ins for the ports, for our tests and for users' own.

clock = FixedClock(datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
clock.advance(timedelta(days=3))
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from gateway.broker.memory import InMemoryStore

__all__ = ["FixedClock", "InMemoryStore"]


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
