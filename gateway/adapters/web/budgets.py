"""Sans-I/O counters of the servers' limits: bytes of request bodies held at once, and a
token bucket per caller. They take sizes and times as arguments; `limits` and `auth`
apply them to requests."""

from __future__ import annotations

__all__ = ["BodyBudget", "RateLimiter"]


class BodyBudget:
    """Bytes of request bodies held at once, up to `limit`; `peak` is the most ever held."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a body budget is positive")
        self.limit = limit
        self.held = 0
        self.peak = 0

    def reserve(self, size: int) -> bool:
        """Take `size` bytes if they fit; False (nothing taken) when they do not."""
        if self.held + size > self.limit:
            return False
        self.held += size
        self.peak = max(self.peak, self.held)
        return True

    def release(self, size: int) -> None:
        self.held = max(self.held - size, 0)


class RateLimiter:
    """A token bucket per key: `rate` requests a second on average, `burst` at once."""

    MAX_KEYS = 100_000  # keys are API tokens; full buckets are forgotten beyond this

    def __init__(self, *, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limit has a positive rate and burst")
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str, *, now: float) -> float:
        """0 when a request of `key` may go now (it is counted), else the seconds until
        it may (it is not counted)."""
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(now - at, 0.0) * self.rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
        if len(self._buckets) >= self.MAX_KEYS and key not in self._buckets:
            self._forget_full(now)
        self._buckets[key] = (tokens - 1.0, now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        for key, (tokens, at) in list(self._buckets.items()):
            if tokens + (now - at) * self.rate >= self.burst:
                del self._buckets[key]
