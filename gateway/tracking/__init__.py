"""Tracking: legal deadlines of the Dublin procedure, hits awaiting verification, Dublin cases.

Pure cores: they take dates and facts as arguments and return records. The
only I/O is the holidays library and zoneinfo reading the data they ship; an
import-linter contract in pyproject.toml keeps outer layers and I/O libraries out.
"""

from gateway.tracking.deadlines import Deadline, compute_deadline
from gateway.tracking.holidays import HolidayCalendar, load_calendar
from gateway.tracking.rules import Effect, Extension, Facts, Step

__all__ = [
    "Deadline",
    "Effect",
    "Extension",
    "Facts",
    "HolidayCalendar",
    "Step",
    "compute_deadline",
    "load_calendar",
]
