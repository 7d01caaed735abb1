"""Who may say what: the one rule binding every inbound act to the party entitled to it.

A valid signature proves who sent a message, not that the sender may do what the message
does. Before anything of an inbound message is stored or acted on, `refusal` checks it
against the verified envelope (whose sender is already the TLS peer and the signer, see
`gateway.pipeline.inbound.verified_message`), the outbound message it acknowledges or
answers, and the Dublin case it belongs to:

1. Eurodac messages come from the Central System (`EU:eurodac`) only; DubliNet messages from
   another member state's access point (`XX:dublinet`) only.           GW-IN-WRONG-SYSTEM
2. An acknowledgement or an answer comes from the party the message it names was sent to.
                                                                       GW-IN-NOT-YOUR-MESSAGE
3. What a DubliNet message says of its own parties agrees with the envelope: the requesting,
   replying or transferring state is the sender; the requested or receiving state is us.
                                                              GW-IN-WRONG-STATE, GW-IN-NOT-FOR-US
4. A message on a Dublin case comes from that case's other state.      GW-IN-NOT-YOUR-CASE
5. Times are possible: an acknowledgement's time of receipt lies after we first sent the
   message (less the clock skew) and no later than the acknowledgement itself was made; an
   answer is not made before the message it answers was first sent; nothing is made or
   received more than the clock skew ahead of our clock.                GW-IN-TIME

`refusal` is pure (time and facts are arguments); `facts_of` gathers the facts from the
stores. Refused messages are written to the audit trail only (`refusal_audit`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from gateway.broker.audit import AuditRecord
from gateway.broker.records import StoredMessage
from gateway.domain.dublin import DublinReply
from gateway.domain.frozen import frozen
from gateway.domain.replies import Acknowledgement
from gateway.domain.requests import ReexaminationRequest, TransferArrangement
from gateway.errors import SecurityError
from gateway.messages import DublinSubmission, Message
from gateway.messages.envelope import DUBLINET_SYSTEM, EU_AUTHORITY, EURODAC_SYSTEM, Envelope
from gateway.tracking.records import StoredCase

__all__ = [
    "CLOCK_SKEW",
    "CaseFinder",
    "Facts",
    "OutboundFinder",
    "answered_id",
    "case_named_by",
    "facts_of",
    "refusal",
    "refusal_audit",
]

CLOCK_SKEW = timedelta(minutes=5)
"""How far another party's clock may run ahead of ours (the simulators allow as much)."""


@frozen
class Facts:
    """What the rule weighs besides the message: ours, as stored."""

    own_state: str
    answered: StoredMessage | None  # our message it acknowledges or answers, if we have it
    case: StoredCase | None  # the Dublin case it belongs to, if any
    now: datetime


class CaseFinder(Protocol):
    async def case_by_message(self, message_id: str) -> StoredCase | None: ...


class OutboundFinder(Protocol):
    async def get(self, message_id: str) -> StoredMessage | None: ...


def answered_id(message: Message) -> UUID | None:
    """The id of our message that `message` acknowledges or answers (None: none)."""
    content = message.content
    if isinstance(content, Acknowledgement):
        return content.acknowledged_message_id
    return message.envelope.correlation_id


def refusal(message: Message, facts: Facts) -> SecurityError | None:
    """Why `message` is not its sender's to send, or None when it is."""
    return (
        _wrong_system(message.envelope, facts.own_state)
        or _not_yours(message, facts.answered)
        or _parties(message, facts.own_state)
        or _not_your_case(message.envelope, facts.case)
        or _impossible_time(message, facts.answered, facts.now)
    )


async def case_named_by(cases: CaseFinder, envelope: Envelope) -> StoredCase | None:
    """The case a DubliNet message belongs to: the request it names (its correlation), or the
    conversation of that request."""
    if not envelope.message_type.startswith("dublinet."):
        return None
    for named in (envelope.correlation_id, envelope.conversation_id):
        if named is not None and (case := await cases.case_by_message(str(named))) is not None:
            return case
    return None


async def facts_of(
    message: Message,
    *,
    own_state: str,
    outbound: OutboundFinder,
    cases: CaseFinder | None,
    now: datetime,
) -> Facts:
    """The facts `refusal` weighs, read from the outbox and the tracking store."""
    answers = answered_id(message)
    return Facts(
        own_state=own_state,
        answered=await outbound.get(str(answers)) if answers is not None else None,
        case=await case_named_by(cases, message.envelope) if cases is not None else None,
        now=now,
    )


def refusal_audit(message: Message, error: SecurityError, *, at: datetime) -> AuditRecord:
    """The audit entry of a refused message: who tried what, and the code it was refused with."""
    envelope = message.envelope
    answers = answered_id(message)
    return AuditRecord(
        at=at,
        kind="inbound.refused",
        subject=str(envelope.message_id),
        actor=f"{envelope.sender.authority}:{envelope.sender.system}",
        detail={
            "type": envelope.message_type,
            "code": error.code,
            "path": error.path,
            "answers": str(answers) if answers is not None else None,
            "conversation_id": str(envelope.conversation_id),
        },
    )


# -- the rules -----------------------------------------------------------------------------


def _sender(envelope: Envelope) -> str:
    return f"{envelope.sender.authority}:{envelope.sender.system}"


