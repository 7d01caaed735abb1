"""Inbound: a peer's signed message in, verified, recorded once, acknowledged.

The TLS client certificate names the peer; the XML signature must be by that
same peer and the envelope must say so too. Only the signed element is read
(no signature wrapping). Then `gateway.pipeline.entitlement` decides whether
the message is its sender's to send (an acknowledgement from the party our
message went to, Eurodac messages from the Central System, a case's messages
from its other state...); a refused one is written to the audit trail only.
The message is recorded by its id, so a duplicate changes nothing, and in
the same transaction it acknowledges or answers the outbound message it
correlates with. Acknowledgements of our messages are checked here too, for
the dispatcher.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import field
from datetime import datetime, timedelta
from uuid import UUID

from gateway.broker.outbox import Outbox
from gateway.broker.records import InboundMessage, Receipt, StoredMessage
from gateway.broker.states import Event
from gateway.domain.frozen import frozen
from gateway.domain.replies import Acknowledgement
from gateway.errors import InputError, SecurityError
from gateway.messages import Message, new_envelope, parse_message
from gateway.messages.common import read_created_at
from gateway.pipeline.cpu_work import CpuTools, CpuWork, ThreadWork
from gateway.pipeline.entitlement import (
    CLOCK_SKEW,
    CaseFinder,
    Facts,
    facts_of,
    refusal,
    refusal_audit,
)
from gateway.pipeline.wire import Wire, peer_name
from gateway.ports import Clock
from gateway.security.identity import PeerId
from gateway.security.verifier import Verifier
from gateway.validation.parsing import XmlLimits, parse_xml
from gateway.validation.validator import validate

__all__ = ["Inbound", "MessageHandler", "acknowledgement_of", "verified_message"]

MessageHandler = Callable[[Message, Receipt], Awaitable[None]]
"""Called for every verified inbound message after it is recorded, a repeated one included
(tracking, results); must be idempotent. An error it raises reaches the peer as a refusal,
so the peer sends the message again."""

MAX_AGE = timedelta(hours=24)
"""How old a message may be when it arrives: a peer retries a delivery with the same
signed message for a while."""


@frozen
class Inbound:
    """Records the peers' messages, and checks their acknowledgements of ours."""

    outbox: Outbox
    wire: Wire
    verifier: Verifier
    clock: Clock
    executor: Executor
    limits: XmlLimits
    on_message: MessageHandler | None = None
    cpu: CpuWork | None = None  # where verifying and signing run (None: `executor`'s threads)
    cases: CaseFinder | None = None  # where Dublin cases are found, for the entitlement rule
    _work: CpuWork = field(init=False, repr=False, compare=False)  # `cpu` or threads: once

    def __post_init__(self) -> None:
        tools = CpuTools(wire=self.wire, verifier=self.verifier, limits=self.limits)
        object.__setattr__(self, "_work", self.cpu or ThreadWork(tools, self.executor))

    async def receive(self, body: bytes, *, tls_peer: PeerId) -> bytes | None:
        """Record a peer's message; the signed acknowledgement to answer with (None
        for an acknowledgement, which is not acknowledged in turn)."""
        message = await self._work.run(verified_message, body, tls_peer, self.clock.now())
        facts = await facts_of(
            message,
            own_state=self.wire.member_state,
            outbound=self.outbox.store,
            cases=self.cases,
            now=self.clock.now(),
        )
        await self._entitled(message, facts)
        envelope, content = message.envelope, message.content
        answers: UUID | None
        if isinstance(content, Acknowledgement):
            effect, answers = Event.ACKNOWLEDGE, content.acknowledged_message_id
        else:
            effect, answers = Event.ANSWER, envelope.correlation_id
        receipt = await self._record(message, body, tls_peer, answers, effect)
        if self.on_message is not None:
            # Also for a duplicate: if acting on it failed the first time (the peer got no
            # acknowledgement and sent it again), this is the second chance. Handlers are
            # idempotent.
            await self.on_message(message, receipt)
        if isinstance(content, Acknowledgement):
            return None
        return await self._work.run(acknowledgement_of, message, self.clock.now())

    async def check_acknowledgement(self, sent: StoredMessage, answer: bytes) -> None:
        """For the dispatcher: `answer` must be `sent`'s peer's signed acknowledgement of it.
        It is recorded (its time of receipt starts Dublin reply periods)."""
        peer = PeerId.parse(sent.peer)
        message = await self._work.run(verified_message, answer, peer, self.clock.now())
        content = message.content
        if (
            not isinstance(content, Acknowledgement)
            or str(content.acknowledged_message_id) != sent.message_id
        ):
            raise SecurityError(
                "GW-IN-NOT-AN-ACK",
                f"{sent.peer} answered message {sent.message_id} with something other than "
                "its acknowledgement",
            )
        facts = Facts(
            own_state=self.wire.member_state, answered=sent, case=None, now=self.clock.now()
        )
        await self._entitled(message, facts)
        receipt = await self._record(message, answer, peer, content.acknowledged_message_id, None)
        if self.on_message is not None:
            # Also for a duplicate: if acting on it failed the first time (the peer got no
            # acknowledgement and sent it again), this is the second chance. Handlers are
            # idempotent.
            await self.on_message(message, receipt)

    async def _entitled(self, message: Message, facts: Facts) -> None:
        """Refuse a message that is not its sender's to send; the refusal is audited."""
        error = refusal(message, facts)
        if error is not None:
            await self.outbox.store.append_audit([refusal_audit(message, error, at=facts.now)])
            raise error

    async def _record(
        self,
        message: Message,
        body: bytes,
        peer: PeerId,
        answers: UUID | None,
        effect: Event | None,
    ) -> Receipt:
        envelope = message.envelope
        message_id = str(envelope.message_id)
        return await self.outbox.store.receive(
            InboundMessage(
                message_id=message_id,
                peer=str(peer),
                message_type=envelope.message_type,
                conversation_id=str(envelope.conversation_id),
                correlation_id=str(answers) if answers is not None else None,
                received_at=self.clock.now(),
                body=self.outbox.cipher.seal(body, message_id=message_id),
            ),
            effect=effect,
        )


