"""Delivery over HTTPS with mutual TLS (aiohttp client), one route per peer.

Maps aiohttp's and ssl's exceptions to ours at this boundary: a peer that
cannot be reached or answers 5xx/408/429 is a `TransportError` (try again),
a TLS handshake failure a `SecurityError` (try again, and tell the operator),
any other 4xx a `RemoteError` (the peer refused the message for good).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping

import aiohttp

from gateway.domain.frozen import frozen
from gateway.errors import ConfigError, RemoteError, SecurityError, TransportError

__all__ = ["HttpTransport", "Route"]

_RETRYABLE_STATUS = frozenset({408, 425, 429})
_SNIPPET = 200  # characters of a refusal's body kept in the error


@frozen
class Route:
    """Where a peer listens, and the TLS context that proves us and checks it."""

    url: str
    ssl_context: ssl.SSLContext


class HttpTransport:
    """A `Transport` posting signed XML to each peer's endpoint."""

    def __init__(self, routes: Mapping[str, Route], *, timeout: float = 30.0) -> None:
        self.routes = dict(routes)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes:
        route = self.routes.get(peer)
        if route is None:
            raise ConfigError("GW-CFG-INVALID", f"no endpoint is configured for peer {peer}")
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {"Content-Type": "application/xml", "X-Message-Id": message_id}
        try:
            async with self._session.post(
                route.url, data=body, headers=headers, ssl=route.ssl_context
            ) as response:
                answer = await response.read()
                status = response.status
        except aiohttp.ClientConnectorCertificateError as error:
            raise SecurityError(
                "GW-TLS-HANDSHAKE", f"{peer}: the server certificate is not trusted ({error})"
            ) from None
        except (aiohttp.ClientSSLError, ssl.SSLError) as error:
            raise SecurityError(
                "GW-TLS-HANDSHAKE", f"{peer}: TLS handshake failed ({error})"
            ) from None
        except TimeoutError:
            raise TransportError("GW-TRN-TIMEOUT", f"{peer} did not answer in time") from None
        except (aiohttp.ClientError, OSError) as error:
            raise TransportError(
                "GW-TRN-REFUSED", f"{peer} could not be reached ({type(error).__name__})"
            ) from None
        if 200 <= status < 300:
            return answer
        snippet = answer[:_SNIPPET].decode("utf-8", errors="replace")
        if status >= 500 or status in _RETRYABLE_STATUS:
            raise TransportError("GW-TRN-HTTP", f"{peer} answered HTTP {status}: {snippet}")
        raise RemoteError("GW-RMT-REFUSED", f"{peer} refused the message, HTTP {status}: {snippet}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            await asyncio.sleep(0)  # let aiohttp close its connections (its documented advice)