def _wrong_system(envelope: Envelope, own_state: str) -> SecurityError | None:
    family = envelope.message_type.split(".", 1)[0]
    sender = envelope.sender
    if family == "eurodac":
        entitled = (sender.authority, sender.system) == (EU_AUTHORITY, EURODAC_SYSTEM)
        who = "the Eurodac Central System (EU:eurodac)"
    else:
        entitled = sender.system == DUBLINET_SYSTEM and sender.authority not in {
            EU_AUTHORITY,
            own_state,
        }
        who = "another member state's DubliNet access point"
    if entitled:
        return None
    return SecurityError(
        "GW-IN-WRONG-SYSTEM",
        f"{envelope.message_type} comes from {who} only, not from {_sender(envelope)}",
        "Envelope/Sender",
    )


def _not_yours(message: Message, answered: StoredMessage | None) -> SecurityError | None:
    envelope, content = message.envelope, message.content
    if isinstance(content, Acknowledgement) and envelope.correlation_id not in (
        None,
        content.acknowledged_message_id,
    ):
        return SecurityError(
            "GW-IN-NOT-YOUR-MESSAGE",
            f"the acknowledgement names message {content.acknowledged_message_id} but "
            f"correlates with {envelope.correlation_id}",
            "Envelope/CorrelationId",
        )
    if answered is None or answered.peer == _sender(envelope):
        return None
    return SecurityError(
        "GW-IN-NOT-YOUR-MESSAGE",
        f"message {answered.message_id} was sent to {answered.peer}: {_sender(envelope)} "
        "cannot acknowledge or answer it",
        "AcknowledgedMessageId"
        if isinstance(content, Acknowledgement)
        else "Envelope/CorrelationId",
    )


def _parties(message: Message, own_state: str) -> SecurityError | None:
    """Rule 3: (the state the content says sent it, path), (the state it is for, path)."""
    content, sender = message.content, message.envelope.sender.authority
    named: list[tuple[str, str, str]] = []  # (role, state, path); role "from" or "to"
    if isinstance(content, DublinSubmission):
        request = content.request
        named += [
            ("from", request.requesting_state, "DublinReference/SenderState"),
            ("to", request.requested_state, "RequestedState"),
        ]
    elif isinstance(content, DublinReply):
        named += [("from", content.replying_state, "ReplyingState")]
    elif isinstance(content, ReexaminationRequest):
        named += [
            ("from", content.requesting_state, "RequestingState"),
            ("to", content.requested_state, "RequestedState"),
        ]
    elif isinstance(content, TransferArrangement):
        named += [
            ("from", content.transferring_state, "TransferringState"),
            ("to", content.receiving_state, "ReceivingState"),
        ]
    for role, state, path in named:
        if role == "from" and state != sender:
            return SecurityError(
                "GW-IN-WRONG-STATE",
                f"the {message.envelope.message_type} says {state} sent it, but {sender} did",
                path,
            )
        if role == "to" and state != own_state:
            return SecurityError(
                "GW-IN-NOT-FOR-US",
                f"the {message.envelope.message_type} is addressed to {state}, not {own_state}",
                path,
            )
    return None


def _not_your_case(envelope: Envelope, case: StoredCase | None) -> SecurityError | None:
    if case is None or case.other_state == envelope.sender.authority:
        return None
    return SecurityError(
        "GW-IN-NOT-YOUR-CASE",
        f"case {case.case_id} is with {case.other_state}: {envelope.sender.authority} "
        "cannot send on it",
        "Envelope/ConversationId",
    )


def _impossible_time(
    message: Message, answered: StoredMessage | None, now: datetime
) -> SecurityError | None:
    sent = answered.first_attempt_at if answered is not None else None
    if answered is not None and sent is None:
        return _time(
            f"message {answered.message_id} was never sent: nothing can acknowledge or answer it",
            "Envelope/CorrelationId",
        )
    made = message.envelope.created_at
    if made > now + CLOCK_SKEW:
        return _time(f"it was made at {made.isoformat()}, in the future", "Envelope/CreatedAt")
    if sent is not None and made < sent - CLOCK_SKEW:
        return _time(
            f"it was made at {made.isoformat()}, before the message it answers was first sent "
            f"at {sent.isoformat()}",
            "Envelope/CreatedAt",
        )
    if isinstance(message.content, Acknowledgement):
        return _impossible_receipt(message.content.received_at, made=made, sent=sent)
    return None


def _impossible_receipt(
    received: datetime, *, made: datetime, sent: datetime | None
) -> SecurityError | None:
    """An acknowledgement's time of receipt lies between our first sending and its making."""
    if received > made + CLOCK_SKEW:
        return _time(
            f"it says the message was received at {received.isoformat()}, after the "
            f"acknowledgement was made at {made.isoformat()}",
            "ReceivedAt",
        )
    if sent is not None and received < sent - CLOCK_SKEW:
        return _time(
            f"it says the message was received at {received.isoformat()}, before it was first "
            f"sent at {sent.isoformat()}",
            "ReceivedAt",
        )
    return None


def _time(sentence: str, path: str) -> SecurityError:
    return SecurityError("GW-IN-TIME", f"the time is impossible: {sentence}", path)
