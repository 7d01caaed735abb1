"""A long run at full speed (`eugw bench pipeline --end-to-end --duration S`): does the
throughput hold while the tables grow?

A closed loop: at most `window` messages are between their POST and the peer's
acknowledgement at any time, so the gateway runs flat out without a backlog
that would only measure queueing. Every `interval` seconds the messages
acknowledged in it are counted, with their latency; the figure that matters is
the last interval's throughput against the first's.

Hot paths timed: as `gateway.bench.end_to_end` (submission to acknowledgement),
while the store's tables grow.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import field

import aiohttp

from gateway.bench.end_to_end import percentile
from gateway.domain.frozen import frozen

__all__ = ["Interval", "SustainedFigures", "measure_sustained"]


@frozen
class Interval:
    ends_at_s: float  # seconds since the start
    acknowledged: int
    messages_per_s: float
    p50_ms: float
    p99_ms: float


@frozen
class SustainedFigures:
    seconds: float
    acknowledged: int
    intervals: list[Interval] = field(default_factory=list)

    @property
    def last_to_first(self) -> float:
        """The last full interval's throughput as a share of the first's (1.0: no decay)."""
        full = [interval for interval in self.intervals if interval.acknowledged]
        if len(full) < 2:
            return 1.0
        return full[-1].messages_per_s / full[0].messages_per_s


async def measure_sustained(
    *,
    api: str,
    token: str,
    record: Callable[[int], bytes],
    acknowledged_at: dict[str, float],
    duration: float,
    interval: float = 60.0,
    window: int = 64,
    concurrency: int = 16,
    report: Callable[[Interval], None] = lambda _: None,
) -> SustainedFigures:
    """Submit `record(n)` for n = 0, 1, ... for `duration` seconds, `window` in flight.
    `api` may name several gateways, comma-separated: the submitters take turns."""
    started = time.perf_counter()
    deadline = started + duration
    room = asyncio.Semaphore(window)
    posted_at: dict[str, float] = {}  # message id -> when its POST began, until acknowledged
    done: list[tuple[float, float]] = []  # (acknowledged at, latency ms)
    numbers = iter(range(10**9))
    headers = {"Authorization": f"Bearer {token}"}

    apis = [one.strip() for one in api.split(",") if one.strip()]

    async def submitter(session: aiohttp.ClientSession, gateway: str) -> None:
        while time.perf_counter() < deadline:
            await room.acquire()
            number = next(numbers)
            began = time.perf_counter()
            async with session.post(
                f"{gateway}/v1/submissions",
                data=record(number),
                headers={"Idempotency-Key": f"sustained-{number}"},
            ) as answer:
                if answer.status != 202:
                    raise RuntimeError(f"refused: HTTP {answer.status} {await answer.text()}")
                for message_id in (await answer.json())["message_ids"]:
                    posted_at[message_id] = began

    async def collector() -> None:
        while True:
            for message_id in [m for m in posted_at if m in acknowledged_at]:
                at = acknowledged_at[message_id]
                done.append((at, (at - posted_at.pop(message_id)) * 1000))
                room.release()
            await asyncio.sleep(0.02)

    intervals: list[Interval] = []

    async def sampler() -> None:
        ends = started + interval
        while ends <= deadline + 1e-6:
            await asyncio.sleep(max(0.0, ends - time.perf_counter()))
            latest = sorted(latency for at, latency in done if ends - interval < at <= ends)
            figure = Interval(
                ends_at_s=ends - started,
                acknowledged=len(latest),
                messages_per_s=len(latest) / interval,
                p50_ms=statistics.median(latest) if latest else 0.0,
                p99_ms=percentile(latest, 0.99) if latest else 0.0,
            )
            intervals.append(figure)
            report(figure)
            ends += interval

    async with aiohttp.ClientSession(headers=headers) as session:
        collecting = asyncio.create_task(collector())
        sampling = asyncio.create_task(sampler())
        await asyncio.gather(*(submitter(session, apis[n % len(apis)]) for n in range(concurrency)))
        await sampling
        collecting.cancel()
    return SustainedFigures(
        seconds=time.perf_counter() - started, acknowledged=len(done), intervals=intervals
    )
