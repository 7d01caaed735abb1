"""Messages to bytes and back: build from canonical objects, read every inbound type.

    element = build_element(Message(envelope=..., content=record))
    data = serialize(element)
    message = read_message(data, limits)   # hardened parse + XSD + canonical objects

A built element is not validated here: validation is the pipeline's next
stage (`gateway.validation.validate`), so that it can be measured and
reported on its own. `read_message` does all three steps for inbound bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from gateway.domain.dublin import dublin_regime_for
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.domain.requests import EurodacDataAction, EurodacStatusUpdate
from gateway.errors import InputError
from gateway.messages import dublinet, eurodac
from gateway.messages._xml import Node, Scope
from gateway.messages.common import (
    read_acknowledgement,
    read_envelope,
    write_acknowledgement,
    write_envelope,
)
from gateway.messages.content import Content, DublinSubmission
from gateway.messages.envelope import Envelope, MessageRegime
from gateway.messages.registry import (
    COMMON_NAMESPACE,
    NAMESPACES,
    MessageType,
    message_type,
    type_of_root,
)
from gateway.validation import DEFAULT_LIMITS, SchemaPack, XmlLimits, parse_xml, validate

__all__ = [
    "Message",
    "build_element",
    "build_message",
    "parse_message",
    "read_message",
    "regime_for",
    "serialize",
]

WRONG_CONTENT = "GW-MSG-CONTENT"
WRONG_REGIME = "GW-MSG-REGIME"
TYPE_MISMATCH = "GW-MSG-TYPE-MISMATCH"

_PREFIXES = {"eurodac": "e", "dublinet": "d"}


@frozen
class Message:
    """An envelope and what it carries."""

    envelope: Envelope
    content: Content


Writer = Callable[[etree._Element, Any, Scope], None]
Reader = Callable[[Node, Scope], Content]

# How each type's body is written and read; DubliNet requests share one form.
_BODIES: dict[str, tuple[Writer, Reader]] = {
    "eurodac.enrolment": (eurodac.write_capture, eurodac.read_capture),
    "eurodac.search": (eurodac.write_capture, eurodac.read_capture),
    "eurodac.correct": (eurodac.write_capture, eurodac.read_capture),
    "eurodac.mark": (eurodac.write_data_action, eurodac.read_data_action),
    "eurodac.unmark": (eurodac.write_data_action, eurodac.read_data_action),
    "eurodac.delete": (eurodac.write_data_action, eurodac.read_data_action),
    "eurodac.status": (eurodac.write_status, eurodac.read_status),
    "eurodac.marking-notice": (eurodac.write_marking_notice, eurodac.read_marking_notice),
    "eurodac.ack": (write_acknowledgement, read_acknowledgement),
    "eurodac.hit": (eurodac.write_hit, eurodac.read_hit),
    "eurodac.no-hit": (eurodac.write_no_hit, eurodac.read_no_hit),
    "eurodac.error": (eurodac.write_error, eurodac.read_error),
    "dublinet.reply": (dublinet.write_reply, dublinet.read_reply),
    "dublinet.reexamination-request": (dublinet.write_reexamination, dublinet.read_reexamination),
    "dublinet.reexamination-reply": (dublinet.write_reply, dublinet.read_reply),
    "dublinet.transfer-arrangement": (dublinet.write_transfer, dublinet.read_transfer),
    "dublinet.ack": (write_acknowledgement, read_acknowledgement),
}
_SUBMISSION: tuple[Writer, Reader] = (dublinet.write_submission, dublinet.read_submission)


def _body(kind: MessageType) -> tuple[Writer, Reader]:
    return _SUBMISSION if kind.request_type is not None else _BODIES[kind.name]


def _scope(kind: MessageType, regime: MessageRegime) -> Scope:
    return Scope(namespace=NAMESPACES[regime], regime=regime, operation=kind.operation)


def regime_for(content: Content) -> MessageRegime | None:
    """The regime the content itself decides, if it does (replies take the caller's)."""
    if isinstance(content, CanonicalRecord):
        return content.transaction.regime if content.transaction else None
    if isinstance(content, EurodacDataAction | EurodacStatusUpdate):
        return content.transaction.regime
    if isinstance(content, DublinSubmission):
        application = content.record.application
        if application is None or application.registered_on is None:
            raise InputError(
                WRONG_REGIME,
                "a DubliNet request needs the application's registration date, which decides "
                "the Dublin regime (Regulation (EU) 2024/1351 Art 84)",
                "record.application.registered_on",
            )
        return dublin_regime_for(application.registered_on)
    return None


def build_element(message: Message) -> etree._Element:
    """The message as an unsigned lxml element, or an `InputError` if the parts do not fit."""
    envelope, content = message.envelope, message.content
    kind = message_type(envelope.message_type)
    _check_fits(kind, envelope, content)
    namespace = NAMESPACES[envelope.regime]
    root = etree.Element(
        f"{{{namespace}}}{kind.root}",
        nsmap={_PREFIXES[kind.family]: namespace, "c": COMMON_NAMESPACE},
    )
    write_envelope(root, envelope)
    writer, _ = _body(kind)
    try:
        writer(root, content, _scope(kind, envelope.regime))
    except ValueError as error:  # e.g. text that XML cannot carry
        raise InputError(WRONG_CONTENT, f"the content cannot be written: {error}") from None
    return root


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_message(message: Message) -> bytes:
    """The message as UTF-8 XML bytes (unsigned, not yet validated)."""
    return serialize(build_element(message))


def _check_fits(kind: MessageType, envelope: Envelope, content: Content) -> None:
    if not isinstance(content, kind.content):
        raise InputError(
            WRONG_CONTENT,
            f"{kind.name} carries a {kind.content.__name__}, not a {type(content).__name__}",
        )
    if envelope.regime not in kind.regimes:
        allowed = ", ".join(regime.value for regime in kind.regimes)
        raise InputError(
            WRONG_REGIME,
            f"{kind.name} does not exist under {envelope.regime.value} (only {allowed})",
            "envelope.regime",
        )
    decided = regime_for(content)
    if decided is not None and decided is not envelope.regime:
        raise InputError(
            WRONG_REGIME,
            f"the content falls under {decided.value}, the envelope says {envelope.regime.value}",
            "envelope.regime",
        )
    operation = _operation(content)
    if kind.operation is not None and operation is not kind.operation:
        raise InputError(
            WRONG_CONTENT,
            f"{kind.name} needs a transaction with operation {kind.operation.value!r}",
            "transaction.operation",
        )
    if isinstance(content, DublinSubmission) and content.request.request_type != kind.request_type:
        raise InputError(
            WRONG_CONTENT,
            f"{kind.name} is a request of type {kind.request_type}, "
            f"not {int(content.request.request_type)}",
            "request.request_type",
        )


def _operation(content: Content) -> object:
    if isinstance(content, CanonicalRecord):
        return content.transaction.operation if content.transaction else None
    if isinstance(content, EurodacDataAction | EurodacStatusUpdate):
        return content.transaction.operation
    return None


def parse_message(root: etree._Element) -> Message:
    """Canonical objects from a parsed and schema-valid message."""
    name = etree.QName(root)
    kind = type_of_root(name.namespace, name.localname)
    envelope = read_envelope(root)
    if envelope.message_type != kind.name:
        raise InputError(
            TYPE_MISMATCH,
            f"the envelope says {envelope.message_type}, the root element is {kind.root}",
            f"/{kind.root}/Envelope/MessageType",
        )
    if envelope.regime not in kind.regimes or NAMESPACES[envelope.regime] != name.namespace:
        raise InputError(
            WRONG_REGIME,
            f"{kind.name} in {name.namespace} cannot be under {envelope.regime.value}",
            f"/{kind.root}/Envelope/Regime",
        )
    _, reader = _body(kind)
    scope = _scope(kind, envelope.regime)
    content = reader(Node(root, scope.namespace), scope)
    return Message(envelope=envelope, content=content)


def read_message(
    data: bytes, limits: XmlLimits = DEFAULT_LIMITS, pack: SchemaPack | None = None
) -> Message:
    """Inbound bytes to canonical objects: hardened parse, XSD validation, reading."""
    root = parse_xml(data, limits)
    validate(root, pack)
    return parse_message(root)
