"""Webhooks: a `Transport` that POSTs a result to its submitter's URL, HMAC-signed.

Used by a dispatcher of its own (peers `webhook:<submitter>`), so results are
retried with the broker's policy. A 2xx answer is delivery; 400, 401, 403, 404,
410 and 422 are refusals for good (dead letter); anything else is tried again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import aiohttp

from gateway.errors import RemoteError, TransportError
from gateway.pipeline.results import (
    RESULT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WEBHOOK_PEER,
    WebhookTarget,
    sign_webhook,
)

__all__ = ["WebhookTransport"]

_FINAL = frozenset({400, 401, 403, 404, 410, 422})


class WebhookTransport:
    def __init__(
        self,
        targets: Mapping[str, WebhookTarget],
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.targets = dict(targets)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes:
        target = self.targets.get(peer.removeprefix(WEBHOOK_PEER))
        if target is None:
            raise RemoteError("GW-RES-WEBHOOK", f"no webhook is configured for {peer}", "webhooks")
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign_webhook(target.secret, timestamp, body),
            RESULT_ID_HEADER: message_id,
        }
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(target.url, data=body, headers=headers) as response:
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransportError(
                "GW-RES-WEBHOOK-DOWN", f"the webhook of {target.submitter} did not answer: {error}"
            ) from None
        if 200 <= status < 300:
            return b""
        if status in _FINAL:
            raise RemoteError("GW-RES-WEBHOOK-REFUSED", f"the webhook answered {status}")
        raise TransportError("GW-RES-WEBHOOK-DOWN", f"the webhook answered {status}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
