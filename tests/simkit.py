"""What the simulator tests share: their PKI on disk, a gateway stand-in, signed messages.

The gateway stand-in is the test's side of the wire contract: it posts signed
messages as BE:gateway over mutual TLS, and its inbound endpoint verifies
what the simulators deliver and answers with a signed acknowledgement.
"""

from __future__ import annotations

import ssl
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
from aiohttp import web
from pki import GeneratedPki, write_pair

from gateway.adapters.web.server import Endpoints
from gateway.broker.states import MessageState
from gateway.domain.eurodac import EurodacTransaction, Operation, ReferenceNumber, Regime
from gateway.domain.record import CanonicalRecord
from gateway.domain.replies import Acknowledgement
from gateway.messages import (
    Content,
    Envelope,
    Message,
    MessageRegime,
    Party,
    build_element,
    parse_message,
    serialize,
)
from gateway.messages.common import read_envelope
from gateway.messages.examples import example_record
from gateway.pipeline.services import Services
from gateway.ports import MessageFilter
from gateway.security.identity import PeerId
from gateway.security.pki import Issued, KeyType, Usage
from gateway.security.signer import Signer, SigningKey
from gateway.security.tls import client_context, peer_of, server_context
from gateway.security.verifier import Verifier
from gateway.synthetic.biometrics import biometric_set
from gateway.validation import parse_xml
from simulators.common.delivery import SendPolicy
from simulators.dublinet.peer import DublinetConfig
from simulators.eurodac.central import EurodacConfig
from simulators.runner import SimConfig, Simulator

GATEWAY = PeerId(party="BE", system="gateway")
FAST_DISPATCH = SendPolicy(
    base=timedelta(milliseconds=20), cap=timedelta(milliseconds=200), idle_poll=0.05
)
StartSimulator = Callable[..., Awaitable[Simulator]]
EURODAC = PeerId(party="EU", system="eurodac")
PARTIES = (EURODAC, *(PeerId(party=p, system="dublinet") for p in ("NL", "FR")))


def _tls(pki: GeneratedPki, peer: PeerId, usage: Usage) -> Issued:
    return pki.issue(
        pki.cas[peer.party],
        peer=peer,
        usage=usage,
        key_type=KeyType.EC,
        dns_names=["localhost"],
        ip_addresses=["127.0.0.1"],
    )


@dataclass(frozen=True, kw_only=True)
class Certs:
    """A certs directory in the `eugw certs init` layout, and the gateway's own material."""

    directory: Path
    gateway_signer: Signer
    gateway_server: tuple[Path, Path]
    gateway_client: tuple[Path, Path]


def write_certs(pki: GeneratedPki, directory: Path) -> Certs:
    """Each party's certificates issued by its own CA; `trust/<PARTY>/` holds that CA and
    its revocation list only."""
    pki.write_trust_dir(directory / "trust")
    for peer in PARTIES:
        folder = directory / "peers" / f"{peer.party.lower()}-{peer.system}"
        signing = pki.issue(
            pki.cas[peer.party], peer=peer, usage=Usage.SIGNING, key_type=KeyType.EC
        )
        write_pair(signing, folder, "signing")
        write_pair(_tls(pki, peer, Usage.TLS_SERVER), folder, "tls-server")
        write_pair(_tls(pki, peer, Usage.TLS_CLIENT), folder, "tls-client")
    signing = pki.issue(pki.cas["BE"], peer=GATEWAY, usage=Usage.SIGNING, key_type=KeyType.EC)
    key = SigningKey(
        key_id="be-gateway", private_key=signing.private_key, chain=(signing.certificate,)
    )
    return Certs(
        directory=directory,
        gateway_signer=Signer([key], active="be-gateway"),
        gateway_server=write_pair(
            _tls(pki, GATEWAY, Usage.TLS_SERVER), directory / "gateway", "server"
        ),
        gateway_client=write_pair(
            _tls(pki, GATEWAY, Usage.TLS_CLIENT), directory / "gateway", "client"
        ),
    )


def sim_config(data_dir: Path, gateway_url: str, **changes: object) -> SimConfig:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "gateway_url": gateway_url,
        "eurodac_port": 0,
        "dublinet_port": 0,
        "control_port": 0,
        "peers": ("NL", "FR"),
        "eurodac": EurodacConfig(processing_delay=timedelta(0)),
        "dublinet": DublinetConfig(reply_delay=timedelta(0), late_delay=timedelta(seconds=1)),
        "dispatch": FAST_DISPATCH,
    }
    values.update(changes)
    return SimConfig(**values)  # type: ignore[arg-type]


StartSimulator = Callable[..., Awaitable[Simulator]]


# ----- messages the gateway sends --------------------------------------------------------


def capture(
    *,
    person: int,
    national_part: str,
    capture_no: int = 0,
    regime: Regime = Regime.EURODAC_2024,
    category: int = 1,
    operation: Operation = Operation.ENROL,
    captured_on: date | None = None,
    member_state: str = "BE",
) -> CanonicalRecord:
    """Capture `capture_no` of synthetic person `person` (`gateway.synthetic.biometrics`),
    taken today unless told otherwise; the person's data are those of the example applicant."""
    base = example_record(regime, operation)
    taken = captured_on or datetime.now(UTC).date()
    return CanonicalRecord(
        person=base.person,
        biometrics=biometric_set(person, capture_no, regime, captured_on=taken),
        transaction=transaction(
            operation, national_part, regime=regime, category=category, member_state=member_state
        ),
    )


