"""Hypothesis strategies for the canonical model, shared by the test tiers."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from gateway.domain.dates import PartialDate


def partial_dates(
    start: date = date(1900, 1, 1), end: date = date(2099, 12, 31)
) -> st.SearchStrategy[PartialDate]:
    """Dates with the day, or the month and day, unknown as often as known."""

    def build(day: date, precision: int) -> PartialDate:
        return PartialDate(
            year=day.year,
            month=day.month if precision > 0 else None,
            day=day.day if precision > 1 else None,
        )

    return st.builds(build, st.dates(start, end), st.integers(0, 2))
