"""Open what the gateway posts: parse, validate, verify, and check who sent it to whom.

The order follows the gateway's security stance: hardened parse, schema,
signature (the signer must be the peer of the TLS client certificate), and
only then the envelope of the signed element is read and acted on: its
sender must be that same peer, its recipient the simulated endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from lxml import etree

from gateway.domain.frozen import frozen
from gateway.errors import InputError, SecurityError
from gateway.messages import Message, Party, parse_message
from gateway.messages.common import read_envelope
from gateway.security.identity import PeerId
from gateway.security.verifier import Verifier
from gateway.validation import DEFAULT_LIMITS, XmlLimits, parse_xml, validate

__all__ = ["Inbound", "Received", "party_of", "peer_of_party", "read_signed"]

WRONG_SENDER = "GW-SIM-WRONG-SENDER"
WRONG_RECIPIENT = "GW-SIM-WRONG-RECIPIENT"
UNEXPECTED_TYPE = "GW-SIM-UNEXPECTED-TYPE"
MESSAGE_ID = "GW-SIM-MESSAGE-ID"
CLOCK = "GW-SIM-CLOCK"


@frozen
class Received:
    """A verified message: what was signed (`signed_xml`), read (`message`), and by whom."""

    message: Message
    signed_xml: bytes
    signer: PeerId


def peer_of_party(party: Party) -> PeerId:
    try:
        return PeerId(party=party.authority, system=party.system)
    except ValueError:
        raise SecurityError(
            WRONG_SENDER,
            f"{party.authority}:{party.system} is not a peer name (PARTY:system)",
            "Envelope/Sender",
        ) from None


def party_of(peer: PeerId) -> Party:
    return Party(authority=peer.party, system=peer.system)


def read_signed(signed_xml: bytes) -> Message:
    """A message verified on receipt, read again from what was signed (`Received.signed_xml`)
    when it is processed (CPU work: call it off the event loop)."""
    return parse_message(parse_xml(signed_xml))


class Inbound:
    """Checks posted messages for one simulated endpoint (`me`)."""

    def __init__(
        self,
        verifier: Verifier,
        *,
        me: PeerId,
        accepts: Callable[[str], bool],
        check: Callable[[Message], None] | None = None,
        limits: XmlLimits = DEFAULT_LIMITS,
        max_clock_skew: timedelta = timedelta(minutes=5),
    ) -> None:
        self._verifier = verifier
        self.me = me
        self._accepts = accepts
        self._check = check  # what the endpoint itself requires of the content
        self._limits = limits
        self._skew = max_clock_skew

    def open(
        self, data: bytes, *, tls_peer: PeerId, message_id: str | None, now: datetime
    ) -> Received:
        """The verified message, or an `InputError`/`SecurityError` saying what is wrong."""
        root = parse_xml(data, self._limits)
        validate(root)
        claimed = read_envelope(root)  # only for the signing time; acted on after verification
        if claimed.created_at > now + self._skew:
            raise InputError(
                CLOCK,
                f"the message was created at {claimed.created_at.isoformat()}, "
                f"more than {self._skew} after the time of receipt",
                "Envelope/CreatedAt",
            )
        verified = self._verifier.verify(root, expected=tls_peer, at=claimed.created_at)
        message = parse_message(verified.element)
        envelope = message.envelope
        if peer_of_party(envelope.sender) != tls_peer:
            raise SecurityError(
                WRONG_SENDER,
                f"the envelope names {envelope.sender.authority}:{envelope.sender.system} as "
                f"sender, the TLS client certificate and the signature {tls_peer}",
                "Envelope/Sender",
            )
        if envelope.recipient != party_of(self.me):
            raise InputError(
                WRONG_RECIPIENT,
                f"the message is for {envelope.recipient.authority}:"
                f"{envelope.recipient.system}, this endpoint is {self.me}",
                "Envelope/Recipient",
            )
        if not self._accepts(envelope.message_type):
            raise InputError(
                UNEXPECTED_TYPE,
                f"{self.me} does not take {envelope.message_type} messages",
                "Envelope/MessageType",
            )
        if message_id is not None and message_id != str(envelope.message_id):
            raise InputError(
                MESSAGE_ID,
                f"the X-Message-Id header {message_id!r} is not the envelope's message id",
                "Envelope/MessageId",
            )
        if self._check is not None:
            self._check(message)
        signed = etree.tostring(verified.element, encoding="UTF-8")
        return Received(message=message, signed_xml=signed, signer=verified.signer)
