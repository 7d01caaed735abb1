"""Eurodac and DubliNet messages: the registry of types, builders and parsers.

Canonical objects and an envelope become an lxml element and then bytes;
inbound bytes become canonical objects again through the hardened parser
and the schema pack (`gateway.validation`).

The names of the codec (which loads lxml and the schema packs) are imported when first
used, so that a command's `--help` that only names a message type stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from gateway.messages.codec import (
        Message,
        build_element,
        build_message,
        parse_message,
        read_message,
        regime_for,
        serialize,
    )
    from gateway.messages.transmitted import transmitted

_WHEN_USED = {
    "Message": "gateway.messages.codec",
    "build_element": "gateway.messages.codec",
    "build_message": "gateway.messages.codec",
    "parse_message": "gateway.messages.codec",
    "read_message": "gateway.messages.codec",
    "regime_for": "gateway.messages.codec",
    "serialize": "gateway.messages.codec",
    "transmitted": "gateway.messages.transmitted",
}


def __getattr__(name: str) -> Any:
    module = _WHEN_USED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
