"""Dublin requests, both ways: ours (from a confirmed hit or an operator's plan), signed,
queued and opening an outgoing case; another state's take charge or take back request,
opening an incoming case; and the acknowledgement that starts our request's reply clock.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from gateway.broker.records import NewMessage, StoredMessage
from gateway.domain.dublin import RequestType
from gateway.domain.frozen import frozen
from gateway.domain.replies import Acknowledgement
from gateway.errors import InputError
from gateway.messages import DublinSubmission, Message
from gateway.pipeline.casework.cases import Cases
from gateway.pipeline.casework.context import Context
from gateway.pipeline.casework.results import Results
from gateway.pipeline.outgoing import (
    IDS,
    CasePlan,
    RequestFacts,
    outgoing_request,
    planned_request,
    said_of_person,
)
from gateway.tracking.cases import CaseEvent, CaseKind, CaseState, Direction
from gateway.tracking.records import CaseChange, CaseOpening, StoredCase, StoredHit

__all__ = ["Requests", "opens_case"]

_KIND_OF_REQUEST = {
    RequestType.TAKE_CHARGE: CaseKind.TAKE_CHARGE,
    RequestType.TAKE_BACK: CaseKind.TAKE_BACK,
}


def opens_case(submission: DublinSubmission) -> bool:
    """A take charge or take back request opens a case; other requests (information and
    the like) are messages on one."""
    return submission.request.request_type in _KIND_OF_REQUEST


@frozen
class Requests:
    """Requests that open cases, ours and theirs."""

    context: Context
    results: Results
    cases: Cases

    async def of_hit(
        self,
        hit: StoredHit,
        now: datetime,
        facts: RequestFacts = RequestFacts(),
    ) -> tuple[CaseOpening, NewMessage]:
        """The case a confirmed hit opens, and its request signed and ready to queue."""
        messages = self.context.outbox.store
        source = await messages.get(hit.source_message_id) if hit.source_message_id else None
        record = await self.context.record_of(source)
        if record is None:
            raise InputError(
                "GW-CASE-NO-RECORD",
                f"the record hit {hit.hit_id} answers is no longer kept; open the case by hand",
                "hit_id",
            )
        return await self.context.run(
            outgoing_request,
            self.context.wire,
            hit,
            record,
            submission_id=source.submission_id if source else None,
            now=now,
            facts=facts,
        )

    async def send(self, opening: CaseOpening, request: NewMessage) -> bool:
        """Store the case `opening` opens with its results, then queue its request; False
        (and nothing queued) when the case exists already."""
        if not await self.context.store.add_case(opening, self.results.opened(opening.case)):
            return False
        await self.context.outbox.put([request])
        self.results.written()
        return True

    async def open_planned(self, plan: CasePlan) -> StoredCase:
        """Open (and send) an outgoing case an operator planned; once per case id."""
        if plan.requested_state == self.context.own_state:
            raise InputError(
                "GW-CASE-PLAN", "a request goes to another member state", "requested_state"
            )
        opening, request = await self.context.run(
            planned_request, self.context.wire, plan, now=self.context.clock.now()
        )
        if not await self.send(opening, request):
            existing = await self.cases.case(plan.case_id)
            if existing.request_message_id != request.message_id:  # pragma: no cover - ids agree
                raise InputError("GW-CASE-EXISTS", f"case {plan.case_id} exists", "case_id")
            return existing  # the same plan again: its case, nothing sent twice
        return opening.case

    async def arrived(self, message: Message, submission: DublinSubmission) -> None:
        """Another state's take charge or take back request opens an incoming case for the
        Dublin unit (one addressed to another state is not ours to track)."""
        request = submission.request
        envelope = message.envelope
        context = self.context
        if request.requested_state != context.own_state:
            return
        now = context.clock.now()
        case = StoredCase(
            case_id=str(uuid.uuid5(IDS, f"incoming:{envelope.message_id}")),
            direction=Direction.INCOMING,
            kind=_KIND_OF_REQUEST[request.request_type],
            regime=envelope.regime,  # type: ignore[arg-type]  # a DubliNet message's regime
            other_state=request.requesting_state,
            state=CaseState.REQUEST_RECEIVED,
            created_at=now,
            updated_at=now,
            reference=request.national_reference,
            submitter=context.dublin_unit,
            eurodac_reference=str(request.eurodac_reference) if request.eurodac_reference else None,
            request_message_id=str(envelope.message_id),
            hit_based=request.eurodac_reference is not None,
            urgent=request.urgent,
            urgency_reason=request.urgency_reason if request.urgent else None,
            request_detained=request.detained,
            detained=request.detained,
        )
        # Received by us, who must act: our local day of receipt starts the period.
        case = self.cases.clocked(case, context.day_of(now, context.own_state))
        opened = CaseChange(
            case_id=case.case_id,
            at=now,
            from_state=None,
            to_state=case.state,
            event=None,
            detail=f"{envelope.message_type} from {request.requesting_state}"
            + said_of_person(case),
        )
        await context.store.add_case(
            CaseOpening(case=case, change=opened), self.results.opened(case)
        )
        self.results.written()

    async def acknowledged(
        self, message: Message, ack: Acknowledgement, request: StoredMessage
    ) -> None:
        """The requested state's acknowledgement of our request starts its reply clock."""
        if not request.message_type.startswith("dublinet."):
            return  # only DubliNet messages belong to cases: no lookup per Eurodac message
        case = await self.context.store.case_by_message(request.message_id)
        if case is None or case.state is not CaseState.REQUEST_SENT:
            return
        # The requested state's signed time of receipt starts its reply period, on the
        # day it was in that state (not in the offset the timestamp was written with).
        received = ack.received_at
        await self.cases.move(
            replace(case, acknowledged_at=received),
            CaseEvent.ACKNOWLEDGEMENT,
            at=self.context.clock.now(),
            start=self.context.day_of(received, case.other_state),
            detail=f"received by {case.other_state} at {received.isoformat()} "
            f"({message.envelope.message_id})",
            by=f"{case.other_state}:dublinet",
        )
