"""Who is who on the wire: our party, the Central System, peer names, signed messages."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from gateway.domain.frozen import frozen
from gateway.messages import EU_AUTHORITY, Message, Party, build_element, serialize
from gateway.security.signer import Signer
from gateway.validation.schemas import SchemaPack
from gateway.validation.validator import validate

__all__ = ["CENTRAL_SYSTEM", "Wire", "peer_name"]

CENTRAL_SYSTEM = Party(authority=EU_AUTHORITY, system="eurodac")


def peer_name(party: Party) -> str:
    """The name the broker and the certificates use for a party: `NL:dublinet`."""
    return f"{party.authority}:{party.system}"


@frozen
class Wire:
    """Builds, validates and signs messages as this gateway (CPU work: call off the loop)."""

    member_state: str
    signer: Signer
    pack: SchemaPack | None = None

    @property
    def us(self) -> Party:
        return Party(authority=self.member_state, system="gateway")

    def signed(self, message: Message) -> bytes:
        """The message built, checked against its schema, signed at its creation time."""
        root = build_element(message)
        validate(root, self.pack)
        return serialize(self.sign(root, at=message.envelope.created_at))

    def sign(self, root: etree._Element, *, at: datetime) -> etree._Element:
        return self.signer.sign(root, at=at)