def verified_message(tools: CpuTools, body: bytes, peer: PeerId, now: datetime) -> Message:
    """Parse, verify as signed by `peer`, validate and read (a `CpuWork` task)."""
    root = parse_xml(body, tools.limits)
    created_at = read_created_at(root)
    if not now - MAX_AGE <= created_at <= now + CLOCK_SKEW:
        raise SecurityError(
            "GW-IN-STALE",
            f"the message was created at {created_at.isoformat()}, too far from now "
            f"(at most {MAX_AGE} before or {CLOCK_SKEW} after)",
            "Envelope/CreatedAt",
        )
    # `root` was parsed for this call and nothing else holds it: verified in place.
    verifier = tools.need_verifier()
    element = verifier.verify(root, expected=peer, at=created_at, handed_over=True).element
    validate(element, tools.wire.pack)
    message = parse_message(element)
    sender, recipient = message.envelope.sender, message.envelope.recipient
    if (sender.authority, sender.system) != (peer.party, peer.system):
        raise SecurityError(
            "GW-IN-WRONG-SENDER",
            f"the envelope names {peer_name(sender)} as sender, the certificate {peer}",
            "Envelope/Sender",
        )
    if recipient != tools.wire.us:
        raise InputError(
            "GW-IN-NOT-FOR-US",
            f"the message is for {peer_name(recipient)}, not {peer_name(tools.wire.us)}",
            "Envelope/Recipient",
        )
    return message


def acknowledgement_of(tools: CpuTools, message: Message, now: datetime) -> bytes:
    """Our signed acknowledgement of `message` (a `CpuWork` task)."""
    envelope = message.envelope
    family = envelope.message_type.split(".", 1)[0]
    ack = Message(
        envelope=new_envelope(
            message_type=f"{family}.ack",
            regime=envelope.regime,
            sender=tools.wire.us,
            recipient=envelope.sender,
            now=now,
            correlation_id=envelope.message_id,
            conversation_id=envelope.conversation_id,
        ),
        content=Acknowledgement(acknowledged_message_id=envelope.message_id, received_at=now),
    )
    return tools.wire.signed(ack)
