"""The envelope every message carries: who sends it to whom, when, under which regime."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

from gateway.domain.dublin import DublinRegime
from gateway.domain.eurodac import Regime
from gateway.domain.frozen import frozen
from gateway.domain.member_states import is_member_state

__all__ = [
    "DUBLINET_SYSTEM",
    "EURODAC_SYSTEM",
    "EU_AUTHORITY",
    "GATEWAY_SYSTEM",
    "SCHEMA_VERSION",
    "Envelope",
    "MessageRegime",
    "Party",
    "new_envelope",
    "regime_of",
]

SCHEMA_VERSION = "1.0"
EU_AUTHORITY = "EU"
"""The authority code of the EU side's systems (the Central System run by eu-LISA)."""

# System names, the same as in the peers' signing certificates (`PARTY:system`), so
# that a message's sender can be checked against the identity that signed it.
GATEWAY_SYSTEM = "gateway"
EURODAC_SYSTEM = "eurodac"
DUBLINET_SYSTEM = "dublinet"

MessageRegime = Regime | DublinRegime

_SYSTEM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")


@frozen
class Party:
    """A system and who runs it: a member state's code, or `EU`."""

    authority: str
    system: str

    def __post_init__(self) -> None:
        if self.authority != EU_AUTHORITY and not is_member_state(self.authority):
            raise ValueError(f"{self.authority!r} is neither a member state code nor EU")
        if not _SYSTEM.match(self.system):
            raise ValueError(f"{self.system!r} is not a system name")


@frozen
class Envelope:
    """Receivers de-duplicate on `message_id`; a reply names what it answers in `correlation_id`."""

    message_id: uuid.UUID
    conversation_id: uuid.UUID
    sender: Party
    recipient: Party
    created_at: datetime
    regime: MessageRegime
    message_type: str
    correlation_id: uuid.UUID | None = None
    schema_version: str = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            raise ValueError("an envelope's creation time is timezone-aware")


def new_envelope(
    *,
    message_type: str,
    regime: MessageRegime,
    sender: Party,
    recipient: Party,
    now: datetime,
    correlation_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
) -> Envelope:
    """A fresh envelope; a new conversation unless it continues one."""
    message_id = uuid.uuid4()
    return Envelope(
        message_id=message_id,
        conversation_id=conversation_id or message_id,
        sender=sender,
        recipient=recipient,
        created_at=now,
        regime=regime,
        message_type=message_type,
        correlation_id=correlation_id,
    )


def regime_of(text: str) -> MessageRegime:
    """The Eurodac or Dublin regime named by its regulation number (`2024/1358`, `604/2013`)."""
    for kind in (Regime, DublinRegime):
        try:
            return kind(text)
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a regime")
