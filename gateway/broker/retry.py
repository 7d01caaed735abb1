"""When to try a failed send again: exponential backoff with full jitter.

A pure function of the attempt count, the message's age and a random number,
so tests decide the randomness. See "Exponential Backoff And Jitter"
(AWS Architecture Blog, 2015): full jitter spreads retries of many messages
after an outage instead of sending them all again at the same instant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from gateway.domain.frozen import frozen

__all__ = ["GiveUp", "Retry", "RetryDecision", "RetryPolicy", "decide"]


@frozen
class RetryPolicy:
    """How patient the dispatcher is with one message."""

    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=10)
    max_attempts: int = 12
    max_age: timedelta = timedelta(hours=24)

    def __post_init__(self) -> None:
        if self.base <= timedelta(0) or self.cap < self.base:
            raise ValueError("a retry policy needs 0 < base <= cap")
        if self.max_attempts < 1:
            raise ValueError("a retry policy needs at least one attempt")


@frozen
class Retry:
    at: datetime
    delay: timedelta


@frozen
class GiveUp:
    reason: str


RetryDecision = Retry | GiveUp


def decide(
    policy: RetryPolicy,
    *,
    attempts: int,
    first_attempt_at: datetime,
    now: datetime,
    random: Callable[[], float],
) -> RetryDecision:
    """After `attempts` failed sends, retry at some time or give up.

    `random` returns a float in [0, 1) (`random.random` in production).
    """
    if attempts >= policy.max_attempts:
        return GiveUp(reason=f"{attempts} attempts failed (maximum {policy.max_attempts})")
    ceiling = min(policy.cap, policy.base * 2 ** min(attempts - 1, 62))
    delay = ceiling * random()
    at = now + delay
    if at - first_attempt_at > policy.max_age:
        return GiveUp(reason=f"still undelivered after {policy.max_age} (maximum age)")
    return Retry(at=at, delay=delay)
