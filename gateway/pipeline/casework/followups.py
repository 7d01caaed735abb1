"""Messages on a case after its request, both ways: replies (ours to another state's
request, theirs to ours) and the follow-ups (re-examination, transfer arrangement,
information) an operator sends or the other member state sends.

A peer's message is matched to its case by its correlation or conversation; one that fits
no case is recorded as unmatched for the Dublin unit with the reason. What each message
does to a case is `gateway.tracking.followups`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from gateway.domain.dublin import DublinReply, ReplyOutcome
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.domain.requests import ReexaminationRequest, TransferArrangement
from gateway.errors import InputError
from gateway.logging import get_logger
from gateway.messages import DublinSubmission, Message, read_message
from gateway.messages import message_type as type_named
from gateway.pipeline.casework.cases import Cases
from gateway.pipeline.casework.context import Context
from gateway.pipeline.casework.results import Results
from gateway.pipeline.casework.views import case_view
from gateway.pipeline.entitlement import case_named_by
from gateway.pipeline.outgoing import (
    IDS,
    FollowUp,
    FollowUpContent,
    follow_up_content,
    follow_up_message,
    reply_message,
)
from gateway.tracking.cases import CaseEvent, CaseState, Direction, apply_event
from gateway.tracking.followups import (
    UNMATCHED,
    Sender,
    check_arrival,
    check_our_reply,
    follow_up_event,
    reply_event,
)
from gateway.tracking.records import Result, ResultKind, StoredCase
from gateway.tracking.schedule import as_dublin_case

__all__ = ["FollowUps"]


@frozen
class FollowUps:
    """Replies and follow-up messages on cases, both ways."""

    context: Context
    results: Results
    cases: Cases

    # -- ours ------------------------------------------------------------------------------

    async def reply(
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
        case = await self.cases.case(case_id)
        event = CaseEvent.ACCEPTANCE if outcome is ReplyOutcome.ACCEPT else CaseEvent.REJECTION
        if case.direction is not Direction.INCOMING:
            raise InputError("GW-CASE-REPLY", f"case {case_id} is our own request", "case_id")
        apply_event(as_dublin_case(case), event)  # refused here if the case cannot take it
        reply = DublinReply(
            request_reference=case.reference,
            replying_state=self.context.own_state,
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
        conversation = await self.cases.conversation_of(case)
        now = self.context.clock.now()
        message = await self.context.run(
            reply_message,
            self.context.wire,
            case,
            reply,
            conversation_id=conversation,
            now=now,
            message_type=kind,
        )
        await self.context.outbox.put([message])
        return await self.cases.move(
            case,
            event,
            at=now,
            start=now.date(),
            detail=f"our {kind.removeprefix('dublinet.')}: {outcome.value}",
            by=by,
        )

    async def send(
        self, case_id: str, follow_up: FollowUp, *, by: str, key: str | None = None
    ) -> StoredCase:
        """Send `follow_up` to the case's other state and record it on the case (moving it
        when the message does: a re-examination request, a transfer arrangement). With the
        same `key` again, nothing is sent twice."""
        case = await self.cases.case(case_id)
        message_id = uuid.uuid5(
            IDS, f"follow-up:{case_id}:{follow_up.message_type}:{key or uuid.uuid4()}"
        )
        context = self.context
        if await context.outbox.store.get(str(message_id)) is not None:
            return case  # the same request again: sent already
        event = follow_up_event(as_dublin_case(case), follow_up.message_type, Sender.US)
        asks = type_named(follow_up.message_type).request_type is not None
        record = await self._case_record(case) if asks else None
        content = follow_up_content(follow_up, case, own_state=context.own_state, record=record)
        conversation = await self.cases.conversation_of(case)
        now = context.clock.now()
        message = await context.run(
            follow_up_message,
            context.wire,
            case,
            content,
            message_type=follow_up.message_type,
            message_id=message_id,
            conversation_id=conversation,
            now=now,
        )
        await context.outbox.put([message])
        detail = f"our {follow_up.message_type} ({message.message_id})"
        view = _details(content) | {"message_type": follow_up.message_type}
        view |= {"message_id": message.message_id}
        return await self._on_history(case, event, detail=detail, by=by, view=view, now=now)

    async def _case_record(self, case: StoredCase) -> CanonicalRecord:
        """The person and application the case's request carried (read back, signed)."""
        request = case.request_message_id or ""
        outbox = self.context.outbox
        body: bytes | None = None
        if case.direction is Direction.OUTGOING:
            sent = await outbox.store.get(request)
            body = outbox.body_of(sent) if sent is not None else None
        else:
            inbound = await outbox.store.inbound(request)
            if inbound is not None:
                body = outbox.cipher.open(inbound.body, message_id=inbound.message_id)
        if body is None:
            raise InputError(
                "GW-CASE-NO-RECORD",
                f"the request of case {case.case_id} is no longer kept; the message cannot be "
                "built",
                "case_id",
            )
        message = await self.context.run(read_message, body)
        if not isinstance(message.content, DublinSubmission):  # pragma: no cover - a request
            raise InputError("GW-CASE-NO-RECORD", "the case's request carries no record")
        return message.content.record

    # -- theirs ----------------------------------------------------------------------------

    async def arrived(self, message: Message, content: FollowUpContent) -> None:
        """A peer's message on a case: recorded on it (moving it when the message does), or
        recorded as unmatched for the Dublin unit with the reason."""
        envelope = message.envelope
        case = await case_named_by(self.context.store, envelope)
        reference, addressed_to = _names(content)
        try:
            event = check_arrival(
                as_dublin_case(case) if case else None,
                message_type=envelope.message_type,
                sender_state=envelope.sender.authority,
                reference=reference,
                case_reference=case.reference if case else None,
                addressed_to=addressed_to,
                own_state=self.context.own_state,
            )
        except InputError as error:
            await self._unmatched(message, reference, error)
            return
        assert case is not None  # noqa: S101 - check_arrival refuses a message without one
        by = f"{case.other_state}:dublinet"
        detail = f"{envelope.message_type} from {case.other_state} ({envelope.message_id})"
        view = _details(content) | {"message_type": envelope.message_type}
        view |= {"message_id": str(envelope.message_id)}
        now = self.context.clock.now()
        await self._on_history(case, event, detail=detail, by=by, view=view, now=now)

    async def reply_arrived(self, message: Message, reply: DublinReply) -> None:
        """A reply to our request or re-examination request moves its case; a reply to
        another message on the case (an information request) is recorded on it."""
        envelope = message.envelope
        case = await case_named_by(self.context.store, envelope)
        if case is None or case.other_state != envelope.sender.authority:
            reason = InputError(
                UNMATCHED,
                f"{envelope.message_type} from {envelope.sender.authority} answers "
                "no request of ours",
            )
            await self._unmatched(message, reply.request_reference, reason)
            return
        answers_request = str(envelope.correlation_id) == case.request_message_id
        event = reply_event(envelope.message_type, reply.outcome, answers_request=answers_request)
        details = {
            "outcome": reply.outcome.value,
            "reason_codes": list(reply.reason_codes),
            "explanation": reply.explanation,
        }
        by = f"{case.other_state}:dublinet"
        if event is None:
            view = details | {"message_type": envelope.message_type}
            view |= {"message_id": str(envelope.message_id)}
            await self.cases.note(
                case,
                detail=f"{envelope.message_type}: {reply.outcome.value} ({envelope.message_id})",
                by=by,
                results=lambda noted: self._message_results(noted, view),
            )
            return

        def reply_result(moved: StoredCase) -> list[Result]:
            return self.results.for_submitter(
                case.submitter,
                ResultKind.REPLY,
                case.case_id,
                case_view(moved) | details,
                what=str(envelope.message_id),
            )

        now = self.context.clock.now()
        await self.cases.move(
            case,
            event,
            at=now,
            start=now.date(),
            detail=f"{envelope.message_type.removeprefix('dublinet.')}: {reply.outcome.value} "
            f"({envelope.message_id})",
            by=by,
            also=reply_result,
        )

    async def _unmatched(self, message: Message, reference: str, error: InputError) -> None:
        envelope = message.envelope
        get_logger(message_id=str(envelope.message_id)).warning(
            "a DubliNet message fits no case", code=error.code
        )
        view = {
            "message_id": str(envelope.message_id),
            "message_type": envelope.message_type,
            "from": envelope.sender.authority,
            "reference": reference,
            "code": error.code,
            "reason": error.message,
        }
        subject = str(envelope.message_id)
        await self.results.add(
            self.results.for_submitter(
                self.context.dublin_unit, ResultKind.UNMATCHED, subject, view
            )
        )

    # -- both ------------------------------------------------------------------------------

    async def _on_history(
        self,
        case: StoredCase,
        event: CaseEvent | None,
        *,
        detail: str,
        by: str,
        view: dict[str, Any],
        now: datetime,
    ) -> StoredCase:
        """A follow-up on the case: the move its event makes, or a line in its history."""

        def results(changed: StoredCase) -> list[Result]:
            return self._message_results(changed, view)

        if event is None:
            return await self.cases.note(case, detail=detail, by=by, results=results)
        return await self.cases.move(
            case, event, at=now, start=now.date(), detail=detail, by=by, also=results
        )

    def _message_results(self, case: StoredCase, view: dict[str, Any]) -> list[Result]:
        return self.results.of_case(
            case,
            what=f"message:{view['message_id']}",
            also={"event": CaseEvent.MESSAGE.value} | view,
        )


def _names(content: FollowUpContent) -> tuple[str, str]:
    """The request a follow-up names and the state it is addressed to."""
    if isinstance(content, DublinSubmission):
        return content.request.national_reference, content.request.requested_state
    if isinstance(content, ReexaminationRequest):
        return content.request_reference, content.requested_state
    return content.request_reference, content.receiving_state


def _details(content: FollowUpContent) -> dict[str, Any]:
    """What a result tells of a follow-up beyond its type (no personal data)."""
    if isinstance(content, TransferArrangement):
        return {
            "transfer_date": content.transfer_date.isoformat(),
            "arrival_place": content.arrival_place,
            "mode": content.mode.value,
        }
    if isinstance(content, DublinSubmission):
        return {"request_type": int(content.request.request_type)}
    return {}
