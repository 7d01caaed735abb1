"""A party holding its own valid demo certificate and signing key (nothing stolen, nothing
broken) that signs whatever it likes and delivers it to the gateway over mutual TLS."""

from __future__ import annotations

import io
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from simkit import Both

from gateway.broker.audit import AuditEntry
from gateway.messages import Content, Envelope, Message, MessageRegime, Party, build_element
from gateway.messages import serialize as to_bytes
from gateway.ports import MessageFilter
from gateway.security.identity import PeerId
from gateway.security.signer import Signer, SigningKey
from gateway.security.tls import client_context
from gateway.security.trust import TrustStore

__all__ = ["GATEWAY", "Attacker", "audit_of", "nothing_stored"]

GATEWAY = PeerId(party="BE", system="gateway")


@dataclass(frozen=True, kw_only=True)
class Attacker:
    """A party with its own valid signing key and TLS client certificate from the demo PKI:
    it signs whatever it likes and delivers it to the gateway's inbound endpoint."""

    peer: PeerId
    signer: Signer
    tls: ssl.SSLContext

    @classmethod
    def of(cls, data: Path, peer: PeerId) -> Attacker:
        folder = data / "peers" / f"{peer.party.lower()}-{peer.system}"
        key = SigningKey.from_pem(
            str(peer),
            (folder / "signing.key.pem").read_bytes(),
            (folder / "signing.cert.pem").read_bytes(),
        )
        trust = TrustStore.from_directory(data / "trust")
        tls = client_context(
            cert_file=folder / "tls-client.cert.pem",
            key_file=folder / "tls-client.key.pem",
            trust=trust,
            server=GATEWAY,
        )
        return cls(peer=peer, signer=Signer([key], active=str(peer)), tls=tls)

    def message(
        self,
        content: Content,
        *,
        message_type: str,
        regime: MessageRegime,
        correlation_id: str | uuid.UUID | None = None,
        conversation_id: str | uuid.UUID | None = None,
        at: datetime | None = None,
    ) -> Message:
        """A message whose envelope names this party as sender (as the gateway requires)."""
        return Message(
            envelope=Envelope(
                message_id=uuid.uuid4(),
                conversation_id=uuid.UUID(str(conversation_id))
                if conversation_id
                else uuid.uuid4(),
                sender=Party(authority=self.peer.party, system=self.peer.system),
                recipient=Party(authority=GATEWAY.party, system=GATEWAY.system),
                created_at=at or datetime.now(UTC),
                regime=regime,
                message_type=message_type,
                correlation_id=uuid.UUID(str(correlation_id)) if correlation_id else None,
            ),
            content=content,
        )

    def sign(self, message: Message) -> bytes:
        element = build_element(message)
        return to_bytes(self.signer.sign(element, at=message.envelope.created_at))

    async def deliver(
        self,
        gateway: Both,
        message: Message,
        *,
        spoil: Callable[[bytes], bytes] = lambda body: body,
        signed: bytes | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """POST the signed message (spoiled after signing, if asked) to the gateway's inbound
        endpoint over mutual TLS (or `signed`, signed some other way): the HTTP status and the
        problem document (or {})."""
        signed = self.sign(message) if signed is None else signed
        body = io.BytesIO(spoil(signed))  # streamed: it may be large
        headers = {
            "Content-Type": "application/xml",
            "X-Message-Id": str(message.envelope.message_id),
        }
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{gateway.endpoints.inbound}/v1/inbound", data=body, headers=headers, ssl=self.tls
            ) as got,
        ):
            answer = await got.read()
            problem = await got.json() if got.content_type.endswith("json") else {}
            assert answer is not None
            return got.status, problem


async def audit_of(gateway: Both) -> list[AuditEntry]:
    return await gateway.services.store.audit_entries(limit=100_000)


async def nothing_stored(gateway: Both, message: Message, audit_before: int) -> None:
    """A refused message left no trace: not recorded, nothing queued, no case, and nothing
    in the audit trail (what could not be verified could be anyone's)."""
    assert await gateway.services.store.inbound(str(message.envelope.message_id)) is None
    assert await gateway.services.store.find(MessageFilter(limit=10)) == []
    tracking = gateway.services.tracking
    assert tracking is not None
    assert await tracking.store.cases() == []
    assert len(await audit_of(gateway)) == audit_before
