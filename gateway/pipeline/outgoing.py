"""Our Dublin requests: the case a request opens and its signed request message.

From a confirmed hit (`outgoing_request`) or from an operator's plan
(`planned_request`). CPU work (signing): call them off the event loop.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime

from gateway.broker.records import NewMessage
from gateway.domain.application import Application, NationalIdentifiers
from gateway.domain.dublin import (
    DublinRegime,
    DublinReply,
    DublinRequest,
    RequestType,
    dublin_regime_for,
)
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.domain.requests import ReexaminationRequest, TransferArrangement, TransferMode
from gateway.errors import InputError
from gateway.messages import Content, DublinSubmission, Message, Party, new_envelope
from gateway.messages import message_type as type_named
from gateway.pipeline.wire import Wire
from gateway.tracking.cases import CaseKind, CaseState, Direction
from gateway.tracking.hits import Hit
from gateway.tracking.records import CaseChange, CaseOpening, StoredCase, StoredHit
from gateway.tracking.rules import Step

__all__ = [
    "IDS",
    "REQUEST_TYPES",
    "CasePlan",
    "FollowUp",
    "FollowUpContent",
    "RequestFacts",
    "case_id_of_hit",
    "core_hit",
    "follow_up_content",
    "follow_up_message",
    "hit_id_of",
    "outgoing_request",
    "planned_request",
    "reply_message",
    "request_step",
    "said_of_person",
]

IDS = uuid.UUID("0f6c2a51-9d0e-4c55-8a5e-2b7e51a3c901")
"""The namespace of the ids tracking derives (the same input gives the same id)."""


def hit_id_of(inbound_message_id: str, index: int) -> str:
    """The id of the hit on the `index`-th matched record of a Eurodac hit message."""
    return str(uuid.uuid5(IDS, f"hit:{inbound_message_id}:{index}"))


def case_id_of_hit(hit_id: str) -> str:
    """The id of the case a confirmed hit opens."""
    return str(uuid.uuid5(IDS, f"case:{hit_id}"))


REQUEST_TYPES = {
    Step.TAKE_CHARGE_REQUEST: ("dublinet.take-charge-request", RequestType.TAKE_CHARGE),
    Step.TAKE_BACK_REQUEST: ("dublinet.take-back-request", RequestType.TAKE_BACK),
    Step.TAKE_BACK_NOTIFICATION: ("dublinet.take-back-notification", RequestType.TAKE_BACK),
}


_KINDS = {RequestType.TAKE_CHARGE: CaseKind.TAKE_CHARGE, RequestType.TAKE_BACK: CaseKind.TAKE_BACK}


@frozen
class RequestFacts:
    """What our request says of the person, besides the record: an urgent reply asked and
    why (Reg 604/2013 Art 21(2)), the person detained (Art 28(3); Reg 2024/1351 Art 45) and
    on what grounds (kept on the case: the message has no field for them)."""

    urgent: bool = False
    urgency_reason: str | None = None
    detained: bool = False
    detention_reason: str | None = None

    @classmethod
    def of_case(cls, case: StoredCase) -> RequestFacts:
        """The facts the case's request was sent with (to build it again, the same)."""
        return cls(
            urgent=case.urgent,
            urgency_reason=case.urgency_reason,
            detained=case.request_detained,
            detention_reason=case.detention_reason if case.request_detained else None,
        )


@frozen
class CasePlan:
    """An outgoing case an operator opens without a hit (or names one by its reference)."""

    case_id: str
    kind: CaseKind
    requested_state: str
    record: CanonicalRecord  # the application must say when it was registered
    legal_basis: str
    urgent: bool = False
    urgency_reason: str | None = None
    detained: bool = False
    detention_reason: str | None = None
    eurodac_reference: str | None = None
    submitter: str | None = None  # whose inbox gets the case's results

    @property
    def facts(self) -> RequestFacts:
        return RequestFacts(
            urgent=self.urgent,
            urgency_reason=self.urgency_reason,
            detained=self.detained,
            detention_reason=self.detention_reason,
        )


def core_hit(hit: StoredHit) -> Hit:
    """The pure core's view of a stored hit."""
    return Hit(
        hit_id=hit.hit_id,
        reference=ReferenceNumber.parse(hit.reference),
        matched=ReferenceNumber.parse(hit.matched),
        received=hit.received,
        registered=hit.registered,
        status=hit.status,
    )


def request_step(kind: CaseKind, regime: DublinRegime) -> Step:
    """The request a case of `kind` starts with under `regime`."""
    if kind is CaseKind.TAKE_CHARGE:
        return Step.TAKE_CHARGE_REQUEST
    return Step.TAKE_BACK_NOTIFICATION if regime is DublinRegime.AMMR else Step.TAKE_BACK_REQUEST


