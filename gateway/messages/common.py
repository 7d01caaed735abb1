"""The blocks every pack shares: the envelope, a person's alphanumeric data, acknowledgements."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from lxml import etree

from gateway.domain.dates import PartialDate
from gateway.domain.person import Document, DocumentType, Name, Person, Sex
from gateway.domain.replies import Acknowledgement
from gateway.messages._xml import Node, Scope, add, sub
from gateway.messages.envelope import Envelope, Party, regime_of
from gateway.messages.registry import COMMON_NAMESPACE

__all__ = [
    "read_acknowledgement",
    "read_created_at",
    "read_envelope",
    "read_person",
    "write_acknowledgement",
    "write_envelope",
    "write_person",
]

C = COMMON_NAMESPACE


def write_envelope(root: etree._Element, envelope: Envelope) -> None:
    element = sub(root, C, "Envelope")
    add(element, C, "MessageId", envelope.message_id)
    add(element, C, "CorrelationId", envelope.correlation_id)
    add(element, C, "ConversationId", envelope.conversation_id)
    for name, party in (("Sender", envelope.sender), ("Recipient", envelope.recipient)):
        block = sub(element, C, name)
        add(block, C, "Authority", party.authority)
        add(block, C, "System", party.system)
    add(element, C, "CreatedAt", envelope.created_at)
    add(element, C, "Regime", envelope.regime.value)
    add(element, C, "SchemaVersion", envelope.schema_version)
    add(element, C, "MessageType", envelope.message_type)


def read_envelope(root: etree._Element) -> Envelope:
    node = Node(root, C).child("Envelope")
    return Envelope(
        message_id=node.get("MessageId", uuid.UUID),
        correlation_id=node.optional("CorrelationId", uuid.UUID),
        conversation_id=node.get("ConversationId", uuid.UUID),
        sender=_party(node.child("Sender")),
        recipient=_party(node.child("Recipient")),
        created_at=node.get("CreatedAt", datetime.fromisoformat),
        regime=node.get("Regime", regime_of),
        schema_version=node.text("SchemaVersion"),
        message_type=node.text("MessageType"),
    )


def read_created_at(root: etree._Element) -> datetime:
    """The envelope's CreatedAt alone: the time a signature is checked at, read before the
    signature is (the rest of the envelope is read from the verified element)."""
    return Node(root, C).child("Envelope").get("CreatedAt", datetime.fromisoformat)


def _party(node: Node) -> Party:
    return node.value(lambda _: Party(authority=node.text("Authority"), system=node.text("System")))


def write_person(parent: etree._Element, namespace: str, name: str, person: Person) -> None:
    """The person as `<name>` in the pack's namespace, its content in the common one."""
    element = sub(parent, namespace, name)
    _write_name(element, "Name", person.name)
    for alias in person.aliases:
        _write_name(element, "Alias", alias)
    add(element, C, "Sex", person.sex.value)
    add(element, C, "BirthDate", person.birth_date)
    add(element, C, "BirthPlace", person.birth_place)
    add(element, C, "BirthCountry", person.birth_country)
    for nationality in person.nationalities:
        add(element, C, "Nationality", nationality)
    for document in person.documents:
        block = sub(element, C, "Document")
        add(block, C, "Type", document.type.value)
        add(block, C, "Number", document.number)
        add(block, C, "IssuingCountry", document.issuing_country)
        add(block, C, "ValidFrom", document.valid_from)
        add(block, C, "ValidUntil", document.valid_until)


def _write_name(parent: etree._Element, tag: str, name: Name) -> None:
    element = sub(parent, C, tag)
    add(element, C, "Family", name.family)
    add(element, C, "Given", name.given or None)
    add(element, C, "FamilyOriginal", name.family_original)
    add(element, C, "GivenOriginal", name.given_original)
    add(element, C, "Script", name.script)


def read_person(node: Node) -> Person:
    person = node.within(C)
    return Person(
        name=_read_name(person.child("Name")),
        aliases=tuple(_read_name(alias) for alias in person.all("Alias")),
        sex=person.get("Sex", Sex),
        birth_date=person.optional("BirthDate", PartialDate.parse),
        birth_place=person.optional("BirthPlace", str),
        birth_country=person.optional("BirthCountry", str),
        nationalities=tuple(n.value(str) for n in person.all("Nationality")),
        documents=tuple(_read_document(d) for d in person.all("Document")),
    )


def _read_name(node: Node) -> Name:
    return Name(
        family=node.text("Family"),
        given=node.optional("Given", str) or "",
        family_original=node.optional("FamilyOriginal", str),
        given_original=node.optional("GivenOriginal", str),
        script=node.optional("Script", str),
    )


def _read_document(node: Node) -> Document:
    return Document(
        type=node.get("Type", DocumentType),
        number=node.text("Number"),
        issuing_country=node.text("IssuingCountry"),
        valid_from=node.optional("ValidFrom", date.fromisoformat),
        valid_until=node.optional("ValidUntil", date.fromisoformat),
    )


def write_acknowledgement(root: etree._Element, ack: Acknowledgement, scope: Scope) -> None:
    ns = scope.namespace
    add(root, ns, "AcknowledgedMessageId", ack.acknowledged_message_id)
    add(root, ns, "ReceivedAt", ack.received_at)


def read_acknowledgement(node: Node, _: Scope) -> Acknowledgement:
    return Acknowledgement(
        acknowledged_message_id=node.get("AcknowledgedMessageId", uuid.UUID),
        received_at=node.get("ReceivedAt", datetime.fromisoformat),
    )
