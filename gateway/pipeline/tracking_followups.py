"""Tracking's messages on a case after its request: replies to our requests, and the
follow-ups (re-examination, transfer arrangement, information) an operator sends or the
other member state sends. A peer's message is matched to its case by its correlation or
conversation; one that fits no case is recorded as unmatched with the reason. What each
does to a case is `gateway.tracking.followups`.

`gateway.pipeline.tracking.Tracking` builds on it; nothing else does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import uuid
from datetime import datetime
from typing import Any

from gateway.broker.records import NewMessage
from gateway.domain.dublin import DublinReply
from gateway.domain.record import CanonicalRecord
from gateway.domain.requests import ReexaminationRequest, TransferArrangement
from gateway.errors import InputError
from gateway.logging import get_logger
from gateway.messages import DublinSubmission, Message, read_message
from gateway.messages import message_type as type_named
from gateway.pipeline.entitlement import case_named_by
from gateway.pipeline.outgoing import (
    IDS,
    FollowUp,
    FollowUpContent,
    follow_up_content,
    follow_up_message,
)
from gateway.pipeline.tracking_base import TrackingBase
from gateway.pipeline.tracking_views import case_view
from gateway.tracking.cases import CaseEvent, Direction
from gateway.tracking.followups import (
    UNMATCHED,
    Sender,
    check_arrival,
    follow_up_event,
    reply_event,
)
from gateway.tracking.records import CaseChange, Result, ResultKind, StoredCase
from gateway.tracking.schedule import as_dublin_case

__all__ = ["FollowUps"]


class FollowUps(TrackingBase):
    """Replies and follow-up messages on cases, both ways."""

    # -- ours ------------------------------------------------------------------------------

    async def send_on_case(
        self, case_id: str, follow_up: FollowUp, *, by: str, key: str | None = None
    ) -> StoredCase:
        """Send `follow_up` to the case's other state and record it on the case (moving it
        when the message does: a re-examination request, a transfer arrangement). With the
        same `key` again, nothing is sent twice."""
        case = await self.case(case_id)
        message_id = uuid.uuid5(
            IDS, f"follow-up:{case_id}:{follow_up.message_type}:{key or uuid.uuid4()}"
        )
        if await self.outbox.store.get(str(message_id)) is not None:
            return case  # the same request again: sent already
        event = follow_up_event(as_dublin_case(case), follow_up.message_type, Sender.US)
        asks = type_named(follow_up.message_type).request_type is not None
        record = await self._case_record(case) if asks else None
        content = follow_up_content(follow_up, case, own_state=self.own_state, record=record)
        conversation = await self._conversation_of(case)
        now = self.clock.now()
        loop = asyncio.get_running_loop()
        message: NewMessage = await loop.run_in_executor(
            self.executor,
            functools.partial(
                follow_up_message,
                self.wire,
                case,
                content,
                message_type=follow_up.message_type,
                message_id=message_id,
                conversation_id=conversation,
                now=now,
            ),
        )
        await self.outbox.put([message])
        detail = f"our {follow_up.message_type} ({message.message_id})"
        view = _details(content) | {"message_type": follow_up.message_type}
        view |= {"message_id": message.message_id}
        return await self._on_history(case, event, detail=detail, by=by, view=view, now=now)

    async def _conversation_of(self, case: StoredCase) -> str:
        """The conversation of the case's request: every message on the case continues it."""
        request = case.request_message_id or case.case_id
        if case.direction is Direction.INCOMING:
            inbound = await self.outbox.store.inbound(request)
            return inbound.conversation_id if inbound else request
        sent = await self.outbox.store.get(request)
        return sent.conversation_id if sent else request

    async def _case_record(self, case: StoredCase) -> CanonicalRecord:
        """The person and application the case's request carried (read back, signed)."""
        request = case.request_message_id or ""
        body: bytes | None = None
        if case.direction is Direction.OUTGOING:
            sent = await self.outbox.store.get(request)
            body = self.outbox.body_of(sent) if sent is not None else None
        else:
            inbound = await self.outbox.store.inbound(request)
            if inbound is not None:
                body = self.outbox.cipher.open(inbound.body, message_id=inbound.message_id)
        if body is None:
            raise InputError(
                "GW-CASE-NO-RECORD",
                f"the request of case {case.case_id} is no longer kept; the message cannot be "
                "built",
                "case_id",
            )
        loop = asyncio.get_running_loop()
        message = await loop.run_in_executor(self.executor, read_message, body)
        if not isinstance(message.content, DublinSubmission):  # pragma: no cover - a request
            raise InputError("GW-CASE-NO-RECORD", "the case's request carries no record")
        return message.content.record

    # -- theirs ----------------------------------------------------------------------------

    async def _case_of(self, message: Message) -> StoredCase | None:
        """The case a peer's message belongs to (as the entitlement rule found it)."""
        return await case_named_by(self.store, message.envelope)

    async def _follow_up_arrived(self, message: Message, content: FollowUpContent) -> None:
        """A peer's message on a case: recorded on it (moving it when the message does), or
        recorded as unmatched for the Dublin unit with the reason."""
        envelope = message.envelope
        case = await self._case_of(message)
        reference, addressed_to = _names(content)
        try:
            event = check_arrival(
                as_dublin_case(case) if case else None,
                message_type=envelope.message_type,
                sender_state=envelope.sender.authority,
                reference=reference,
                case_reference=case.reference if case else None,
                addressed_to=addressed_to,
                own_state=self.own_state,
            )
        except InputError as error:
            await self._unmatched(message, reference, error)
            return
        assert case is not None  # noqa: S101 - check_arrival refuses a message without one
        by = f"{case.other_state}:dublinet"
        detail = f"{envelope.message_type} from {case.other_state} ({envelope.message_id})"
        view = _details(content) | {"message_type": envelope.message_type}
        view |= {"message_id": str(envelope.message_id)}
        await self._on_history(case, event, detail=detail, by=by, view=view, now=self.clock.now())

    async def _reply_arrived(self, message: Message, reply: DublinReply) -> None:
        """A reply to our request or re-examination request moves its case; a reply to
        another message on the case (an information request) is recorded on it."""
        envelope = message.envelope
        case = await self._case_of(message)
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
            await self._note(
                case,
                detail=f"{envelope.message_type}: {reply.outcome.value} ({envelope.message_id})",
                by=by,
                view=view | {"message_id": str(envelope.message_id)},
            )
            return

        def reply_result(moved: StoredCase) -> list[Result]:
            return self._results(
                case.submitter,
                ResultKind.REPLY,
                case.case_id,
                case_view(moved) | details,
                what=str(envelope.message_id),
            )

        now = self.clock.now()
        await self._move(
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
        await self._add_results(
            self._results(self.dublin_unit, ResultKind.UNMATCHED, str(envelope.message_id), view)
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
        if event is None:
            return await self._note(case, detail=detail, by=by, view=view)
        return await self._move(
            case,
            event,
            at=now,
            start=now.date(),
            detail=detail,
            by=by,
            also=lambda moved: self._message_results(moved, view),
        )

    async def _note(
        self, case: StoredCase, *, detail: str, by: str, view: dict[str, Any]
    ) -> StoredCase:
        """Record a message on the case's history; its state and clock stay."""
        now = self.clock.now()
        noted = dataclasses.replace(case, updated_at=now)
        change = CaseChange(
            case_id=case.case_id,
            at=now,
            from_state=case.state,
            to_state=case.state,
            event=CaseEvent.MESSAGE,
            detail=detail,
            by=by,
        )
        await self.store.move_case(noted, change, self._message_results(noted, view))
        self.results_waiting.set()
        return noted

    def _message_results(self, case: StoredCase, view: dict[str, Any]) -> list[Result]:
        return self._results(
            case.submitter,
            ResultKind.CASE_CHANGE,
            case.case_id,
            case_view(case) | {"event": CaseEvent.MESSAGE.value} | view,
            what=f"message:{view['message_id']}",
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
