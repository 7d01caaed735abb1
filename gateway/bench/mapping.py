"""Benchmark: how many synthetic Evibel records the compiled plan maps per second.

The records are generated (and parsed from JSON text, as a file would be)
before the clock starts, so the figure is the mapping alone: the compiled
steps, the record builder and, with `check_rules`, the domain rules.

Hot path timed: `Mapping.map` of `gateway.mapping.engine.load_mapping`'s compiled plan
(`mappings/evibel.json.yaml`).
"""

from __future__ import annotations

import gc
import json
import time
from datetime import date
from pathlib import Path

from gateway.domain.frozen import frozen
from gateway.mapping.engine import load_mapping
from gateway.synthetic.exports.sources import evibel_row
from gateway.synthetic.persons import make_person

__all__ = ["MappingBench", "bench_mapping"]


@frozen
class MappingBench:
    """What the benchmark measured."""

    records: int
    mapped: int
    rejected: int
    seconds: float  # wall clock
    cpu_seconds: float  # this process's processor time: what one core spent

    @property
    def per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else float("inf")

    @property
    def per_cpu_second(self) -> float:
        return self.records / self.cpu_seconds if self.cpu_seconds > 0 else float("inf")

    def __str__(self) -> str:
        return (
            f"mapped {self.records} Evibel records ({self.rejected} rejected) in "
            f"{self.seconds:.2f} s: {self.per_second:,.0f} records/s; "
            f"{self.per_cpu_second:,.0f} records per CPU second"
        )


def bench_mapping(
    *,
    spec: Path,
    count: int = 100_000,
    seed: int = 1,
    invalid_rate: float = 0.0,
    check_rules: bool = False,
    today: date = date(2026, 11, 30),
) -> MappingBench:
    """Map `count` generated Evibel JSON records with the specification `spec`."""
    mapping = load_mapping(spec)
    broken_every = round(1 / invalid_rate) if invalid_rate > 0 else 0
    rows = [
        json.loads(json.dumps(evibel_row(make_person(seed, i), broken=_broken(i, broken_every))))
        for i in range(count)
    ]
    rules_day = today if check_rules else None
    mapped = 0
    # A file is mapped as a stream, one row in memory at a time; keep the collector from
    # scanning the prepared rows over and over, which a stream would not make it do.
    gc.collect()
    gc.freeze()
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        for row in rows:
            mapped += mapping.map(row, today=rules_day).record is not None
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    finally:
        gc.unfreeze()
    return MappingBench(
        records=count,
        mapped=mapped,
        rejected=count - mapped,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
    )


def _broken(index: int, every: int) -> bool:
    return every > 0 and index % every == every - 1
