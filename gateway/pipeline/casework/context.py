"""What the tracking services share: their collaborators and the lookups they all make.

The application builds one `Context` and hands it to each service (`gateway.app`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import date, datetime
from typing import Any, TypeVar

from gateway.broker.outbox import Outbox
from gateway.broker.records import StoredMessage
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.messages import read_message
from gateway.pipeline.wire import Wire
from gateway.ports import Clock, TrackingStore
from gateway.tracking.holidays import HolidayCalendar, load_calendar
from gateway.tracking.periods import event_day

__all__ = ["Context"]

T = TypeVar("T")


@frozen
class Context:
    """The stores, the signing wire, the clock and the executor of every tracking service."""

    store: TrackingStore
    outbox: Outbox
    wire: Wire
    clock: Clock
    executor: Executor
    dublin_unit: str | None = None  # whose inbox gets incoming cases and unmatched messages

    @property
    def own_state(self) -> str:
        return self.wire.member_state

    def calendar_of(self, state: str) -> HolidayCalendar:
        """The holidays of `state`; a state without a calendar is an `InputError`
        (GW-DL-CALENDAR): never another state's holidays in its place."""
        return load_calendar(state)

    def day_of(self, at: datetime, state: str) -> date:
        """The day of an event at `at` in the local time of `state` (Reg 1182/71 Art 3(1))."""
        return event_day(at, self.calendar_of(state))

    async def run(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`work` in the executor: building, signing and reading messages is CPU work."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, functools.partial(work, *args, **kwargs))

    async def submitter_of(self, source: StoredMessage | None) -> str | None:
        """Who submitted our outbound message `source` (None: nobody, or not kept)."""
        if source is None or source.submission_id is None:
            return None
        submission = await self.outbox.store.submission(source.submission_id)
        return submission.submitter if submission else None

    async def record_of(self, source: StoredMessage | None) -> CanonicalRecord | None:
        """The record our outbound message carried (read back from its signed body)."""
        if source is None or source.body is None:
            return None
        message = await self.run(read_message, self.outbox.body_of(source))
        return message.content if isinstance(message.content, CanonicalRecord) else None