def transaction(
    operation: Operation,
    national_part: str,
    *,
    regime: Regime = Regime.EURODAC_2024,
    category: int = 1,
    member_state: str = "BE",
) -> EurodacTransaction:
    """The transaction of an act on the data set `<member_state><category><national_part>`."""
    return EurodacTransaction(
        operation=operation,
        regime=regime,
        category=category,
        reference=ReferenceNumber(
            member_state=member_state, category=category, national_part=national_part
        ),
    )


def signed(
    content: Content,
    *,
    message_type: str,
    regime: MessageRegime,
    recipient: PeerId,
    signer: Signer,
    sender: PeerId = GATEWAY,
    message_id: uuid.UUID | None = None,
    at: datetime | None = None,
) -> tuple[Envelope, bytes]:
    now = at or datetime.now(UTC)
    message_id = message_id or uuid.uuid4()
    envelope = Envelope(
        message_id=message_id,
        conversation_id=uuid.uuid4(),
        sender=Party(authority=sender.party, system=sender.system),
        recipient=Party(authority=recipient.party, system=recipient.system),
        created_at=now,
        regime=regime,
        message_type=message_type,
    )
    element = build_element(Message(envelope=envelope, content=content))
    return envelope, serialize(signer.sign(element, at=now))


# ----- the gateway stand-in --------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Delivered:
    message: Message
    sender: str  # the TLS client's peer
    body: bytes
    at: datetime  # when it arrived


@dataclass
class FakeGateway:
    """The gateway's inbound endpoint: verifies each delivery and acknowledges it, signed."""

    certs: Certs
    pki: GeneratedPki
    verifier: Verifier
    url: str = ""
    delivered: list[Delivered] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why deliveries could not be verified
    answer_status: int = 200
    _runner: web.AppRunner | None = None

    def messages(self, correlation: uuid.UUID | None = None) -> list[Message]:
        return [
            d.message
            for d in self.delivered
            if correlation is None or d.message.envelope.correlation_id == correlation
        ]

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
        body = await request.read()
        if self.answer_status != 200:
            return web.Response(status=self.answer_status)
        try:
            # As the gateway does: the TLS peer's CA must be one of its own party.
            tls_peer = peer_of(ssl_object, self.pki.trust)
            root = parse_xml(body)
            claimed = read_envelope(root)
            verified = self.verifier.verify(root, expected=tls_peer, at=claimed.created_at)
        except Exception as error:  # noqa: BLE001 - a test records every refusal
            self.refused.append(getattr(error, "code", type(error).__name__))
            return web.Response(status=400)
        message = parse_message(verified.element)
        self.delivered.append(
            Delivered(message=message, sender=str(tls_peer), body=body, at=datetime.now(UTC))
        )
        family = message.envelope.message_type.split(".")[0]
        _, ack = signed(
            Acknowledgement(
                acknowledged_message_id=message.envelope.message_id,
                received_at=datetime.now(UTC),
            ),
            message_type=f"{family}.ack",
            regime=message.envelope.regime,
            recipient=tls_peer,
            signer=self.certs.gateway_signer,
        )
        return web.Response(body=ack, content_type="application/xml")

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/v1/inbound", self.handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        cert, key = self.certs.gateway_server
        context = server_context(cert_file=cert, key_file=key, trust=self.pki.trust)
        site = web.TCPSite(self._runner, "127.0.0.1", port, ssl_context=context)
        await site.start()
        host, bound = self._runner.addresses[0][:2]
        self.url = f"https://{host}:{bound}/v1/inbound"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def gateway_client_context(
    certs: Certs, pki: GeneratedPki, server: PeerId | None
) -> ssl.SSLContext:
    """The gateway's client side: the server must hold a certificate of `server`'s party's
    CA (of any CA of the store when None)."""
    cert, key = certs.gateway_client
    return client_context(cert_file=cert, key_file=key, trust=pki.trust, server=server)


async def post(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    *,
    context: ssl.SSLContext,
    message_id: uuid.UUID | str,
) -> tuple[int, bytes, str]:
    async with session.post(
        url,
        data=body,
        headers={"Content-Type": "application/xml", "X-Message-Id": str(message_id)},
        ssl=context,
    ) as response:
        return response.status, await response.read(), response.content_type


def read_ack(verifier: Verifier, body: bytes, signer: PeerId) -> Message:
    root = parse_xml(body)
    verified = verifier.verify(root, expected=signer, at=read_envelope(root).created_at)
    return parse_message(verified.element)


@dataclass
class Both:
    services: Services
    endpoints: Endpoints
    simulator: Simulator
    token: str


async def exchanged_types(both: Both) -> set[str]:
    """The message types that went between the gateway and the simulators and were accepted:
    what the simulators received from the gateway (verified before it was stored), what
    they sent that the gateway acknowledged, and the acknowledgements of each family that
    each side verified (a message only turns acknowledged on a verified acknowledgement)."""
    simulator = both.simulator
    assert simulator.db is not None
    assert simulator.sender is not None
    rows = await simulator.db.run(
        lambda db: db.execute("SELECT DISTINCT message_type FROM received").fetchall()
    )
    received = {str(row["message_type"]) for row in rows}
    done = {MessageState.ACKNOWLEDGED, MessageState.ANSWERED}
    theirs = {
        entry.message_type
        for entry in await simulator.sender.outbox.entries()
        if entry.state == "acknowledged"
    }
    ours = {
        message.message_type
        for message in await both.services.store.find(MessageFilter(limit=10_000))
        if message.state in done
    }
    acks = {f"{kind.split('.')[0]}.ack" for kind in theirs | ours}
    return received | theirs | acks
