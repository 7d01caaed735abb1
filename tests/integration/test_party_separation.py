"""Trust separation between parties, end to end: a CA of one party never vouches for another.

FR's CA issues certificates naming NL. A message signed with such a key is refused
(GW-SIG-UNTRUSTED), and so is a TLS client presenting one, once the handshake has named
it (GW-TLS-UNTRUSTED-PARTY); a server presenting one is refused by the handshake itself.
Shown on the gateway running on the demo PKI of `eugw certs init`, and on the test PKI
with the gateway stand-in of the simulator tests; in each, NL's own certificates pass.
"""

from __future__ import annotations

import ssl
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pki import GATEWAY, NL, GeneratedPki, write_pair
from simkit import FakeGateway, signed
from web_rig import demo_data_dir, served_gateway

from gateway.adapters.http_transport import HttpTransport
from gateway.adapters.web.server import Endpoints
from gateway.app import peer_routes
from gateway.domain.dublin import DublinRegime
from gateway.domain.replies import Acknowledgement
from gateway.errors import SecurityError
from gateway.security.pki import Issued, KeyType, Usage, issue
from gateway.security.signer import Signer, SigningKey
from gateway.security.tls import client_context, server_context
from gateway.security.trust import TrustStore
from gateway.settings import Settings


def _ack_from_nl(signer: Signer) -> bytes:
    """A DubliNet acknowledgement from NL to the gateway, signed by `signer`."""
    content = Acknowledgement(acknowledged_message_id=uuid.uuid4(), received_at=datetime.now(UTC))
    _, body = signed(
        content,
        message_type="dublinet.ack",
        regime=DublinRegime.AMMR,
        recipient=GATEWAY,
        sender=NL,
        signer=signer,
    )
    return body


def _signer(issued: Issued) -> Signer:
    key = SigningKey(
        key_id="nl",
        private_key=issued.private_key,
        chain=(issued.certificate, *issued.intermediates),
    )
    return Signer([key], active="nl")


async def _post(url: str, body: bytes, context: ssl.SSLContext) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            url, data=body, headers={"Content-Type": "application/xml"}, ssl=context
        ) as answer,
    ):
        problem = await answer.json() if answer.content_type.endswith("json") else {}
        return answer.status, problem


# ----- the gateway on the demo PKI -------------------------------------------------------


def _demo_ca(demo: Path, party: str) -> Issued:
    folder = demo / "ca"
    key = serialization.load_pem_private_key(
        (folder / f"{party.lower()}-ca.key.pem").read_bytes(), password=None
    )
    certificate = x509.load_pem_x509_certificate(
        (folder / f"{party.lower()}-ca.cert.pem").read_bytes()
    )
    return Issued(certificate=certificate, private_key=key)  # type: ignore[arg-type]


def _naming_nl(ca: Issued, usage: Usage) -> Issued:
    return issue(
        ca,
        peer=NL,
        usage=usage,
        now=datetime.now(UTC),
        key_type=KeyType.EC,
        dns_names=["localhost"],
        ip_addresses=["127.0.0.1"],
    )


@asynccontextmanager
async def _gateway(data: Path) -> AsyncIterator[Endpoints]:
    settings = Settings(data_dir=data, api_port=0, inbound_port=0, dublinet_peers="")
    async with served_gateway(settings) as (_, endpoints):
        yield endpoints


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return demo_data_dir(tmp_path / "data")


def _nl_client(demo: Path, cert: Path, key: Path) -> ssl.SSLContext:
    trust = TrustStore.from_directory(demo / "trust")
    return client_context(cert_file=cert, key_file=key, trust=trust, server=GATEWAY)


