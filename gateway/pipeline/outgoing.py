"""Our Dublin requests: the case a confirmed hit opens and its signed request message.

CPU work (signing): call `outgoing_request` off the event loop.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from gateway.broker.records import NewMessage
from gateway.domain.application import Application, NationalIdentifiers
from gateway.domain.dublin import DublinRequest, RequestType
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.record import CanonicalRecord
from gateway.messages import DublinSubmission, Message, Party, new_envelope
from gateway.pipeline.wire import Wire
from gateway.tracking.cases import CaseKind, CaseState, Direction
from gateway.tracking.hits import Hit
from gateway.tracking.records import CaseChange, CaseOpening, StoredCase, StoredHit
from gateway.tracking.rules import Step

__all__ = ["IDS", "REQUEST_TYPES", "core_hit", "outgoing_request"]

IDS = uuid.UUID("0f6c2a51-9d0e-4c55-8a5e-2b7e51a3c901")
"""The namespace of the ids tracking derives (the same input gives the same id)."""

REQUEST_TYPES = {
    Step.TAKE_CHARGE_REQUEST: ("dublinet.take-charge-request", RequestType.TAKE_CHARGE),
    Step.TAKE_BACK_REQUEST: ("dublinet.take-back-request", RequestType.TAKE_BACK),
    Step.TAKE_BACK_NOTIFICATION: ("dublinet.take-back-notification", RequestType.TAKE_BACK),
}


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


def outgoing_request(
    wire: Wire,
    hit: StoredHit,
    record: CanonicalRecord,
    *,
    submission_id: str | None,
    now: datetime,
) -> tuple[CaseOpening, NewMessage]:
    """The case a confirmed hit opens (its id follows from the hit's) and its signed request,
    to the matched record's member state, delivered in order under the case id."""
    step = Step(hit.proposed_step or "")
    requested = hit.proposed_state or ""
    message_type, request_type = REQUEST_TYPES[step]
    case_id = str(uuid.uuid5(IDS, f"case:{hit.hit_id}"))
    regime = core_hit(hit).dublin_regime
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
            legal_basis=hit.proposal_basis or "",
            eurodac_reference=ReferenceNumber.parse(hit.matched),
        ),
        record=CanonicalRecord(person=record.person, application=_application(record, hit)),
    )
    request = NewMessage(
        message_id=str(envelope.message_id),
        peer=f"{requested}:dublinet",
        message_type=message_type,
        conversation_id=str(envelope.conversation_id),
        body=wire.signed(Message(envelope=envelope, content=content)),
        order_key=case_id,
        submission_id=submission_id,
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
        submitter=hit.submitter,
        hit_id=hit.hit_id,
        eurodac_reference=hit.matched,
        request_message_id=request.message_id,
        hit_based=True,
    )
    change = CaseChange(
        case_id=case_id,
        at=now,
        from_state=None,
        to_state=case.state,
        event=None,
        detail=f"{message_type} to {requested}",
    )
    return CaseOpening(case=case, change=change), request


def _application(record: CanonicalRecord, hit: StoredHit) -> Application:
    """The application as the request states it; the Eurodac message carries no registration
    date, so the one the hit was judged by (its lodging date at the latest) stands in."""
    application = record.application or Application(identifiers=NationalIdentifiers())
    if application.registered_on is None:
        application = dataclasses.replace(application, registered_on=hit.registered)
    return application
