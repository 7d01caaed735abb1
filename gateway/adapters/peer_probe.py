""" "Test the connection" to a peer: a real mutual-TLS handshake with the route's own context
(our client certificate, the CAs trusted for the peer, its revocation lists, the host name),
then one HTTP request to its endpoint over a new connection of the same kind.

What came back is a `ConnectionCheck`: the peer's certificate (subject, issuer, expiry, the
peer it names), the TLS version and cipher, the HTTP status, how long it took, or the
error's code and sentence. ssl's, asyncio's and aiohttp's exceptions are mapped here and go
no further: `GW-TLS-HANDSHAKE` (the peer's certificate is not trusted, or the handshake
failed), `GW-TRN-TIMEOUT`, `GW-TRN-REFUSED`, `GW-TRN-HTTP` (the HTTP request failed after
the handshake held).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography import x509

from gateway.adapters.http_transport import Route
from gateway.domain.frozen import frozen
from gateway.errors import SecurityError
from gateway.security.identity import peer_of_certificate

__all__ = ["ConnectionCheck", "PeerCertificate", "check_connection"]


@frozen
class PeerCertificate:
    subject: str
    issuer: str
    serial: str  # hex
    not_after: datetime
    days_left: int
    names: str  # the peer it names (party:system), or why it names none


@frozen
class ConnectionCheck:
    peer: str
    url: str
    at: datetime
    ok: bool  # the handshake held and the endpoint answered over HTTP
    milliseconds: int
    tls_version: str | None = None
    cipher: str | None = None
    certificate: PeerCertificate | None = None
    http_status: int | None = None
    code: str | None = None  # what failed, when something did
    sentence: str | None = None

    def as_detail(self) -> dict[str, object]:
        """What the audit trail keeps of it (no personal data: names of systems)."""
        return {
            "url": self.url,
            "ok": self.ok,
            "tls_version": self.tls_version,
            "http_status": self.http_status,
            "subject": self.certificate.subject if self.certificate else None,
            "not_after": self.certificate.not_after.isoformat() if self.certificate else None,
            "code": self.code,
            "sentence": self.sentence,
        }


async def check_connection(
    peer: str, route: Route, *, now: datetime, seconds: float = 10.0
) -> ConnectionCheck:
    """Shake hands with `peer` at `route` as a delivery would, then send it one GET."""
    started = time.monotonic()
    parts = urlsplit(route.url)
    host, port = parts.hostname or "", parts.port or 443

    def done(**found: Any) -> ConnectionCheck:
        took = round((time.monotonic() - started) * 1000)
        return ConnectionCheck(peer=peer, url=route.url, at=now, milliseconds=took, **found)

    try:
        async with asyncio.timeout(seconds):
            _, writer = await asyncio.open_connection(
                host, port, ssl=route.ssl_context, server_hostname=host
            )
    except ssl.SSLCertVerificationError as error:
        sentence = f"{peer}: the server certificate is not trusted ({error.verify_message})"
        return done(ok=False, code="GW-TLS-HANDSHAKE", sentence=sentence)
    except ssl.SSLError as error:
        sentence = f"{peer}: the TLS handshake failed ({error.reason or error})"
        return done(ok=False, code="GW-TLS-HANDSHAKE", sentence=sentence)
    except TimeoutError:
        sentence = f"{peer} did not complete a TLS handshake within {seconds:g} s"
        return done(ok=False, code="GW-TRN-TIMEOUT", sentence=sentence)
    except OSError as error:
        reason = os.strerror(error.errno) if error.errno else type(error).__name__
        sentence = f"{peer} could not be reached at {host}:{port} ({reason})"
        return done(ok=False, code="GW-TRN-REFUSED", sentence=sentence)
    try:
        tls = writer.get_extra_info("ssl_object")
        found = _certificate(tls.getpeercert(binary_form=True), now) if tls else None
        version, cipher = (tls.version(), (tls.cipher() or ("",))[0]) if tls else (None, None)
    finally:
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):  # a peer may drop an idle connection
            await writer.wait_closed()
    shaken = {"tls_version": version, "cipher": cipher, "certificate": found}
    try:
        status = await _http_status(route, seconds)
    except (TimeoutError, aiohttp.ClientError, OSError, ssl.SSLError) as error:
        sentence = f"the handshake held, then the HTTP request failed ({type(error).__name__})"
        return done(ok=False, code="GW-TRN-HTTP", sentence=sentence, **shaken)
    return done(ok=True, http_status=status, **shaken)


async def _http_status(route: Route, seconds: float) -> int:
    client_timeout = aiohttp.ClientTimeout(total=seconds)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.get(route.url, ssl=route.ssl_context) as response,
    ):
        return response.status


def _certificate(der: bytes | None, now: datetime) -> PeerCertificate | None:
    if not der:
        return None
    certificate = x509.load_der_x509_certificate(der)
    try:
        names = str(peer_of_certificate(certificate))
    except SecurityError as error:
        names = f"{error.code}: {error.message}"
    end = certificate.not_valid_after_utc
    return PeerCertificate(
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        serial=f"{certificate.serial_number:x}",
        not_after=end,
        days_left=(end - now).days,
        names=names,
    )
