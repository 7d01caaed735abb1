"""Dublin cases: the lookup, every move of a case with its history line and results, and
what an operator records of what happened outside the gateway.

Which moves may happen is the transition table of `gateway.tracking.cases`; the time
limit a move starts is `gateway.tracking.schedule`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from gateway.domain.frozen import frozen
from gateway.errors import InputError
from gateway.pipeline.casework.context import Context
from gateway.pipeline.casework.results import Results
from gateway.tracking.cases import SITUATION_EVENTS, CaseEvent, Direction, apply_event
from gateway.tracking.records import CaseChange, Result, StoredCase
from gateway.tracking.schedule import as_dublin_case, next_clock, with_clock, with_situation

__all__ = ["MAX_REASON", "OPERATOR_EVENTS", "Cases"]

# What happened outside the gateway, as an operator records it: the transfer, a withdrawal,
# and the person's situation (detained, released, imprisoned, absconded).
OPERATOR_EVENTS = frozenset(
    {CaseEvent.TRANSFER_PLANNED, CaseEvent.TRANSFER_DONE, CaseEvent.WITHDRAWAL}
    | (SITUATION_EVENTS - {CaseEvent.DETENTION_LIMIT_PASSED})
)
MAX_REASON = 2000  # characters of a reason given with an event or a plan

ResultsOf = Callable[[StoredCase], list[Result]]
"""The results a change adds for the case as it is after the change."""


@frozen
class Cases:
    """Cases on a `TrackingStore`: each change stored with its history line and results."""

    context: Context
    results: Results

    async def case(self, case_id: str) -> StoredCase:
        stored = await self.context.store.case(case_id)
        if stored is None:
            raise InputError("GW-CASE-UNKNOWN", f"there is no case {case_id}", "case_id")
        return stored

    def clocked(self, case: StoredCase, start: date) -> StoredCase:
        """`case` with the time limit of its state running from `start`."""
        context = self.context
        return with_clock(case, start, own_state=context.own_state, calendar_of=context.calendar_of)

    async def move(
        self,
        case: StoredCase,
        event: CaseEvent,
        *,
        at: datetime,
        start: date,
        detail: str,
        by: str = "gateway",
        also: ResultsOf = lambda _: [],
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
            replace(changed, state=target, updated_at=at),
            start,
            own_state=self.context.own_state,
            calendar_of=self.context.calendar_of,
        )
        if event in SITUATION_EVENTS:
            detail = "; ".join(part for part in (detail, _clock_moved(case, moved)) if part)
        again = f"@{at.isoformat()}" if target is case.state else ""  # planned again
        results = self.results.of_case(
            moved, what=f"{case.state.value}>{target.value}{again}", also={"event": event.value}
        )
        return await self._store(
            case, moved, event, detail=detail, by=by, results=results + also(moved)
        )

    async def note(
        self, case: StoredCase, *, detail: str, by: str, results: ResultsOf
    ) -> StoredCase:
        """Record a message on the case's history; its state and clock stay."""
        noted = replace(case, updated_at=self.context.clock.now())
        return await self._store(
            case, noted, CaseEvent.MESSAGE, detail=detail, by=by, results=results(noted)
        )

    async def _store(
        self,
        before: StoredCase,
        after: StoredCase,
        event: CaseEvent,
        *,
        detail: str,
        by: str,
        results: list[Result],
    ) -> StoredCase:
        change = CaseChange(
            case_id=before.case_id,
            at=after.updated_at,
            from_state=before.state,
            to_state=after.state,
            event=event,
            detail=detail,
            by=by,
        )
        await self.context.store.move_case(after, change, results)
        self.results.written()
        return after

    async def act(
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
        now = self.context.clock.now()
        return await self.move(
            await self.case(case_id),
            event,
            at=now,
            start=self.context.day_of(now, self.context.own_state),  # recorded here, our day
            detail=reason or "",
            by=by,
            reason=reason,
        )

    async def conversation_of(self, case: StoredCase) -> str:
        """The conversation of the case's request: every message on the case continues it."""
        request = case.request_message_id or case.case_id
        messages = self.context.outbox.store
        if case.direction is Direction.INCOMING:
            inbound = await messages.inbound(request)
            return inbound.conversation_id if inbound else request
        sent = await messages.get(request)
        return sent.conversation_id if sent else request


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
