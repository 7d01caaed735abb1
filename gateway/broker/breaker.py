"""A per-peer circuit breaker: stop hammering a peer that is down.

closed: sends go through; after `failure_threshold` failures in a row it opens.
open: nothing is sent until `reset_after` has passed; then half-open.
half_open: one trial send; success closes the circuit, failure opens it again.
Pure: time is an argument, nothing sleeps.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum

from gateway.domain.frozen import frozen

__all__ = ["BreakerPolicy", "BreakerState", "Circuit", "CircuitState"]


class CircuitState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@frozen
class BreakerPolicy:
    failure_threshold: int = 5
    reset_after: timedelta = timedelta(seconds=30)


@frozen
class BreakerState:
    state: CircuitState = CircuitState.CLOSED
    failures: int = 0
    opened_at: datetime | None = None
    trial_in_flight: bool = False


class Circuit:
    """The breaker of one peer; `state` is a frozen value, replaced on each event."""

    def __init__(self, policy: BreakerPolicy | None = None) -> None:
        self.policy = policy or BreakerPolicy()
        self.state = BreakerState()

    def allows(self, now: datetime) -> bool:
        """May a send start now? In half-open, only one trial at a time."""
        current = self.state
        if current.state is CircuitState.OPEN:
            opened_at = current.opened_at or now
            if now - opened_at < self.policy.reset_after:
                return False
            self.state = replace(current, state=CircuitState.HALF_OPEN, trial_in_flight=False)
            current = self.state
        if current.state is CircuitState.HALF_OPEN:
            if current.trial_in_flight:
                return False
            self.state = replace(current, trial_in_flight=True)
        return True

    def record_success(self) -> None:
        self.state = BreakerState()

    def record_failure(self, now: datetime) -> None:
        current = self.state
        failures = current.failures + 1
        if current.state is CircuitState.HALF_OPEN or failures >= self.policy.failure_threshold:
            self.state = BreakerState(state=CircuitState.OPEN, failures=failures, opened_at=now)
        else:
            self.state = replace(current, failures=failures)

    def retry_in(self, now: datetime) -> timedelta:
        """How long until an open circuit lets a trial through (zero otherwise)."""
        if self.state.state is not CircuitState.OPEN or self.state.opened_at is None:
            return timedelta(0)
        return max(timedelta(0), self.state.opened_at + self.policy.reset_after - now)
