"""The periodic sweep over open cases: a time limit that passed moves its case (silence
becomes tacit acceptance, a missed transfer shifts responsibility), one falling due soon
is announced to the submitter, and what a failure between two stores left is repaired.

Which event the end of a limit is, and when it ends, is `gateway.tracking.schedule`.
"""

from __future__ import annotations

from gateway.broker.states import MessageState
from gateway.domain.frozen import frozen
from gateway.errors import GatewayError, InputError
from gateway.logging import get_logger
from gateway.pipeline.casework.cases import Cases
from gateway.pipeline.casework.context import Context
from gateway.pipeline.casework.hits import Hits
from gateway.pipeline.casework.requests import Requests
from gateway.pipeline.casework.results import Results
from gateway.pipeline.casework.views import case_view
from gateway.pipeline.outgoing import RequestFacts
from gateway.tracking.cases import CaseEvent, CaseState
from gateway.tracking.records import ResultKind, StoredCase
from gateway.tracking.schedule import passed_event

__all__ = ["Deadlines"]


@frozen
class Deadlines:
    """Applies passed time limits and announces those close (`alert_days` or fewer)."""

    context: Context
    results: Results
    cases: Cases
    hits: Hits
    requests: Requests
    alert_days: int = 5  # a deadline this close is announced to the submitter

    async def sweep(self) -> int:
        """Apply every time limit that passed (the day after its last day) and announce those
        falling due soon. Returns how many cases moved. A case that fails is logged and
        left for the next sweep; the others go on."""
        moved = 0
        for case in await self.context.store.cases(open_only=True, limit=100_000):
            try:
                moved += await self._sweep_case(case)
            except GatewayError as error:
                get_logger(case_id=case.case_id).warning("sweep failed", code=error.code)
        return moved

    async def _sweep_case(self, case: StoredCase) -> int:
        today = self.context.clock.today()
        if case.state is CaseState.REQUEST_SENT:
            await self._follow_request(case)
            case = await self.cases.case(case.case_id)
        event = passed_event(case)
        if case.deadline is None:
            return 0
        if event is not None and case.deadline < today:
            return await self._deadline_passed(case, event)
        if (case.deadline - today).days <= self.alert_days:
            view = case_view(case) | {"days_left": (case.deadline - today).days}
            what = f"{case.deadline_step}:{case.deadline.isoformat()}"
            await self.results.add(
                self.results.for_submitter(
                    case.submitter, ResultKind.DEADLINE_ALERT, case.case_id, view, what=what
                )
            )
        return 0

    async def _follow_request(self, case: StoredCase) -> None:
        """Repair what a failure between two stores left: a request stored but not queued
        is queued (the same message, by its id); a request the outbox has seen
        acknowledged whose acknowledgement tracking missed starts its clock now, from the
        day the acknowledgement was recorded."""
        if case.request_message_id is None:
            return
        outbox = self.context.outbox
        sent = await outbox.store.get(case.request_message_id)
        if sent is None and case.hit_id is not None:
            _, request = await self.requests.of_hit(
                await self.hits.hit(case.hit_id),
                self.context.clock.now(),
                RequestFacts.of_case(case),
            )
            if request.message_id == case.request_message_id:
                await outbox.put([request])
                get_logger(case_id=case.case_id).warning("request queued again after a failure")
            return
        if sent is None or sent.state not in (MessageState.ACKNOWLEDGED, MessageState.ANSWERED):
            return
        timeline = await outbox.store.timeline(sent.message_id)
        acknowledged = next(
            (change.at for change in timeline if change.to_state is MessageState.ACKNOWLEDGED),
            sent.updated_at,
        )
        await self.cases.move(
            case,
            CaseEvent.ACKNOWLEDGEMENT,
            at=self.context.clock.now(),
            start=self.context.day_of(acknowledged, case.other_state),
            detail=f"acknowledged (as recorded by the outbox at {acknowledged.isoformat()})",
            by=f"{case.other_state}:dublinet",
        )

    async def _deadline_passed(self, case: StoredCase, event: CaseEvent) -> int:
        deadline = case.deadline or self.context.clock.today()
        try:
            await self.cases.move(
                case,
                event,
                at=self.context.clock.now(),
                start=deadline,
                detail=f"{case.deadline_step} ended on {deadline}: {case.deadline_effect}",
            )
        except InputError as error:  # another process moved it first
            get_logger(case_id=case.case_id).info("case moved meanwhile", code=error.code)
            return 0
        return 1
