"""The servers' counters, without a server: bytes of bodies held at once, requests per token."""

from __future__ import annotations

import pytest

from gateway.adapters.web.budgets import BodyBudget, RateLimiter


def test_a_body_budget_takes_what_fits_and_remembers_its_peak() -> None:
    budget = BodyBudget(100)
    assert budget.reserve(60)
    assert not budget.reserve(41)  # refused: nothing is taken
    assert budget.held == 60
    assert budget.reserve(40)
    budget.release(60)
    budget.release(40)
    assert (budget.held, budget.peak) == (0, 100)
    with pytest.raises(ValueError, match="positive"):
        BodyBudget(0)


def test_a_token_bucket_allows_its_burst_then_its_rate() -> None:
    limiter = RateLimiter(rate=2, burst=3)
    assert [limiter.take("a", now=10.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a", now=10.0) == pytest.approx(0.5)  # one token in half a second
    assert limiter.take("b", now=10.0) == 0.0  # each token its own bucket
    assert limiter.take("a", now=10.5) == 0.0
    assert limiter.take("a", now=10.5) == pytest.approx(0.5)
    assert [limiter.take("a", now=100.0) for _ in range(4)][-1] > 0  # refilled to burst only


def test_a_refused_request_is_not_counted() -> None:
    limiter = RateLimiter(rate=1, burst=1)
    assert limiter.take("a", now=0.0) == 0.0
    for _ in range(100):
        assert limiter.take("a", now=0.5) == pytest.approx(0.5)
    assert limiter.take("a", now=1.0) == 0.0


def test_full_buckets_are_forgotten_when_there_are_too_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RateLimiter, "MAX_KEYS", 3)
    limiter = RateLimiter(rate=1, burst=2)
    for key in ("a", "b", "c"):
        limiter.take(key, now=0.0)
    limiter.take("d", now=10.0)  # a, b and c are full again by now
    assert limiter.take("a", now=10.0) == 0.0
    assert len(limiter._buckets) <= 3
