"""The system clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

__all__ = ["SystemClock"]


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self.now().date()
