"""Eurodac message bodies: canonical objects to elements and back, for both regimes.

Under Regulation 603/2013 only fingerprints and the sex travel; under
2024/1358 also the facial image and the alphanumeric data of the person.
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
from gateway.domain.eurodac import EurodacTransaction, Operation, ReferenceNumber, Regime
from gateway.domain.person import Name, Person, Sex
from gateway.domain.record import CanonicalRecord
from gateway.domain.replies import (
    EurodacErrorCode,
    EurodacErrorReply,
    EurodacHit,
    EurodacNoHit,
    MatchedRecord,
)
from gateway.domain.requests import DeletionReason, EurodacDataAction, MarkReason
from gateway.messages._xml import Node, Scope, add, boolean, from_b64, sub
from gateway.messages.common import read_person, write_person

__all__ = [
    "UNNAMED",
    "read_capture",
    "read_data_action",
    "read_error",
    "read_hit",
    "read_no_hit",
    "write_capture",
    "write_data_action",
    "write_error",
    "write_hit",
    "write_no_hit",
]

UNNAMED = Name(family="")
"""The name of a person read from a 603/2013 message, which carries no name."""


def _write_transaction(
    parent: etree._Element, ns: str, reference: ReferenceNumber, category: int
) -> None:
    block = sub(parent, ns, "Transaction")
    add(block, ns, "Reference", reference)
    add(block, ns, "Category", category)


def _read_reference(node: Node, regime: Regime) -> ReferenceNumber:
    return node.child("Transaction").get(
        "Reference", lambda text: ReferenceNumber.parse(text, regime)
    )


def _read_transaction(node: Node, operation: Operation, regime: Regime) -> EurodacTransaction:
    block = node.child("Transaction")
    return EurodacTransaction(
        operation=operation,
        regime=regime,
        category=block.get("Category", int),
        reference=block.get("Reference", lambda text: ReferenceNumber.parse(text, regime)),
    )


# ----- enrolment, search, correction -------------------------------------------------------


def write_capture(root: etree._Element, record: CanonicalRecord, scope: Scope) -> None:
    ns = scope.namespace
    transaction = record.transaction
    if transaction is None:
        raise ValueError("a Eurodac capture needs the record's transaction")
    _write_transaction(root, ns, transaction.reference, transaction.category)
    application = record.application
    if application is not None and (application.place or application.lodged_on):
        block = sub(root, ns, "Application")
        add(block, ns, "Place", application.place)
        add(block, ns, "LodgedOn", application.lodged_on)
    if transaction.regime is Regime.EURODAC_2024:
        write_person(root, ns, "Subject", record.person)
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
    for finger in biometrics.fingerprints:
        element = sub(block, ns, "Fingerprint")
        add(element, ns, "Position", int(finger.position))
        add(element, ns, "Impression", int(finger.impression))
        add(element, ns, "Quality", finger.quality)
        add(element, ns, "Format", finger.image_format)
        add(element, ns, "Image", finger.image or None)
    if regime is Regime.EURODAC_2024 and biometrics.face is not None:
        _write_face(block, ns, biometrics.face)
    add(block, ns, "AnsiNistTransaction", biometrics.ansi_nist or None)


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
    )


def _read_application(node: Node) -> Application:
    return Application(
        identifiers=NationalIdentifiers(),
        place=node.optional("Place", str),
        lodged_on=node.optional("LodgedOn", date.fromisoformat),
    )


def _read_biometrics(node: Node) -> BiometricSet:
    face = node.find("FacialImage")
    return BiometricSet(
        captured_on=node.get("CapturedOn", date.fromisoformat),
        station=node.optional("Station", str),
        fingerprints=tuple(
            Fingerprint(
                position=finger.get("Position", lambda text: FingerPosition(int(text))),
                impression=finger.get("Impression", lambda text: ImpressionType(int(text))),
                quality=finger.get("Quality", int),
                image_format=finger.text("Format"),
                image=finger.optional("Image", from_b64) or b"",
            )
            for finger in node.all("Fingerprint")
        ),
        face=None if face is None else _read_face(face),
        ansi_nist=node.optional("AnsiNistTransaction", from_b64) or b"",
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


# ----- replies ----------------------------------------------------------------------------


def write_hit(root: etree._Element, hit: EurodacHit, scope: Scope) -> None:
    ns, regime = scope.namespace, scope.regime
    _write_transaction(root, ns, hit.reference, hit.reference.category)
    for match in hit.matches:
        element = sub(root, ns, "Match")
        _write_transaction(element, ns, match.reference, match.reference.category)
        add(element, ns, "CapturedOn", match.captured_on)
        add(element, ns, "Sex", match.sex.value)
        if regime is Regime.EURODAC_2024:
            if match.person is not None:
                write_person(element, ns, "Subject", match.person)
            if match.face is not None:
                _write_face(element, ns, match.face)
        add(element, ns, "Marked", match.marked)


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
