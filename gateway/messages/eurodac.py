"""Eurodac message bodies: canonical objects to elements and back, for both regimes.

Under Regulation 603/2013 only fingerprints, the sex, the place and date of the
application or apprehension travel; under 2024/1358 also the facial image, the
alphanumeric data of the person, the disembarkation and the security flag. What
each regime carries is `gateway.messages.transmitted`.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from gateway.domain.application import Application, NationalIdentifiers
from gateway.domain.biometrics import (
    BiometricSet,
    FacialImage,
    FingerPosition,
    Fingerprint,
    ImpressionType,
)
from gateway.domain.eurodac import (
    EurodacTransaction,
    Operation,
    ReferenceNumber,
    Regime,
    TransmissionDelay,
)
from gateway.domain.eurodac_law import DelayGround, StatusKind
from gateway.domain.member_states import is_member_state
from gateway.domain.person import Name, Person, Sex
from gateway.domain.record import CanonicalRecord, PlaceAndDate, StatusUpdate
from gateway.domain.replies import (
    EurodacErrorCode,
    EurodacErrorReply,
    EurodacHit,
    EurodacMarkingNotice,
    EurodacNoHit,
    MatchedRecord,
)
from gateway.domain.requests import (
    DeletionReason,
    EurodacDataAction,
    EurodacStatusUpdate,
    MarkReason,
)
from gateway.messages._xml import Node, Scope, add, boolean, from_b64, sub
from gateway.messages.common import read_person, write_person

__all__ = [
    "UNNAMED",
    "read_capture",
    "read_data_action",
    "read_error",
    "read_hit",
    "read_marking_notice",
    "read_no_hit",
    "read_status",
    "write_capture",
    "write_data_action",
    "write_error",
    "write_hit",
    "write_marking_notice",
    "write_no_hit",
    "write_status",
]

UNNAMED = Name(family="")
"""The name of a person read from a 603/2013 message, which carries no name."""


def _write_transaction(
    parent: etree._Element,
    ns: str,
    reference: ReferenceNumber,
    category: int,
    transaction: EurodacTransaction | None = None,
) -> None:
    block = sub(parent, ns, "Transaction")
    add(block, ns, "Reference", reference)
    add(block, ns, "Category", category)
    if transaction is None:
        return
    if transaction.regime is Regime.EURODAC_2024:
        add(block, ns, "Point", transaction.point)
    if transaction.delay is not None:
        delay = sub(block, ns, "Delay")
        add(delay, ns, "Ground", transaction.delay.ground.value)
        add(delay, ns, "Since", transaction.delay.since)


def _read_reference(node: Node, regime: Regime) -> ReferenceNumber:
    return node.child("Transaction").get(
        "Reference", lambda text: ReferenceNumber.parse(text, regime)
    )


def _read_transaction(node: Node, operation: Operation, regime: Regime) -> EurodacTransaction:
    block = node.child("Transaction")
    delay = block.find("Delay")
    return EurodacTransaction(
        operation=operation,
        regime=regime,
        category=block.get("Category", int),
        reference=block.get("Reference", lambda text: ReferenceNumber.parse(text, regime)),
        point=block.optional("Point", str),
        delay=None
        if delay is None
        else TransmissionDelay(
            ground=delay.get("Ground", DelayGround),
            since=delay.optional("Since", date.fromisoformat),
        ),
    )


def _write_place_and_date(
    parent: etree._Element, ns: str, name: str, event: PlaceAndDate | None
) -> None:
    if event is not None:
        block = sub(parent, ns, name)
        add(block, ns, "Place", event.place)
        add(block, ns, "Date", event.on)


def _read_place_and_date(node: Node, name: str) -> PlaceAndDate | None:
    block = node.find(name)
    if block is None:
        return None
    return PlaceAndDate(
        place=block.optional("Place", str), on=block.get("Date", date.fromisoformat)
    )


# ----- enrolment, search, correction -------------------------------------------------------


def write_capture(root: etree._Element, record: CanonicalRecord, scope: Scope) -> None:
    ns = scope.namespace
    transaction = record.transaction
    if transaction is None:
        raise ValueError("a Eurodac capture needs the record's transaction")
    new = transaction.regime is Regime.EURODAC_2024
    _write_transaction(root, ns, transaction.reference, transaction.category, transaction)
    application = record.application
    if application is not None and (
        application.place
        or application.lodged_on
        or (new and (application.registered_on or application.at_border))
    ):
        block = sub(root, ns, "Application")
        add(block, ns, "Place", application.place)
        add(block, ns, "LodgedOn", application.lodged_on)
        if new:
            add(block, ns, "RegisteredOn", application.registered_on)
            add(block, ns, "AtBorder", application.at_border or None)
    _write_place_and_date(root, ns, "Apprehension", record.apprehension)
    if new:
        _write_place_and_date(root, ns, "Disembarkation", record.disembarkation)
        write_person(root, ns, "Subject", record.person)
        add(root, ns, "SecurityFlag", record.security_flag or None)
    else:
        add(sub(root, ns, "Subject"), ns, "Sex", record.person.sex.value)
    if record.biometrics is not None:
        _write_biometrics(root, ns, record.biometrics, transaction.regime)


def _write_biometrics(
    root: etree._Element, ns: str, biometrics: BiometricSet, regime: Regime
) -> None:
    block = sub(root, ns, "Biometrics")
    add(block, ns, "CapturedOn", biometrics.captured_on)
    add(block, ns, "Station", biometrics.station)
    _write_fingers(block, ns, biometrics.fingerprints)
    if regime is Regime.EURODAC_2024 and biometrics.face is not None:
        _write_face(block, ns, biometrics.face)
    add(block, ns, "AnsiNistTransaction", biometrics.ansi_nist or None)


def _write_fingers(parent: etree._Element, ns: str, fingers: tuple[Fingerprint, ...]) -> None:
    for finger in fingers:
        element = sub(parent, ns, "Fingerprint")
        add(element, ns, "Position", int(finger.position))
        add(element, ns, "Impression", int(finger.impression))
        add(element, ns, "Quality", finger.quality)
        add(element, ns, "Format", finger.image_format)
        add(element, ns, "Image", finger.image or None)


def _write_face(parent: etree._Element, ns: str, face: FacialImage) -> None:
    element = sub(parent, ns, "FacialImage")
    add(element, ns, "Format", face.image_format)
    add(element, ns, "Image", face.image)


def read_capture(node: Node, scope: Scope) -> CanonicalRecord:
    regime = scope.eurodac_regime
    application = node.find("Application")
    biometrics = node.find("Biometrics")
    subject = node.child("Subject")
    if regime is Regime.EURODAC_2024:
        person = read_person(subject)
    else:
        person = Person(name=UNNAMED, sex=subject.get("Sex", Sex))
    return CanonicalRecord(
        person=person,
        application=None if application is None else _read_application(application),
        biometrics=None if biometrics is None else _read_biometrics(biometrics),
        transaction=_read_transaction(node, scope.eurodac_operation, regime),
        apprehension=_read_place_and_date(node, "Apprehension"),
        disembarkation=_read_place_and_date(node, "Disembarkation"),
        security_flag=node.optional("SecurityFlag", boolean) or False,
    )


def _read_application(node: Node) -> Application:
    return Application(
        identifiers=NationalIdentifiers(),
        place=node.optional("Place", str),
        lodged_on=node.optional("LodgedOn", date.fromisoformat),
        registered_on=node.optional("RegisteredOn", date.fromisoformat),
        at_border=node.optional("AtBorder", boolean) or False,
    )


def _read_biometrics(node: Node) -> BiometricSet:
    face = node.find("FacialImage")
    return BiometricSet(
        captured_on=node.get("CapturedOn", date.fromisoformat),
        station=node.optional("Station", str),
        fingerprints=_read_fingers(node),
        face=None if face is None else _read_face(face),
        ansi_nist=node.optional("AnsiNistTransaction", from_b64) or b"",
    )


def _read_fingers(node: Node) -> tuple[Fingerprint, ...]:
    return tuple(
        Fingerprint(
            position=finger.get("Position", lambda text: FingerPosition(int(text))),
            impression=finger.get("Impression", lambda text: ImpressionType(int(text))),
            quality=finger.get("Quality", int),
            image_format=finger.text("Format"),
            image=finger.optional("Image", from_b64) or b"",
        )
        for finger in node.all("Fingerprint")
    )


def _read_face(node: Node) -> FacialImage:
    return FacialImage(image_format=node.text("Format"), image=node.get("Image", from_b64))


# ----- marking, unmarking, advance erasure ------------------------------------------------


def write_data_action(root: etree._Element, action: EurodacDataAction, scope: Scope) -> None:
    ns = scope.namespace
    _write_transaction(root, ns, action.transaction.reference, action.transaction.category)
    add(root, ns, "Reason", action.reason.value)


def read_data_action(node: Node, scope: Scope) -> EurodacDataAction:
    operation = scope.eurodac_operation
    reason: MarkReason | DeletionReason = (
        node.get("Reason", DeletionReason)
        if operation is Operation.DELETE
        else node.get("Reason", MarkReason)
    )
    transaction = _read_transaction(node, operation, scope.eurodac_regime)
    return EurodacDataAction(transaction=transaction, reason=reason)


# ----- status updates after recording ------------------------------------------------------


def write_status(root: etree._Element, update: EurodacStatusUpdate, scope: Scope) -> None:
    ns = scope.namespace
    transaction = update.transaction
    _write_transaction(root, ns, transaction.reference, transaction.category)
    _write_status_update(root, ns, update.update)


def _write_status_update(parent: etree._Element, ns: str, update: StatusUpdate) -> None:
    block = sub(parent, ns, "Status")
    add(block, ns, "Kind", update.kind.value)
    add(block, ns, "Date", update.on)
    add(block, ns, "MemberState", update.member_state)


def read_status(node: Node, scope: Scope) -> EurodacStatusUpdate:
    transaction = _read_transaction(node, scope.eurodac_operation, scope.eurodac_regime)
    return EurodacStatusUpdate(
        transaction=transaction, update=_read_status_update(node.child("Status"))
    )


def _read_status_update(node: Node) -> StatusUpdate:
    return StatusUpdate(
        kind=node.get("Kind", StatusKind),
        on=node.get("Date", date.fromisoformat),
        member_state=node.optional("MemberState", _member_state),
    )


def _member_state(text: str) -> str:
    if not is_member_state(text):
        raise ValueError(f"{text!r} is not the code of a member state")
    return text


# ----- replies ----------------------------------------------------------------------------


def write_hit(root: etree._Element, hit: EurodacHit, scope: Scope) -> None:
    ns, regime = scope.namespace, scope.regime
    new = regime is Regime.EURODAC_2024
    _write_transaction(root, ns, hit.reference, hit.reference.category)
    for match in hit.matches:
        element = sub(root, ns, "Match")
        _write_transaction(element, ns, match.reference, match.reference.category)
        add(element, ns, "CapturedOn", match.captured_on)
        add(element, ns, "Sex", match.sex.value)
        if new:
            if match.person is not None:
                write_person(element, ns, "Subject", match.person)
            if match.face is not None:
                _write_face(element, ns, match.face)
        _write_fingers(element, ns, match.fingerprints)
        add(element, ns, "TransmittedOn", match.transmitted_on)
        _write_place_and_date(element, ns, "Application", match.application)
        _write_place_and_date(element, ns, "Apprehension", match.apprehension)
        if new:
            _write_place_and_date(element, ns, "Disembarkation", match.disembarkation)
        for update in match.status:
            _write_status_update(element, ns, update)
        if new:
            add(element, ns, "SecurityFlag", match.security_flag or None)
        add(element, ns, "Marked", match.marked)
        if new:
            add(element, ns, "MarkReason", match.mark_reason)


def read_hit(node: Node, scope: Scope) -> EurodacHit:
    regime = scope.eurodac_regime
    matches = []
    for match in node.all("Match"):
        subject = match.find("Subject")
        face = match.find("FacialImage")
        matches.append(
            MatchedRecord(
                reference=_read_reference(match, regime),
                captured_on=match.get("CapturedOn", date.fromisoformat),
                sex=match.get("Sex", Sex),
                marked=match.get("Marked", boolean),
                person=None if subject is None else read_person(subject),
                face=None if face is None else _read_face(face),
                fingerprints=_read_fingers(match),
                transmitted_on=match.optional("TransmittedOn", date.fromisoformat),
                application=_read_place_and_date(match, "Application"),
                apprehension=_read_place_and_date(match, "Apprehension"),
                disembarkation=_read_place_and_date(match, "Disembarkation"),
                status=tuple(_read_status_update(s) for s in match.all("Status")),
                security_flag=match.optional("SecurityFlag", boolean) or False,
                mark_reason=match.optional("MarkReason", str),
            )
        )
    return EurodacHit(reference=_read_reference(node, regime), matches=tuple(matches))


def write_no_hit(root: etree._Element, reply: EurodacNoHit, scope: Scope) -> None:
    _write_transaction(root, scope.namespace, reply.reference, reply.reference.category)


def read_no_hit(node: Node, scope: Scope) -> EurodacNoHit:
    return EurodacNoHit(reference=_read_reference(node, scope.eurodac_regime))


def write_error(root: etree._Element, reply: EurodacErrorReply, scope: Scope) -> None:
    ns = scope.namespace
    if reply.reference is not None:
        _write_transaction(root, ns, reply.reference, reply.reference.category)
    add(root, ns, "ErrorCode", reply.code.value)
    add(root, ns, "Description", reply.description)


def read_error(node: Node, scope: Scope) -> EurodacErrorReply:
    regime = scope.eurodac_regime
    transaction = node.find("Transaction")
    return EurodacErrorReply(
        code=node.get("ErrorCode", EurodacErrorCode),
        reference=None if transaction is None else _read_reference(node, regime),
        description=node.optional("Description", str),
    )


def write_marking_notice(root: etree._Element, notice: EurodacMarkingNotice, scope: Scope) -> None:
    ns = scope.namespace
    _write_transaction(root, ns, notice.reference, notice.reference.category)
    marked = sub(root, ns, "Marked")
    add(marked, ns, "Reference", notice.marked)
    add(marked, ns, "Category", notice.marked.category)
    add(root, ns, "Reason", notice.reason)
    add(root, ns, "MarkedOn", notice.marked_on)


def read_marking_notice(node: Node, scope: Scope) -> EurodacMarkingNotice:
    regime = scope.eurodac_regime
    return EurodacMarkingNotice(
        reference=_read_reference(node, regime),
        marked=node.child("Marked").get(
            "Reference", lambda text: ReferenceNumber.parse(text, regime)
        ),
        reason=node.get("Reason", lambda text: MarkReason(text).value),
        marked_on=node.get("MarkedOn", date.fromisoformat),
    )
