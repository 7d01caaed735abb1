"""Ports: what the inner layers need from the outside world, as Protocols.

Adapters in `gateway.adapters` implement them for real; `gateway.testing`
implements them in memory for tests.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol

__all__ = ["Clock"]


class Clock(Protocol):
    """The time, as the gateway sees it (always timezone-aware, UTC)."""

    def now(self) -> datetime: ...

    def today(self) -> date: ...