def outgoing_request(
    wire: Wire,
    hit: StoredHit,
    record: CanonicalRecord,
    *,
    submission_id: str | None,
    now: datetime,
    facts: RequestFacts = RequestFacts(),
) -> tuple[CaseOpening, NewMessage]:
    """The case a confirmed hit opens (its id follows from the hit's) and its signed request,
    to the matched record's member state, saying what `facts` say of the person."""
    step = Step(hit.proposed_step or "")
    opening, request = _request(
        wire,
        case_id=case_id_of_hit(hit.hit_id),
        step=step,
        regime=core_hit(hit).dublin_regime,
        requested=hit.proposed_state or "",
        record=CanonicalRecord(person=record.person, application=_application(record, hit)),
        legal_basis=hit.proposal_basis or "",
        eurodac=hit.matched,
        facts=facts,
        now=now,
    )
    case = dataclasses.replace(
        opening.case, submitter=hit.submitter, hit_id=hit.hit_id, hit_based=True
    )
    return dataclasses.replace(opening, case=case), dataclasses.replace(
        request, submission_id=submission_id
    )


def planned_request(wire: Wire, plan: CasePlan, *, now: datetime) -> tuple[CaseOpening, NewMessage]:
    """The case an operator's plan opens, and its signed request."""
    application = plan.record.application
    if application is None or application.registered_on is None:
        raise InputError(
            "GW-CASE-PLAN",
            "the record's application needs its registration date (it decides the regime)",
            "record.application.registered_on",
        )
    regime = dublin_regime_for(application.registered_on)
    opening, request = _request(
        wire,
        case_id=plan.case_id,
        step=request_step(plan.kind, regime),
        regime=regime,
        requested=plan.requested_state,
        record=CanonicalRecord(person=plan.record.person, application=application),
        legal_basis=plan.legal_basis,
        eurodac=plan.eurodac_reference,
        facts=plan.facts,
        now=now,
    )
    case = dataclasses.replace(
        opening.case, submitter=plan.submitter, hit_based=plan.eurodac_reference is not None
    )
    return dataclasses.replace(opening, case=case), request


def _request(
    wire: Wire,
    *,
    case_id: str,
    step: Step,
    regime: DublinRegime,
    requested: str,
    record: CanonicalRecord,
    legal_basis: str,
    eurodac: str | None,
    now: datetime,
    facts: RequestFacts,
) -> tuple[CaseOpening, NewMessage]:
    message_type, request_type = REQUEST_TYPES[step]
    # The request's id follows from the case's: built again after a crash, it is the same
    # message, and the outbox and the peer take it once.
    request_id = uuid.uuid5(IDS, f"request:{case_id}")
    envelope = dataclasses.replace(
        new_envelope(
            message_type=message_type,
            regime=regime,
            sender=wire.us,
            recipient=Party(authority=requested, system="dublinet"),
            now=now,
        ),
        message_id=request_id,
        conversation_id=request_id,
    )
    content = DublinSubmission(
        request=DublinRequest(
            request_type=request_type,
            requesting_state=wire.member_state,
            requested_state=requested,
            national_reference=case_id,
            legal_basis=legal_basis,
            urgent=facts.urgent,
            urgency_reason=facts.urgency_reason if facts.urgent else None,
            detained=facts.detained,
            eurodac_reference=ReferenceNumber.parse(eurodac) if eurodac else None,
        ),
        record=record,
    )
    message = NewMessage(
        message_id=str(request_id),
        peer=f"{requested}:dublinet",
        message_type=message_type,
        conversation_id=str(request_id),
        body=wire.signed(Message(envelope=envelope, content=content)),
        order_key=case_id,
        reference=case_id,
    )
    case = StoredCase(
        case_id=case_id,
        direction=Direction.OUTGOING,
        kind=CaseKind.TAKE_CHARGE
        if request_type is RequestType.TAKE_CHARGE
        else CaseKind.TAKE_BACK,
        regime=regime,
        other_state=requested,
        state=CaseState.REQUEST_SENT,
        created_at=now,
        updated_at=now,
        reference=case_id,
        eurodac_reference=eurodac,
        request_message_id=message.message_id,
        urgent=facts.urgent,
        urgency_reason=facts.urgency_reason if facts.urgent else None,
        request_detained=facts.detained,
        detained=facts.detained,
        detention_reason=facts.detention_reason if facts.detained else None,
    )
    change = CaseChange(
        case_id=case_id,
        at=now,
        from_state=None,
        to_state=case.state,
        event=None,
        detail=f"{message_type} to {requested}{said_of_person(case)}",
    )
    return CaseOpening(case=case, change=change), message


