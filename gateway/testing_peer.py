"""A minimal receiving peer over mutual TLS, for tests and benchmarks.

It verifies each signed message (the signer must be the TLS client's peer),
answers with its own signed acknowledgement, and counts message ids, so that
a test can tell a message delivered twice from one acted on twice. For a
believable EU side with business rules, use the simulators.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from aiohttp import web

from gateway.domain.replies import Acknowledgement
from gateway.messages import Message, Party, new_envelope
from gateway.messages.common import read_envelope
from gateway.pipeline.wire import Wire
from gateway.security.identity import PeerId
from gateway.security.signer import Signer, SigningKey
from gateway.security.tls import peer_of, server_context
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier
from gateway.validation.parsing import parse_xml

__all__ = ["AckingPeer"]


@dataclass
class AckingPeer:
    """Serves `POST /<anything>` for `me`, with the keys of `eugw certs init`'s layout."""

    me: PeerId
    certs: Path  # the directory `eugw certs init` wrote
    seen: Counter[str] = field(default_factory=Counter)
    acknowledged_at: dict[str, float] = field(default_factory=dict)  # perf_counter times
    unreported: list[tuple[str, float]] = field(default_factory=list)  # for serve_and_report
    url: str = ""
    _runner: web.AppRunner | None = None
    _wire: Wire = field(init=False)
    _verifier: Verifier = field(init=False)

    @property
    def folder(self) -> Path:
        return self.certs / "peers" / f"{self.me.party.lower()}-{self.me.system}"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        trust = TrustStore.from_directory(self.certs / "trust")
        key = SigningKey.from_pem(
            str(self.me),
            (self.folder / "signing.key.pem").read_bytes(),
            (self.folder / "signing.cert.pem").read_bytes(),
        )
        self._wire = Wire(member_state="BE", signer=Signer([key], active=str(self.me)))
        self._verifier = Verifier(trust)
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/{path:.*}", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        context = server_context(
            cert_file=self.folder / "tls-server.cert.pem",
            key_file=self.folder / "tls-server.key.pem",
            trust=trust,
        )
        site = web.TCPSite(self._runner, host, port, ssl_context=context)
        await site.start()
        bound = self._runner.addresses[0][1]
        self.url = f"https://localhost:{bound}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        if ssl_object is None:
            raise web.HTTPForbidden(text="mutual TLS only")
        sender = peer_of(ssl_object)
        # Verified and signed on the event loop: the peer has a process of its own, and
        # a thread would only add hand-offs between threads that share one interpreter lock.
        ack = self._acknowledge(await request.read(), sender)
        return web.Response(body=ack, content_type="application/xml")

    def _acknowledge(self, body: bytes, sender: PeerId) -> bytes:
        now = datetime.now(tz=UTC)
        # Only the signed element is read; its envelope is all an acknowledgement needs.
        verified = self._verifier.verify(
            parse_xml(body), expected=sender, at=now, handed_over=True
        ).element
        envelope = read_envelope(verified)
        self.seen[str(envelope.message_id)] += 1
        ack = Message(
            envelope=new_envelope(
                message_type=f"{envelope.message_type.split('.', 1)[0]}.ack",
                regime=envelope.regime,
                sender=Party(authority=self.me.party, system=self.me.system),
                recipient=envelope.sender,
                now=now,
                correlation_id=envelope.message_id,
                conversation_id=envelope.conversation_id,
            ),
            content=Acknowledgement(acknowledged_message_id=envelope.message_id, received_at=now),
        )
        signed = self._wire.signed(ack)
        message_id = str(envelope.message_id)
        if message_id not in self.acknowledged_at:
            self.acknowledged_at[message_id] = time.perf_counter()
            self.unreported.append((message_id, self.acknowledged_at[message_id]))
        return signed


async def serve_and_report(certs: Path, report: TextIO) -> None:
    """Serve as the Eurodac Central System with `certs`' keys; write the URL, then one line
    `MESSAGE_ID PERF_COUNTER` per acknowledgement, until killed (a peer of its own process
    for `eugw bench pipeline --end-to-end`: on Linux perf_counter is one clock for all)."""
    peer = AckingPeer(me=PeerId(party="EU", system="eurodac"), certs=certs)
    print(await peer.start(), file=report, flush=True)
    while True:
        await asyncio.sleep(0.02)
        lines, peer.unreported = peer.unreported, []
        report.writelines(f"{message_id} {at}\n" for message_id, at in lines)
        report.flush()


if __name__ == "__main__":
    asyncio.run(serve_and_report(Path(sys.argv[1]), sys.stdout))
