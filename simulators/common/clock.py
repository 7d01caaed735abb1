"""The simulators' clock: what "now" is for the simulated EU side (a virtual one in tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Protocol

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    """The time, timezone-aware in UTC."""

    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()
