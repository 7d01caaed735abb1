"""The gateway's side of the wire in the simulator tests: one object that signs and posts
as BE:gateway over mutual TLS, waits for what the simulators deliver to the stand-in, and
reads and seeds the simulators' control API (the `wire` fixture of the integration tests).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import aiohttp
from pki import GeneratedPki
from polling import eventually
from simkit import EURODAC, Certs, FakeGateway, gateway_client_context, post, signed

from gateway.domain.eurodac import Regime
from gateway.domain.serialization import encode
from gateway.messages import Content, Envelope, Message, MessageRegime
from gateway.security.identity import PeerId
from gateway.security.signer import Signer

__all__ = ["Posted", "SimWire"]


class Posted(NamedTuple):
    """What one signed post left: the envelope sent and the server's answer."""

    envelope: Envelope
    status: int
    answer: bytes
    kind: str  # the answer's content type


@dataclass(frozen=True, kw_only=True)
class SimWire:
    session: aiohttp.ClientSession
    certs: Certs
    pki: GeneratedPki
    stand_in: FakeGateway

    async def post(
        self,
        url: str,
        content: Content,
        *,
        message_type: str = "eurodac.enrolment",
        regime: MessageRegime = Regime.EURODAC_2024,
        recipient: PeerId = EURODAC,
        server: PeerId | None = None,
        signer: Signer | None = None,
        message_id: uuid.UUID | None = None,
        spoil: Callable[[bytes], bytes] | None = None,
        header_id: uuid.UUID | None = None,
    ) -> Posted:
        """Sign `content` for `recipient` and post it to `url`, whose TLS certificate must be
        of `server`'s party (the recipient's unless told otherwise); `spoil` changes the
        signed body before it goes, `header_id` is an X-Message-Id other than the
        envelope's."""
        envelope, body = signed(
            content,
            message_type=message_type,
            regime=regime,
            recipient=recipient,
            signer=signer or self.certs.gateway_signer,
            message_id=message_id,
        )
        status, answer, kind = await post(
            self.session,
            url,
            spoil(body) if spoil else body,
            context=gateway_client_context(self.certs, self.pki, server or recipient),
            message_id=header_id or envelope.message_id,
        )
        return Posted(envelope, status, answer, kind)

    async def send(
        self,
        url: str,
        content: Content,
        message_type: str,
        regime: MessageRegime = Regime.EURODAC_2024,
    ) -> uuid.UUID:
        """Post `content` to Eurodac at `url`, which must take it (200); its message id."""
        posted = await self.post(url, content, message_type=message_type, regime=regime)
        assert posted.status == 200
        return posted.envelope.message_id

    async def reply(self, message_id: uuid.UUID, within: float = 20) -> Message:
        """The one message delivered to the stand-in in answer to `message_id`."""
        await eventually(lambda: bool(self.stand_in.messages(message_id)), within=within)
        [reply] = self.stand_in.messages(message_id)
        return reply

    async def read(self, url: str) -> Any:
        """A control API's answer to a GET of `url` (which must be 200), as JSON."""
        async with self.session.get(url) as response:
            assert response.status == 200
            return await response.json()

    async def seed(self, control_url: str, record: Any) -> None:
        """Store `record` in the simulated Central System as if another state had sent it."""
        async with self.session.post(
            f"{control_url}/control/eurodac/records", json=encode(record)
        ) as response:
            assert response.status == 201
