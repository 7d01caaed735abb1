"""How the simulated parties reach the gateway: HTTPS with mutual TLS, one route per party,
and how patient they are with a message the gateway did not take.

`HttpSender.deliver` maps aiohttp's and ssl's exceptions to ours: unreachable, a timeout,
HTTP 5xx/408/425/429 or a failed TLS handshake is worth another try (`TransportError`,
`SecurityError`); any other 4xx is the gateway refusing the message for good
(`RemoteError`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable, Mapping
from datetime import timedelta

import aiohttp

from gateway.domain.frozen import frozen
from gateway.errors import ConfigError, RemoteError, SecurityError, TransportError

__all__ = ["HttpSender", "Route", "SendPolicy", "retry_delay"]

_RETRYABLE_STATUS = frozenset({408, 425, 429})
_SNIPPET = 200  # characters of a refusal's body kept in the error


@frozen
class Route:
    """Where the gateway listens, and the TLS context that proves the party and checks it."""

    url: str
    ssl_context: ssl.SSLContext


@frozen
class SendPolicy:
    """Retries with exponential backoff and full jitter, up to `max_attempts`."""

    base: timedelta = timedelta(seconds=2)
    cap: timedelta = timedelta(minutes=10)
    max_attempts: int = 12
    batch: int = 32  # messages in flight at once
    idle_poll: float = 1.0  # seconds the sender sleeps when nothing is queued

    def __post_init__(self) -> None:
        if self.base <= timedelta(0) or self.cap < self.base or self.max_attempts < 1:
            raise ConfigError("GW-CFG-INVALID", "a send policy needs 0 < base <= cap, attempts")


def retry_delay(policy: SendPolicy, attempts: int, random: Callable[[], float]) -> timedelta:
    """How long to wait after `attempts` failed attempts (full jitter below the ceiling)."""
    delay: timedelta = min(policy.cap, policy.base * 2 ** min(attempts - 1, 30)) * random()
    return delay


class HttpSender:
    """Posts signed XML to the gateway over each party's route."""

    def __init__(self, routes: Mapping[str, Route], *, timeout: float = 30.0) -> None:
        self.routes = dict(routes)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes:
        """Post `body` on route `peer`; the gateway's answer (its acknowledgement)."""
        route = self.routes.get(peer)
        if route is None:
            raise ConfigError("GW-CFG-INVALID", f"no route to the gateway for {peer}")
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {"Content-Type": "application/xml", "X-Message-Id": message_id}
        try:
            async with self._session.post(
                route.url, data=body, headers=headers, ssl=route.ssl_context
            ) as response:
                answer, status = await response.read(), response.status
        except aiohttp.ClientConnectorCertificateError as error:
            raise SecurityError(
                "GW-TLS-HANDSHAKE", f"{peer}: the gateway's certificate is not trusted ({error})"
            ) from None
        except (aiohttp.ClientSSLError, ssl.SSLError) as error:
            raise SecurityError(
                "GW-TLS-HANDSHAKE", f"{peer}: TLS handshake failed ({error})"
            ) from None
        except TimeoutError:
            raise TransportError("GW-TRN-TIMEOUT", f"{peer}: the gateway did not answer") from None
        except (aiohttp.ClientError, OSError) as error:
            raise TransportError(
                "GW-TRN-REFUSED",
                f"{peer}: the gateway could not be reached ({type(error).__name__})",
            ) from None
        if 200 <= status < 300:
            return answer
        snippet = answer[:_SNIPPET].decode("utf-8", errors="replace")
        if status >= 500 or status in _RETRYABLE_STATUS:
            raise TransportError(
                "GW-TRN-HTTP", f"{peer}: the gateway answered HTTP {status}: {snippet}"
            )
        raise RemoteError("GW-RMT-REFUSED", f"the gateway refused it, HTTP {status}: {snippet}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
            await asyncio.sleep(0)  # let aiohttp close its connections (its documented advice)
