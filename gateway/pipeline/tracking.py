"""Tracking: hits to verify, Dublin cases and their clocks, results for the national systems.

Inbound messages arrive through `on_message` (wired into `Inbound`): a
Eurodac hit waits for an expert, a no-hit or an error becomes a result, a
DubliNet request opens an incoming case, an acknowledgement of our request
starts its reply clock; a reply, and any later message on a case, is matched
to it by `gateway.pipeline.tracking_followups`. `sweep` (run periodically)
finds the time limits that passed: silence becomes tacit acceptance, a
missed transfer shifts responsibility. Every change is stored together with
the results it produces for the submitting system.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import uuid
from typing import Any

from gateway.broker.records import Receipt, StoredMessage
from gateway.broker.states import MessageState
from gateway.domain.dublin import DublinReply, ReplyOutcome, RequestType
from gateway.domain.replies import (
    Acknowledgement,
    EurodacErrorReply,
    EurodacHit,
    EurodacMarkingNotice,
    EurodacNoHit,
)
from gateway.domain.requests import ReexaminationRequest, TransferArrangement
from gateway.domain.serialization import encode
from gateway.errors import GatewayError, InputError, TransportError
from gateway.logging import get_logger
from gateway.messages import DublinSubmission, Message
from gateway.pipeline.outgoing import (
    IDS,
    CasePlan,
    RequestFacts,
    core_hit,
    hit_id_of,
    planned_request,
    reply_message,
    said_of_person,
)
from gateway.pipeline.tracking_followups import FollowUps
from gateway.pipeline.tracking_notices import MarkingNotices
from gateway.pipeline.tracking_views import case_view, hit_view, registered_on
from gateway.tracking import hits as hit_rules
from gateway.tracking.cases import CaseEvent, CaseKind, CaseState, Direction, apply_event
from gateway.tracking.followups import check_our_reply
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import (
    CaseChange,
    CaseOpening,
    ResultKind,
    StoredCase,
    StoredHit,
)
from gateway.tracking.schedule import as_dublin_case, passed_event

__all__ = ["Tracking", "Verdict"]


_KIND_OF_REQUEST = {
    RequestType.TAKE_CHARGE: CaseKind.TAKE_CHARGE,
    RequestType.TAKE_BACK: CaseKind.TAKE_BACK,
}


@dataclasses.dataclass(frozen=True, kw_only=True, slots=True)
class Verdict:
    """An expert's verdict as stored, and the case it opened (if any)."""

    hit: StoredHit
    case: StoredCase | None = None


