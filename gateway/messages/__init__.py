"""Eurodac and DubliNet messages: the registry of types, builders and parsers.

Canonical objects and an envelope become an lxml element and then bytes;
inbound bytes become canonical objects again through the hardened parser
and the schema pack (`gateway.validation`).
"""

from gateway.messages.codec import (
    Message,
    build_element,
    build_message,
    parse_message,
    read_message,
    regime_for,
    serialize,
)
from gateway.messages.content import Content, DublinSubmission
from gateway.messages.envelope import (
    EU_AUTHORITY,
    Envelope,
    MessageRegime,
    Party,
    new_envelope,
    regime_of,
)
from gateway.messages.registry import MESSAGE_TYPES, MessageType, message_type, type_of_root
from gateway.messages.transmitted import transmitted

__all__ = [
    "EU_AUTHORITY",
    "MESSAGE_TYPES",
    "Content",
    "DublinSubmission",
    "Envelope",
    "Message",
    "MessageRegime",
    "MessageType",
    "Party",
    "build_element",
    "build_message",
    "message_type",
    "new_envelope",
    "parse_message",
    "read_message",
    "regime_for",
    "regime_of",
    "serialize",
    "transmitted",
    "type_of_root",
]