async def test_the_gateway_refuses_a_signature_of_nl_by_frs_demo_ca(demo: Path) -> None:
    forged = _signer(_naming_nl(_demo_ca(demo, "FR"), Usage.SIGNING))
    nl_folder = demo / "peers" / "nl-dublinet"
    genuine = Signer(
        [
            SigningKey.from_pem(
                "nl",
                (nl_folder / "signing.key.pem").read_bytes(),
                (nl_folder / "signing.cert.pem").read_bytes(),
            )
        ],
        active="nl",
    )
    tls = _nl_client(demo, nl_folder / "tls-client.cert.pem", nl_folder / "tls-client.key.pem")
    async with _gateway(demo) as endpoints:
        refused = await _post(endpoints.inbound + "/v1/inbound", _ack_from_nl(forged), tls)
        passed = await _post(endpoints.inbound + "/v1/inbound", _ack_from_nl(genuine), tls)
    assert (refused[0], refused[1].get("code")) == (403, "GW-SIG-UNTRUSTED")
    assert passed == (204, {})  # the same message signed with NL's own key is taken


async def test_the_gateway_refuses_a_tls_client_naming_nl_from_frs_demo_ca(
    demo: Path, tmp_path: Path
) -> None:
    forged = _naming_nl(_demo_ca(demo, "FR"), Usage.TLS_CLIENT)
    cert, key = write_pair(forged, tmp_path / "forged", "client")
    async with _gateway(demo) as endpoints:
        status, problem = await _post(
            endpoints.inbound + "/v1/inbound", b"<x/>", _nl_client(demo, cert, key)
        )
    assert (status, problem.get("code")) == (403, "GW-TLS-UNTRUSTED-PARTY")


async def _taken(_: web.Request) -> web.Response:
    return web.Response(text="taken")


async def test_the_gateway_refuses_a_server_naming_nl_from_frs_demo_ca(
    demo: Path, tmp_path: Path
) -> None:
    forged = _naming_nl(_demo_ca(demo, "FR"), Usage.TLS_SERVER)
    cert, key = write_pair(forged, tmp_path / "forged", "server")
    trust = TrustStore.from_directory(demo / "trust")
    app = web.Application()
    app.router.add_post("/dublinet/NL", _taken)
    runner = web.AppRunner(app)
    await runner.setup()
    context = server_context(cert_file=cert, key_file=key, trust=trust)
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    port = runner.addresses[0][1]
    url = f"https://localhost:{port}/dublinet/NL"
    route = peer_routes(Settings(data_dir=demo, dublinet_peers="NL", dublinet_url=f"NL={url}"))
    transport = HttpTransport(route, timeout=5)
    try:
        with pytest.raises(SecurityError) as caught:
            await transport.deliver(peer="NL:dublinet", message_id="m-1", body=b"<x/>")
    finally:
        await transport.close()
        await runner.cleanup()
    assert caught.value.code == "GW-TLS-HANDSHAKE"


# ----- the test PKI, through the gateway stand-in ------------------------------------------


async def test_the_stand_in_refuses_nl_by_frs_test_ca_signing_and_over_tls(
    stand_in: FakeGateway, pki: GeneratedPki, tmp_path: Path
) -> None:
    def nl_tls(issued: Issued) -> ssl.SSLContext:
        cert, key = write_pair(issued, tmp_path / str(issued.certificate.serial_number), "c")
        return client_context(cert_file=cert, key_file=key, trust=pki.trust, server=GATEWAY)

    genuine, forged = _ack_from_nl(pki.signer(pki.nl)), _ack_from_nl(pki.signer(pki.nl_by_fr_ca))
    assert (await _post(stand_in.url, forged, nl_tls(pki.client)))[0] == 400
    assert (await _post(stand_in.url, genuine, nl_tls(pki.nl_client_by_fr_ca)))[0] == 400
    assert (await _post(stand_in.url, genuine, nl_tls(pki.client)))[0] == 200
    assert stand_in.refused == ["GW-SIG-UNTRUSTED", "GW-TLS-UNTRUSTED-PARTY"]
    assert [delivered.sender for delivered in stand_in.delivered] == ["NL:dublinet"]
