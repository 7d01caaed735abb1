"""Signed messages a simulated endpoint sends: acknowledgements and replies.

A reply's message id is derived from what it answers (UUID 5), so a reply
built again after a crash is the same message and the outbox keeps it once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from gateway.domain.replies import Acknowledgement
from gateway.messages import Content, Envelope, Message, MessageRegime, build_element, serialize
from gateway.security.identity import PeerId
from gateway.security.signer import Signer
from simulators.common.inbound import party_of, peer_of_party
from simulators.common.sending import Outgoing

__all__ = ["ack_type", "derived_id", "sign_message", "sign_reply", "signed_ack"]

_NAMESPACE = uuid.UUID("6f1c2a52-4d0e-5b7a-9d3e-2f5b8c1e0a77")


def ack_type(family: str) -> str:
    """The acknowledgement's message type in a family: `eurodac.ack`, `dublinet.ack`."""
    return f"{family}.ack"


def derived_id(answered: uuid.UUID, purpose: str) -> uuid.UUID:
    """A message id fixed by the message answered and what the answer is for."""
    return uuid.uuid5(_NAMESPACE, f"{answered}:{purpose}")


def sign_message(
    *,
    content: Content,
    message_type: str,
    regime: MessageRegime,
    sender: PeerId,
    recipient: PeerId,
    signer: Signer,
    now: datetime,
    message_id: uuid.UUID | None = None,
    answering: Envelope | None = None,
    conversation_id: uuid.UUID | None = None,
) -> Outgoing:
    """Build, sign and serialise a message; a reply names what it answers (`answering`)."""
    message_id = message_id or uuid.uuid4()
    envelope = Envelope(
        message_id=message_id,
        conversation_id=(answering.conversation_id if answering else conversation_id or message_id),
        correlation_id=answering.message_id if answering else None,
        sender=party_of(sender),
        recipient=party_of(recipient),
        created_at=now,
        regime=regime,
        message_type=message_type,
    )
    element = build_element(Message(envelope=envelope, content=content))
    body = serialize(signer.sign(element, at=now))
    return Outgoing(sender=sender, recipient=recipient, envelope=envelope, body=body)


def sign_reply(
    answered: Envelope,
    content: Content,
    message_type: str,
    *,
    me: PeerId,
    signer: Signer,
    now: datetime,
    purpose: str = "reply",
) -> Outgoing:
    """The answer of endpoint `me` to the message `answered`, for its sender: in its regime and
    conversation, with an id derived from it and `purpose` (one answer of each purpose a
    message, also when built again after a crash)."""
    return sign_message(
        content=content,
        message_type=message_type,
        regime=answered.regime,
        sender=me,
        recipient=peer_of_party(answered.sender),
        signer=signer,
        now=now,
        message_id=derived_id(answered.message_id, purpose),
        answering=answered,
    )


def signed_ack(received: Envelope, *, me: PeerId, signer: Signer, now: datetime) -> bytes:
    """The acknowledgement of a received message, signed by the endpoint that received it."""
    family = received.message_type.split(".", 1)[0]
    ack = Acknowledgement(acknowledged_message_id=received.message_id, received_at=now)
    return sign_reply(
        received, ack, ack_type(family), me=me, signer=signer, now=now, purpose="ack"
    ).body