def said_of_person(case: StoredCase) -> str:
    """What a request said of the person, for the line that opens the case's history."""
    said = [
        f"urgent reply asked: {case.urgency_reason}" if case.urgent else "",
        "the person is detained" if case.request_detained else "",
    ]
    return "".join(f"; {part}" for part in said if part)


def _application(record: CanonicalRecord, hit: StoredHit) -> Application:
    """The application as the request states it; the Eurodac message carries no registration
    date, so the one the hit was judged by (its lodging date at the latest) stands in."""
    application = record.application or Application(identifiers=NationalIdentifiers())
    if application.registered_on is None:
        application = dataclasses.replace(application, registered_on=hit.registered)
    return application


def reply_message(
    wire: Wire,
    case: StoredCase,
    reply: DublinReply,
    *,
    conversation_id: str,
    now: datetime,
    message_type: str = "dublinet.reply",
) -> NewMessage:
    """Our signed reply (or re-examination reply) to an incoming request, under an id that
    follows from the case's and the type's: each is sent once per case."""
    purpose = "reply" if message_type == "dublinet.reply" else message_type
    return follow_up_message(
        wire,
        case,
        reply,
        message_type=message_type,
        message_id=uuid.uuid5(IDS, f"{purpose}:{case.case_id}"),
        conversation_id=conversation_id,
        now=now,
    )


@frozen
class FollowUp:
    """A message an operator sends on a case besides its request and its reply
    (`POST /v1/cases/{id}/messages`); the fields its type needs are checked by the caller."""

    message_type: str
    reasons: str = ""  # a re-examination request: why the negative reply is wrong
    legal_basis: str = ""  # requests of types 3 to 7: the article they rest on
    transfer_date: date | None = None  # a transfer arrangement: when, where and how
    arrival_place: str = ""
    mode: TransferMode = TransferMode.CONTROLLED
    escorts: int | None = None
    remarks: str | None = None


FollowUpContent = DublinSubmission | ReexaminationRequest | TransferArrangement


def follow_up_content(
    follow_up: FollowUp, case: StoredCase, *, own_state: str, record: CanonicalRecord | None
) -> FollowUpContent:
    """What a follow-up carries: it names the case's DubliNet reference, and for a request of
    types 3 to 7 the person and application of the case's request (`record`)."""
    kind = type_named(follow_up.message_type)
    if kind.name == "dublinet.reexamination-request":
        return ReexaminationRequest(
            request_reference=case.reference,
            requesting_state=own_state,
            requested_state=case.other_state,
            reasons=follow_up.reasons,
        )
    if kind.name == "dublinet.transfer-arrangement" and follow_up.transfer_date is not None:
        return TransferArrangement(
            request_reference=case.reference,
            transferring_state=own_state,
            receiving_state=case.other_state,
            transfer_date=follow_up.transfer_date,
            arrival_place=follow_up.arrival_place,
            mode=follow_up.mode,
            escorts=follow_up.escorts,
            remarks=follow_up.remarks,
        )
    if kind.request_type is not None and record is not None:
        request = DublinRequest(
            request_type=kind.request_type,
            requesting_state=own_state,
            requested_state=case.other_state,
            national_reference=case.reference,
            legal_basis=follow_up.legal_basis,
        )
        return DublinSubmission(request=request, record=record)
    raise InputError(
        "GW-CASE-MESSAGE", f"{kind.name} cannot be sent on a case with what was given", "type"
    )


def follow_up_message(
    wire: Wire,
    case: StoredCase,
    content: Content,
    *,
    message_type: str,
    message_id: uuid.UUID,
    conversation_id: str,
    now: datetime,
) -> NewMessage:
    """A signed message on `case` to its other state, in the conversation of its request and
    naming that request as what it follows (its correlation)."""
    envelope = dataclasses.replace(
        new_envelope(
            message_type=message_type,
            regime=case.regime,
            sender=wire.us,
            recipient=Party(authority=case.other_state, system="dublinet"),
            now=now,
            correlation_id=uuid.UUID(case.request_message_id) if case.request_message_id else None,
            conversation_id=uuid.UUID(conversation_id),
        ),
        message_id=message_id,
    )
    return NewMessage(
        message_id=str(message_id),
        peer=f"{case.other_state}:dublinet",
        message_type=message_type,
        conversation_id=conversation_id,
        correlation_id=case.request_message_id,
        body=wire.signed(Message(envelope=envelope, content=content)),
        order_key=case.case_id,
        reference=case.reference,
    )
