"""The tracking service's common part: collaborators, lookups, case moves and results.

`gateway.pipeline.tracking.Tracking` builds on it; nothing else does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import date, datetime
from typing import Any

from gateway.broker.outbox import Outbox
from gateway.broker.records import NewMessage, StoredMessage
from gateway.domain.record import CanonicalRecord
from gateway.errors import InputError
from gateway.messages import read_message
from gateway.pipeline.outgoing import RequestFacts, outgoing_request
from gateway.pipeline.tracking_views import case_view, make_result
from gateway.pipeline.wire import Wire
from gateway.ports import Clock, TrackingStore
from gateway.tracking.cases import SITUATION_EVENTS, CaseEvent, apply_event
from gateway.tracking.holidays import HolidayCalendar, load_calendar
from gateway.tracking.periods import event_day
from gateway.tracking.records import (
    CaseChange,
    CaseOpening,
    Result,
    ResultKind,
    StoredCase,
    StoredHit,
)
from gateway.tracking.schedule import as_dublin_case, next_clock, with_clock, with_situation

__all__ = ["MAX_REASON", "OPERATOR_EVENTS", "TrackingBase"]

# What happened outside the gateway, as an operator records it: the transfer, a withdrawal,
# and the person's situation (detained, released, imprisoned, absconded).
OPERATOR_EVENTS = frozenset(
    {CaseEvent.TRANSFER_PLANNED, CaseEvent.TRANSFER_DONE, CaseEvent.WITHDRAWAL}
    | (SITUATION_EVENTS - {CaseEvent.DETENTION_LIMIT_PASSED})
)
MAX_REASON = 2000  # characters of a reason given with an event or a plan


class TrackingBase:
    """What the tracking service's parts share: its collaborators, lookups, case moves, results."""

    def __init__(
        self,
        *,
        store: TrackingStore,
        outbox: Outbox,
        wire: Wire,
        clock: Clock,
        executor: Executor,
        dublin_unit: str = "",
        alert_days: int = 5,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.wire = wire
        self.clock = clock
        self.executor = executor
        self.dublin_unit = dublin_unit or None  # whose inbox gets incoming cases
        self.alert_days = alert_days  # a deadline this close is announced to the submitter
        self.results_waiting = asyncio.Event()  # set when results were written

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

    # -- hits ------------------------------------------------------------------------------

    async def hit(self, hit_id: str) -> StoredHit:
        stored = await self.store.hit(hit_id)
        if stored is None:
            raise InputError("GW-HIT-UNKNOWN", f"there is no hit {hit_id}", "hit_id")
        return stored

    def hit_data(self, hit: StoredHit) -> dict[str, Any] | None:
        """The matched record's data, opened (for the expert), or None once erased."""
        if hit.data is None:
            return None
        data: dict[str, Any] = json.loads(self.outbox.cipher.open(hit.data, message_id=hit.hit_id))
        return data

    async def _outgoing(
        self,
        hit: StoredHit,
        now: datetime,
        facts: RequestFacts = RequestFacts(),  # noqa: B008 - frozen: a shared default is safe
    ) -> tuple[CaseOpening, NewMessage]:
        """The case a confirmed hit opens, and its request signed and ready to queue."""
        source = (
            await self.outbox.store.get(hit.source_message_id) if hit.source_message_id else None
        )
        record = await self._record_of(source)
        if record is None:
            raise InputError(
                "GW-CASE-NO-RECORD",
                f"the record hit {hit.hit_id} answers is no longer kept; open the case by hand",
                "hit_id",
            )
        submission_id = source.submission_id if source else None
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.executor,
            functools.partial(
                outgoing_request,
                self.wire,
                hit,
                record,
                submission_id=submission_id,
                now=now,
                facts=facts,
            ),
        )

    # -- cases and time ---------------------------------------------------------------------

    async def case(self, case_id: str) -> StoredCase:
        stored = await self.store.case(case_id)
        if stored is None:
            raise InputError("GW-CASE-UNKNOWN", f"there is no case {case_id}", "case_id")
        return stored

    async def _move(
        self,
        case: StoredCase,
        event: CaseEvent,
        *,
        at: datetime,
        start: date,
        detail: str,
        by: str = "gateway",
        also: Callable[[StoredCase], list[Result]] = lambda _: [],
        reason: str | None = None,
    ) -> StoredCase:
        """Apply `event` (the table refuses what cannot happen), change the person's
        situation when the event is one, move the clock and store the move with its result
        and what `also` adds for the moved case, in one go. The same time limit runs on from
        its own start (a transfer planned runs from the acceptance; an extension extends the
        period counted from it)."""
        target = apply_event(as_dublin_case(case), event).state
        changed = with_situation(case, event, on=start, reason=reason)
        moved = next_clock(
            case,
            dataclasses.replace(changed, state=target, updated_at=at),
            start,
            own_state=self.own_state,
            calendar_of=self.calendar_of,
        )
        if event in SITUATION_EVENTS:
            detail = "; ".join(part for part in (detail, _clock_moved(case, moved)) if part)
        again = f"@{at.isoformat()}" if target is case.state else ""  # planned again
        change = CaseChange(
            case_id=case.case_id,
            at=at,
            from_state=case.state,
            to_state=target,
            event=event,
            detail=detail,
            by=by,
        )
        results = self._results(
            case.submitter,
            ResultKind.CASE_CHANGE,
            case.case_id,
            case_view(moved) | {"event": event.value},
            what=f"{case.state.value}>{target.value}{again}",
        )
        await self.store.move_case(moved, change, results + also(moved))
        self.results_waiting.set()
        return moved

    async def act_on_case(
        self, case_id: str, event: CaseEvent, *, by: str, reason: str | None = None
    ) -> StoredCase:
        """An operator records what happened outside the gateway: a transfer planned or
        done, a withdrawal, or a change of the person's situation (detained, released,
        imprisoned, absconded) with its reason; the history says who recorded it."""
        if event not in OPERATOR_EVENTS:
            allowed = ", ".join(sorted(e.value for e in OPERATOR_EVENTS))
            raise InputError("GW-CASE-EVENT", f"operators record {allowed}", "event")
        if reason is not None and not 0 < len(reason) <= MAX_REASON:
            raise InputError(
                "GW-CASE-EVENT", f"a reason is 1 to {MAX_REASON} characters of text", "reason"
            )
        now = self.clock.now()
        return await self._move(
            await self.case(case_id),
            event,
            at=now,
            start=self.day_of(now, self.own_state),  # recorded here, on our local day
            detail=reason or "",
            by=by,
            reason=reason,
        )

    def _clocked(self, case: StoredCase, start: date) -> StoredCase:
        return with_clock(case, start, own_state=self.own_state, calendar_of=self.calendar_of)

    # -- results ---------------------------------------------------------------------------

    def _opened_results(self, case: StoredCase) -> list[Result]:
        return self._results(
            case.submitter, ResultKind.CASE_CHANGE, case.case_id, case_view(case), what="opened"
        )

    def _results(
        self,
        submitter: str | None,
        kind: ResultKind,
        subject: str,
        view: dict[str, Any],
        *,
        what: str = "",
    ) -> list[Result]:
        """The result for `submitter` (none when nobody submitted the subject)."""
        if submitter is None:
            return []
        return [make_result(submitter, kind, subject, view, what=what, now=self.clock.now())]

    async def _add_results(self, results: list[Result]) -> None:
        if results:
            await self.store.add_results(results)
            self.results_waiting.set()

    async def _submitter_of(self, source: StoredMessage | None) -> str | None:
        if source is None or source.submission_id is None:
            return None
        submission = await self.outbox.store.submission(source.submission_id)
        return submission.submitter if submission else None

    async def _record_of(self, source: StoredMessage | None) -> CanonicalRecord | None:
        """The record our outbound message carried (read back from its signed body)."""
        if source is None or source.body is None:
            return None
        body = self.outbox.body_of(source)
        loop = asyncio.get_running_loop()
        message = await loop.run_in_executor(self.executor, read_message, body)
        return message.content if isinstance(message.content, CanonicalRecord) else None


def _clock_moved(before: StoredCase, after: StoredCase) -> str:
    """What a change of the person's situation did to the running time limit, for the
    case's history and the audit trail."""
    if after.deadline_step is None:
        return "no time limit runs"
    if after.deadline == before.deadline and after.deadline_variant == before.deadline_variant:
        return f"{after.deadline_step} time limit unchanged"
    was = before.deadline.isoformat() if before.deadline else "none"
    now = after.deadline.isoformat() if after.deadline else "none"
    return (
        f"{after.deadline_step} time limit {now} ({after.deadline_basis}, "
        f"{after.deadline_variant}), was {was}"
    )