class Tracking(FollowUps, MarkingNotices):
    """Hits, cases, deadlines and results, on a `TrackingStore`."""

    # -- inbound ---------------------------------------------------------------------------

    async def on_message(self, message: Message, receipt: Receipt) -> None:
        """For `Inbound`: act on a new verified message from a peer."""
        content = message.content
        log = get_logger(message_id=str(message.envelope.message_id))
        try:
            if isinstance(content, EurodacHit):
                await self._hit_arrived(message, content, receipt.correlated)
            elif isinstance(content, EurodacNoHit | EurodacErrorReply):
                await self._eurodac_result(message, content, receipt.correlated)
            elif isinstance(content, EurodacMarkingNotice):
                await self._marking_notice_arrived(message, content)
            elif isinstance(content, DublinSubmission):
                await self._request_arrived(message, content)
            elif isinstance(content, ReexaminationRequest | TransferArrangement):
                await self._follow_up_arrived(message, content)
            elif isinstance(content, DublinReply):
                await self._reply_arrived(message, content)
            elif isinstance(content, Acknowledgement) and receipt.correlated is not None:
                await self._acknowledged(message, content, receipt.correlated)
        except TransportError:
            raise  # the store is away: the peer gets no acknowledgement and sends it again
        except GatewayError as error:  # recorded already; an operator sees it in the log
            log.warning("tracking could not use the message", code=error.code)

    async def _hit_arrived(
        self, message: Message, hit: EurodacHit, source: StoredMessage | None
    ) -> None:
        submitter = await self._submitter_of(source)
        record = await self._record_of(source)
        now = self.clock.now()
        registered = registered_on(record) or now.date()
        for index, match in enumerate(hit.matches):
            hit_id = hit_id_of(str(message.envelope.message_id), index)
            data = json.dumps(encode(match)).encode()
            stored = StoredHit(
                hit_id=hit_id,
                inbound_message_id=str(message.envelope.message_id),
                source_message_id=source.message_id if source else None,
                submitter=submitter,
                reference=str(hit.reference),
                matched=str(match.reference),
                received=now.date(),
                registered=registered,
                status=HitStatus.AWAITING_VERIFICATION,
                created_at=now,
                data=self.outbox.cipher.seal(data, message_id=hit_id),
            )
            await self.store.add_hit(
                stored, self._results(submitter, ResultKind.HIT, hit_id, hit_view(stored))
            )
        self.results_waiting.set()

    async def _eurodac_result(
        self,
        message: Message,
        content: EurodacNoHit | EurodacErrorReply,
        source: StoredMessage | None,
    ) -> None:
        submitter = await self._submitter_of(source)
        kind = ResultKind.NO_HIT if isinstance(content, EurodacNoHit) else ResultKind.ERROR
        view: dict[str, Any] = {
            "reference": str(content.reference) if content.reference else None,
            "message_id": source.message_id if source else None,
        }
        if isinstance(content, EurodacErrorReply):
            view |= {"code": content.code.value, "description": content.description}
        await self._add_results(
            self._results(submitter, kind, str(message.envelope.message_id), view)
        )

    async def _request_arrived(self, message: Message, submission: DublinSubmission) -> None:
        request = submission.request
        kind = _KIND_OF_REQUEST.get(request.request_type)
        envelope = message.envelope
        if kind is None:  # information requests and the like: on a case, or unmatched
            await self._follow_up_arrived(message, submission)
            return
        if request.requested_state != self.own_state:
            return
        now = self.clock.now()
        case = StoredCase(
            case_id=str(uuid.uuid5(IDS, f"incoming:{envelope.message_id}")),
            direction=Direction.INCOMING,
            kind=kind,
            regime=envelope.regime,  # type: ignore[arg-type]  # a DubliNet message's regime
            other_state=request.requesting_state,
            state=CaseState.REQUEST_RECEIVED,
            created_at=now,
            updated_at=now,
            reference=request.national_reference,
            submitter=self.dublin_unit,
            eurodac_reference=str(request.eurodac_reference) if request.eurodac_reference else None,
            request_message_id=str(envelope.message_id),
            hit_based=request.eurodac_reference is not None,
            urgent=request.urgent,
            urgency_reason=request.urgency_reason if request.urgent else None,
            request_detained=request.detained,
            detained=request.detained,
        )
        # Received by us, who must act: our local day of receipt starts the period.
        case = self._clocked(case, self.day_of(now, self.own_state))
        opened = CaseChange(
            case_id=case.case_id,
            at=now,
            from_state=None,
            to_state=case.state,
            event=None,
            detail=f"{envelope.message_type} from {request.requesting_state}"
            + said_of_person(case),
        )
        results = self._results(
            case.submitter, ResultKind.CASE_CHANGE, case.case_id, case_view(case), what="opened"
        )
        await self.store.add_case(CaseOpening(case=case, change=opened), results)
        self.results_waiting.set()

    async def _acknowledged(
        self, message: Message, ack: Acknowledgement, request: StoredMessage
    ) -> None:
        if not request.message_type.startswith("dublinet."):
            return  # only DubliNet messages belong to cases: no lookup per Eurodac message
        case = await self.store.case_by_message(request.message_id)
        if case is None or case.state is not CaseState.REQUEST_SENT:
            return
        # The requested state's signed time of receipt starts its reply period, on the
        # day it was in that state (not in the offset the timestamp was written with).
        received = ack.received_at
        case = dataclasses.replace(case, acknowledged_at=received)
        await self._move(
            case,
            CaseEvent.ACKNOWLEDGEMENT,
            at=self.clock.now(),
            start=self.day_of(received, case.other_state),
            detail=f"received by {case.other_state} at {received.isoformat()} "
            f"({message.envelope.message_id})",
            by=f"{case.other_state}:dublinet",
        )

    async def confirm_hit(self, hit_id: str, *, by: str, open_case: bool = True) -> Verdict:
        """The expert confirms: the Dublin step follows, and its case is opened and sent."""
        stored = await self.hit(hit_id)
        confirmation = hit_rules.confirm(
            core_hit(stored), own_state=self.own_state, calendar=self.calendar_of(self.own_state)
        )
        proposal = confirmation.proposal
        now = self.clock.now()
        decided = dataclasses.replace(
            stored,
            status=HitStatus.CONFIRMED,
            decided_at=now,
            decided_by=by,
            reason=confirmation.reason,
            proposed_step=proposal.step.value if proposal else None,
            proposed_state=proposal.requested_state if proposal else None,
            proposal_deadline=proposal.deadline.date if proposal else None,
            proposal_basis=proposal.deadline.legal_basis if proposal else None,
        )
        opening, request = (None, None)
        if proposal is not None and open_case:
            opening, request = await self._outgoing(decided, now)
            opening = dataclasses.replace(
                opening, change=dataclasses.replace(opening.change, by=by)
            )
        results = self._results(
            stored.submitter, ResultKind.HIT, hit_id, hit_view(decided), what="confirmed"
        )
        if opening is not None:
            results += self._opened_results(opening.case)
        await self.store.decide_hit(decided, results=results, opening=opening)
        if request is not None:
            await self.outbox.put([request])
        self.results_waiting.set()
        return Verdict(hit=decided, case=opening.case if opening else None)

    async def reject_hit(self, hit_id: str, *, by: str, reason: str) -> Verdict:
        """A wrong hit: its data are erased and its report is due in 3 working days."""
        stored = await self.hit(hit_id)
        report = hit_rules.reject(
            core_hit(stored), on=self.clock.today(), calendar=self.calendar_of(self.own_state)
        )
        decided = dataclasses.replace(
            stored,
            status=HitStatus.REJECTED,
            data=None,
            decided_at=self.clock.now(),
            decided_by=by,
            reason=reason,
            report_due=report.due,
            report_basis=report.legal_basis,
        )
        results = self._results(
            stored.submitter, ResultKind.HIT, hit_id, hit_view(decided), what="rejected"
        )
        await self.store.decide_hit(decided, results=results)
        self.results_waiting.set()
        return Verdict(hit=decided)

    async def report_sent(self, hit_id: str, *, by: str) -> StoredHit:
        """The wrong hit was reported: its 3-working-day limit no longer runs."""
        stored = await self.hit(hit_id)
        if stored.status is not HitStatus.REJECTED or stored.reported_at is not None:
            raise InputError(
                "GW-HIT-NO-REPORT",
                f"hit {hit_id} is {stored.status.value}"
                + (", reported already" if stored.reported_at else "")
                + ": no wrong-hit report is due",
                "hit_id",
            )
        reported = dataclasses.replace(stored, reported_at=self.clock.now(), reported_by=by)
        results = self._results(
            stored.submitter, ResultKind.HIT, hit_id, hit_view(reported), what="reported"
        )
        await self.store.decide_hit(reported, results=results, expected=HitStatus.REJECTED)
        self.results_waiting.set()
        return reported

    async def open_case_for_hit(
        self,
        hit_id: str,
        facts: RequestFacts = RequestFacts(),  # noqa: B008 - frozen: a shared default is safe
    ) -> StoredCase:
        """Open (and send) the case a confirmed hit proposed, if it was not opened at once;
        the request says what `facts` say of the person (urgent, detained)."""
        stored = await self.hit(hit_id)
        if stored.status is not HitStatus.CONFIRMED or stored.proposed_step is None:
            raise InputError(
                "GW-CASE-NO-PROPOSAL",
                f"hit {hit_id} is {stored.status.value} and proposes no Dublin step",
                "hit_id",
            )
        opening, request = await self._outgoing(stored, self.clock.now(), facts)
        if not await self.store.add_case(opening, self._opened_results(opening.case)):
            raise InputError(
                "GW-CASE-EXISTS", f"the case of hit {hit_id} is open already", "hit_id"
            )
        await self.outbox.put([request])
        self.results_waiting.set()
        return opening.case

    async def open_planned_case(self, plan: CasePlan) -> StoredCase:
        """Open (and send) an outgoing case an operator planned; once per case id."""
        if plan.requested_state == self.own_state:
            raise InputError(
                "GW-CASE-PLAN", "a request goes to another member state", "requested_state"
            )
        loop = asyncio.get_running_loop()
        opening, request = await loop.run_in_executor(
            self.executor,
            functools.partial(planned_request, self.wire, plan, now=self.clock.now()),
        )
        if not await self.store.add_case(opening, self._opened_results(opening.case)):
            existing = await self.case(plan.case_id)
            if existing.request_message_id != request.message_id:  # pragma: no cover - ids agree
                raise InputError("GW-CASE-EXISTS", f"case {plan.case_id} exists", "case_id")
            return existing  # the same plan again: its case, nothing sent twice
        await self.outbox.put([request])
        self.results_waiting.set()
        return opening.case

    async def reply_to_case(
        self,
        case_id: str,
        *,
        outcome: ReplyOutcome,
        legal_basis: str | None = None,
        reason_codes: tuple[str, ...] = (),
        explanation: str | None = None,
        by: str,
    ) -> StoredCase:
        """Our reply to another state's request: sent, then the case moves. Sent first and
        under the case's reply id, so a repeat after a crash sends nothing twice."""
        check_our_reply(outcome, legal_basis=legal_basis, explanation=explanation)
        case = await self.case(case_id)
        event = CaseEvent.ACCEPTANCE if outcome is ReplyOutcome.ACCEPT else CaseEvent.REJECTION
        if case.direction is not Direction.INCOMING:
            raise InputError("GW-CASE-REPLY", f"case {case_id} is our own request", "case_id")
        apply_event(as_dublin_case(case), event)  # refused here if the case cannot take it
        reply = DublinReply(
            request_reference=case.reference,
            replying_state=self.own_state,
            outcome=outcome,
            legal_basis=legal_basis,
            reason_codes=reason_codes,
            explanation=explanation,
        )
        # After a re-examination request, our answer is the re-examination reply.
        kind = (
            "dublinet.reexamination-reply"
            if case.state is CaseState.REEXAMINATION_REQUESTED
            else "dublinet.reply"
        )
        conversation = await self._conversation_of(case)
        now = self.clock.now()
        loop = asyncio.get_running_loop()
        message = await loop.run_in_executor(
            self.executor,
            functools.partial(
                reply_message,
                self.wire,
                case,
                reply,
                conversation_id=conversation,
                now=now,
                message_type=kind,
            ),
        )
        await self.outbox.put([message])
        return await self._move(
            case,
            event,
            at=now,
            start=now.date(),
            detail=f"our {kind.removeprefix('dublinet.')}: {outcome.value}",
            by=by,
        )

    async def sweep(self) -> int:
        """Apply every time limit that passed (the day after its last day) and announce those
        falling due soon. Returns how many cases moved. A case that fails is logged and
        left for the next sweep; the others go on."""
        moved = 0
        for case in await self.store.cases(open_only=True, limit=100_000):
            try:
                moved += await self._sweep_case(case)
            except GatewayError as error:
                get_logger(case_id=case.case_id).warning("sweep failed", code=error.code)
        return moved

    async def _sweep_case(self, case: StoredCase) -> int:
        today = self.clock.today()
        if case.state is CaseState.REQUEST_SENT:
            await self._follow_request(case)
            case = await self.case(case.case_id)
        event = passed_event(case)
        if case.deadline is None:
            return 0
        if event is not None and case.deadline < today:
            return await self._deadline_passed(case, event)
        if (case.deadline - today).days <= self.alert_days:
            view = case_view(case) | {"days_left": (case.deadline - today).days}
            what = f"{case.deadline_step}:{case.deadline.isoformat()}"
            await self._add_results(
                self._results(
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
        sent = await self.outbox.store.get(case.request_message_id)
        if sent is None and case.hit_id is not None:
            _, request = await self._outgoing(
                await self.hit(case.hit_id), self.clock.now(), RequestFacts.of_case(case)
            )
            if request.message_id == case.request_message_id:
                await self.outbox.put([request])
                get_logger(case_id=case.case_id).warning("request queued again after a failure")
            return
        if sent is None or sent.state not in (MessageState.ACKNOWLEDGED, MessageState.ANSWERED):
            return
        timeline = await self.outbox.store.timeline(sent.message_id)
        acknowledged = next(
            (change.at for change in timeline if change.to_state is MessageState.ACKNOWLEDGED),
            sent.updated_at,
        )
        await self._move(
            case,
            CaseEvent.ACKNOWLEDGEMENT,
            at=self.clock.now(),
            start=self.day_of(acknowledged, case.other_state),
            detail=f"acknowledged (as recorded by the outbox at {acknowledged.isoformat()})",
            by=f"{case.other_state}:dublinet",
        )

    async def _deadline_passed(self, case: StoredCase, event: CaseEvent) -> int:
        deadline = case.deadline or self.clock.today()
        try:
            await self._move(
                case,
                event,
                at=self.clock.now(),
                start=deadline,
                detail=f"{case.deadline_step} ended on {deadline}: {case.deadline_effect}",
            )
        except InputError as error:  # another process moved it first
            get_logger(case_id=case.case_id).info("case moved meanwhile", code=error.code)
            return 0
        return 1
