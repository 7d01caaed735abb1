"""Mutual TLS over real sockets on 127.0.0.1, with the PKI generated for this run."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from pki import GATEWAY, NL, GeneratedPki, write_pair

from gateway.errors import SecurityError
from gateway.security.pki import Issued
from gateway.security.tls import client_context, peer_of, server_context
from gateway.security.trust import TrustStore

SEEN = web.AppKey("seen", list[str])
TRUST = web.AppKey("trust", TrustStore)
REFUSED = (aiohttp.ClientError, ssl.SSLError, ConnectionError)

Server = Callable[..., AbstractAsyncContextManager[tuple[str, list[str]]]]


async def _whoami(request: web.Request) -> web.Response:
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    try:
        peer = peer_of(ssl_object, request.app[TRUST])
    except SecurityError as error:
        return web.Response(status=403, text=error.code)
    request.app[SEEN].append(str(peer))
    return web.Response(text=str(peer))


@pytest.fixture
def serve(pki: GeneratedPki, tmp_path: Path) -> Server:
    @asynccontextmanager
    async def running(
        certificate: Issued | None = None, trust: TrustStore | None = None
    ) -> AsyncIterator[tuple[str, list[str]]]:
        cert, key = write_pair(certificate or pki.server, tmp_path, "server")
        app = web.Application()
        app[SEEN] = []
        app[TRUST] = trust or pki.trust
        app.router.add_get("/whoami", _whoami)
        runner = web.AppRunner(app)
        await runner.setup()
        context = server_context(cert_file=cert, key_file=key, trust=app[TRUST])
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        try:
            host, port = runner.addresses[0][:2]
            yield f"https://{host}:{port}/whoami", app[SEEN]
        finally:
            await runner.cleanup()

    return running


async def _get(url: str, context: ssl.SSLContext) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url, ssl=context) as response:
        return response.status, await response.text()


def _client(pki: GeneratedPki, issued: Issued, tmp_path: Path) -> ssl.SSLContext:
    cert, key = write_pair(issued, tmp_path, "client")
    return client_context(cert_file=cert, key_file=key, trust=pki.trust, server=GATEWAY)


async def test_a_trusted_client_is_accepted_and_named(
    serve: Server, pki: GeneratedPki, tmp_path: Path
) -> None:
    async with serve() as (url, seen):
        status, text = await _get(url, _client(pki, pki.client, tmp_path))
    assert (status, text) == (200, "NL:dublinet")
    assert seen == [str(NL)]


@pytest.mark.parametrize("which", ["rogue_client", "revoked_client"])
async def test_an_untrusted_or_revoked_client_is_refused(
    serve: Server, pki: GeneratedPki, tmp_path: Path, which: str
) -> None:
    async with serve() as (url, seen):
        with pytest.raises(REFUSED):
            await _get(url, _client(pki, getattr(pki, which), tmp_path))
    assert seen == []


async def test_a_client_without_a_certificate_is_refused(serve: Server, pki: GeneratedPki) -> None:
    # The client trusts the server (BE's CA) and presents nothing.
    context = ssl.create_default_context(cadata=pki.cas["BE"].cert_pem.decode("ascii"))
    async with serve() as (url, seen):
        with pytest.raises(REFUSED):
            await _get(url, context)
    assert seen == []


async def test_the_client_refuses_an_untrusted_server(
    serve: Server, pki: GeneratedPki, tmp_path: Path
) -> None:
    async with serve(certificate=pki.rogue_server) as (url, seen):
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await _get(url, _client(pki, pki.client, tmp_path))
    assert seen == []


async def test_a_certificate_from_a_ca_of_another_party_is_refused(
    serve: Server, pki: GeneratedPki, tmp_path: Path
) -> None:
    # The handshake passes (the root is in the store), but the root is trusted
    # for France only, and the client claims to be the Netherlands.
    trust = TrustStore.checked(
        anchors={"FR": [pki.root.certificate], "NL": [pki.rogue_root.certificate]}
    )
    async with serve(trust=trust) as (url, seen):
        status, text = await _get(url, _client(pki, pki.client, tmp_path))
    assert (status, text) == (403, "GW-TLS-UNTRUSTED-PARTY")
    assert seen == []
