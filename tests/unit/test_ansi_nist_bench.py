from __future__ import annotations

from itertools import count

from gateway.bench.nist import run


def test_the_benchmark_returns_figures_from_its_clock() -> None:
    ticks = count()
    figures = run(3, clock=lambda: float(next(ticks)))
    assert figures.transactions == 3
    assert figures.records_per_transaction == 13  # Type-1, Type-2, ten Type-14, Type-10
    assert figures.bytes_per_transaction > 10 * 96 * 96 // 2
    # Each timed step spans one tick of the fake clock.
    assert figures.write_per_second == 3.0
    assert figures.read_records_per_second == 3.0 * 13
    assert figures.gallery_comparisons_per_second == 3 * 3
    assert figures.match_calls_per_second == 20_000
