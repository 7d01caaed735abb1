"""DubliNet message bodies: requests, replies, re-examination, transfers, to elements and back."""

from __future__ import annotations

from datetime import date

from lxml import etree

from gateway.domain import (
    Application,
    CanonicalRecord,
    DublinReply,
    DublinRequest,
    Evidence,
    EvidenceKind,
    NationalIdentifiers,
    ReferenceNumber,
    ReplyOutcome,
    RequestType,
)
from gateway.domain.requests import ReexaminationRequest, TransferArrangement, TransferMode
from gateway.messages._xml import Node, Scope, add, boolean, sub
from gateway.messages.common import read_person, write_person
from gateway.messages.content import DublinSubmission

__all__ = [
    "read_reexamination",
    "read_reply",
    "read_submission",
    "read_transfer",
    "write_reexamination",
    "write_reply",
    "write_submission",
    "write_transfer",
]


def write_submission(root: etree._Element, submission: DublinSubmission, scope: Scope) -> None:
    ns = scope.namespace
    request = submission.request
    reference = sub(root, ns, "DublinReference")
    add(reference, ns, "SenderState", request.requesting_state)
    add(reference, ns, "RequestType", int(request.request_type))
    add(reference, ns, "NationalReference", request.national_reference)
    add(reference, ns, "EurodacReference", request.eurodac_reference)
    add(root, ns, "RequestedState", request.requested_state)
    add(root, ns, "LegalBasis", request.legal_basis)
    add(root, ns, "Urgent", request.urgent)
    add(root, ns, "UrgencyReason", request.urgency_reason)
    add(root, ns, "Detained", request.detained)
    write_person(root, ns, "Subject", submission.record.person)
    application = submission.record.application
    if application is not None and _has_dates_or_place(application):
        block = sub(root, ns, "Application")
        add(block, ns, "MadeOn", application.made_on)
        add(block, ns, "RegisteredOn", application.registered_on)
        add(block, ns, "LodgedOn", application.lodged_on)
        add(block, ns, "Place", application.place)
    _write_evidence(root, ns, request.evidence)


def _has_dates_or_place(application: Application) -> bool:
    return any(
        value is not None
        for value in (
            application.made_on,
            application.registered_on,
            application.lodged_on,
            application.place,
        )
    )


def _write_evidence(root: etree._Element, ns: str, evidence: tuple[Evidence, ...]) -> None:
    for item in evidence:
        element = sub(root, ns, "Evidence")
        add(element, ns, "Kind", item.kind.value)
        add(element, ns, "Description", item.description)
        add(element, ns, "DocumentReference", item.document_reference)


def _read_evidence(node: Node) -> tuple[Evidence, ...]:
    return tuple(
        Evidence(
            kind=item.get("Kind", EvidenceKind),
            description=item.text("Description"),
            document_reference=item.optional("DocumentReference", str),
        )
        for item in node.all("Evidence")
    )


def read_submission(node: Node, _: Scope) -> DublinSubmission:
    reference = node.child("DublinReference")
    application = node.find("Application")
    request = DublinRequest(
        request_type=reference.get("RequestType", lambda text: RequestType(int(text))),
        requesting_state=reference.text("SenderState"),
        national_reference=reference.text("NationalReference"),
        eurodac_reference=reference.optional("EurodacReference", ReferenceNumber.parse),
        requested_state=node.text("RequestedState"),
        legal_basis=node.text("LegalBasis"),
        urgent=node.get("Urgent", boolean),
        urgency_reason=node.optional("UrgencyReason", str),
        detained=node.get("Detained", boolean),
        evidence=_read_evidence(node),
    )
    record = CanonicalRecord(
        person=read_person(node.child("Subject")),
        application=None
        if application is None
        else Application(
            identifiers=NationalIdentifiers(),
            made_on=application.optional("MadeOn", date.fromisoformat),
            registered_on=application.optional("RegisteredOn", date.fromisoformat),
            lodged_on=application.optional("LodgedOn", date.fromisoformat),
            place=application.optional("Place", str),
        ),
    )
    return DublinSubmission(request=request, record=record)


def write_reply(root: etree._Element, reply: DublinReply, scope: Scope) -> None:
    ns = scope.namespace
    add(root, ns, "RequestReference", reply.request_reference)
    add(root, ns, "ReplyingState", reply.replying_state)
    add(root, ns, "Outcome", reply.outcome.value)
    add(root, ns, "LegalBasis", reply.legal_basis)
    for code in reply.reason_codes:
        add(root, ns, "ReasonCode", code)
    add(root, ns, "Explanation", reply.explanation)


def read_reply(node: Node, _: Scope) -> DublinReply:
    return DublinReply(
        request_reference=node.text("RequestReference"),
        replying_state=node.text("ReplyingState"),
        outcome=node.get("Outcome", ReplyOutcome),
        legal_basis=node.optional("LegalBasis", str),
        reason_codes=tuple(code.value(str) for code in node.all("ReasonCode")),
        explanation=node.optional("Explanation", str),
    )


def write_reexamination(root: etree._Element, request: ReexaminationRequest, scope: Scope) -> None:
    ns = scope.namespace
    add(root, ns, "RequestReference", request.request_reference)
    add(root, ns, "RequestingState", request.requesting_state)
    add(root, ns, "RequestedState", request.requested_state)
    add(root, ns, "Reasons", request.reasons)
    _write_evidence(root, ns, request.evidence)


def read_reexamination(node: Node, _: Scope) -> ReexaminationRequest:
    return ReexaminationRequest(
        request_reference=node.text("RequestReference"),
        requesting_state=node.text("RequestingState"),
        requested_state=node.text("RequestedState"),
        reasons=node.text("Reasons"),
        evidence=_read_evidence(node),
    )


def write_transfer(root: etree._Element, transfer: TransferArrangement, scope: Scope) -> None:
    ns = scope.namespace
    add(root, ns, "RequestReference", transfer.request_reference)
    add(root, ns, "TransferringState", transfer.transferring_state)
    add(root, ns, "ReceivingState", transfer.receiving_state)
    add(root, ns, "TransferDate", transfer.transfer_date)
    add(root, ns, "ArrivalPlace", transfer.arrival_place)
    add(root, ns, "Mode", transfer.mode.value)
    add(root, ns, "Escorts", transfer.escorts)
    add(root, ns, "Remarks", transfer.remarks)


def read_transfer(node: Node, _: Scope) -> TransferArrangement:
    return TransferArrangement(
        request_reference=node.text("RequestReference"),
        transferring_state=node.text("TransferringState"),
        receiving_state=node.text("ReceivingState"),
        transfer_date=node.get("TransferDate", date.fromisoformat),
        arrival_place=node.text("ArrivalPlace"),
        mode=node.get("Mode", TransferMode),
        escorts=node.optional("Escorts", int),
        remarks=node.optional("Remarks", str),
    )
