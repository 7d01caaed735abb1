"""Throughput and latency over the last hour, from message timelines, as small SVG charts.

Pure: timelines and the time are arguments. A delivery is a change from
`sending` to `acknowledged` (or `answered`, when the reply overtook the
acknowledgement); its latency runs from the claim that started that send.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from gateway.broker.records import StateChange
from gateway.broker.states import Event, MessageState
from gateway.domain.frozen import frozen

__all__ = ["Chart", "Series", "chart_of", "last_hour"]

_DELIVERED = frozenset({MessageState.ACKNOWLEDGED, MessageState.ANSWERED})


@frozen
class Series:
    label: str
    unit: str
    values: tuple[float, ...]  # one per bucket, oldest first


@frozen
class Chart:
    """What a template needs to draw a series as an inline SVG polyline."""

    label: str
    unit: str
    points: str  # "x,y x,y ..." in a width by height box, y growing downwards
    peak: float
    total: float
    width: int
    height: int


def last_hour(
    timelines: Iterable[Sequence[StateChange]],
    now: datetime,
    *,
    buckets: int = 12,
    span: timedelta = timedelta(hours=1),
) -> tuple[Series, Series]:
    """Deliveries per bucket and their mean latency in milliseconds per bucket."""
    start = now - span
    width = span / buckets
    delivered = [0] * buckets
    latency_sums = [0.0] * buckets
    timed = [0] * buckets
    for changes in timelines:
        claimed_at: datetime | None = None
        for change in sorted(changes, key=lambda change: change.at):
            if change.event is Event.CLAIM:
                claimed_at = change.at
            elif change.from_state is MessageState.SENDING and change.to_state in _DELIVERED:
                if start <= change.at <= now:
                    index = min(int((change.at - start) / width), buckets - 1)
                    delivered[index] += 1
                    if claimed_at is not None:
                        latency_sums[index] += (change.at - claimed_at).total_seconds() * 1000
                        timed[index] += 1
                claimed_at = None
    mean = tuple(
        latency_sums[index] / timed[index] if timed[index] else 0.0 for index in range(buckets)
    )
    minutes = int(width.total_seconds() // 60)
    return (
        Series(label="Deliveries", unit=f"per {minutes} min", values=tuple(map(float, delivered))),
        Series(label="Latency", unit="ms (mean)", values=mean),
    )


def chart_of(series: Series, *, width: int = 240, height: int = 48) -> Chart:
    values = series.values or (0.0,)
    peak = max(values)
    step = width / max(len(values) - 1, 1)
    scale = (height - 4) / peak if peak > 0 else 0.0
    points = " ".join(
        f"{index * step:.1f},{height - 2 - value * scale:.1f}" for index, value in enumerate(values)
    )
    return Chart(
        label=series.label,
        unit=series.unit,
        points=points,
        peak=peak,
        total=sum(values),
        width=width,
        height=height,
    )
