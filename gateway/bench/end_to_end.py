"""From the ingest API to the peer's acknowledgement (`eugw bench pipeline --end-to-end`).

Submissions are POSTed by a national system of its own process
(`gateway.bench.submitter`) to a running gateway (SQLite or PostgreSQL, demo
PKI) that delivers to a minimal acknowledging peer, also of its own process,
over mutual TLS; latency runs from the start
of a submission's POST to the peer's acknowledgement of its message. The
floor, measured in the same run just before and just after, is the bare loop
of build, validate, sign and verify on the same records with no I/O; the
share is taken of the mean of the two (a shared machine's speed drifts).

Hot paths timed: the whole way of a message: `POST /v1/submissions`
(`Submissions.submit`), the outbox (`MessageStore.enqueue`, `claim`, `record`), the
`Dispatcher` delivering over `HttpTransport` with mutual TLS, and
`Verifier.verify` of the peer's signed acknowledgement.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
from collections.abc import Awaitable, Callable

from gateway.domain.frozen import frozen

__all__ = ["EndToEndFigures", "measure_end_to_end", "percentile"]


@frozen
class EndToEndFigures:
    count: int
    seconds: float
    messages_per_s: float
    p50_ms: float
    p99_ms: float
    floor_before_per_s: float
    floor_after_per_s: float

    @property
    def floor_per_s(self) -> float:
        return (self.floor_before_per_s + self.floor_after_per_s) / 2

    @property
    def share_of_floor(self) -> float:
        return self.messages_per_s / self.floor_per_s


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure_end_to_end(
    *,
    api: str,
    token: str,
    count: int,
    acknowledged_at: dict[str, float],
    floor: Callable[[], float],
    concurrency: int = 16,
    wait: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> EndToEndFigures:
    """Measure the floor, have the submitter process POST `count` records, wait for every
    acknowledgement, measure the floor again."""
    floor_before = floor()
    first, started_at = await _submitted_elsewhere(api, token, count, concurrency)
    while len([m for m in started_at if m in acknowledged_at]) < len(started_at):
        await wait(0.05)
    last = max(acknowledged_at[message_id] for message_id in started_at)
    latencies = [(acknowledged_at[m] - began) * 1000 for m, began in started_at.items()]
    seconds = last - first
    return EndToEndFigures(
        count=len(started_at),
        seconds=seconds,
        messages_per_s=len(started_at) / seconds,
        p50_ms=statistics.median(latencies),
        p99_ms=percentile(latencies, 0.99),
        floor_before_per_s=floor_before,
        floor_after_per_s=floor(),
    )


async def _submitted_elsewhere(
    api: str, token: str, count: int, concurrency: int
) -> tuple[float, dict[str, float]]:
    """Run `gateway.bench.submitter` in its own process: when it began, and when each
    accepted message's POST began."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.bench.submitter", api, token, str(count), str(concurrency),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None  # noqa: S101  # asked for above
    first = 0.0
    started_at: dict[str, float] = {}
    while line := await process.stdout.readline():
        key, at = line.decode().split()
        if key == "start":
            first = float(at)
        elif key != "done":
            started_at[key] = float(at)
    if await process.wait() != 0:
        raise RuntimeError(f"the benchmark's submitter failed (exit {process.returncode})")
    return first, started_at
