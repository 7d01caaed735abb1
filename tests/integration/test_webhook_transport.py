"""The webhook transport against a real HTTP server: signed, and its answers classified."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from web_rig import webhook_site

from gateway.adapters.webhook_transport import WebhookTransport
from gateway.errors import RemoteError, TransportError
from gateway.pipeline.results import (
    RESULT_ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookTarget,
    verify_webhook,
)

SECRET = "0123456789abcdef-secret"  # noqa: S105 - a test value


class Receiver:
    def __init__(self) -> None:
        self.status = 204
        self.seen: list[tuple[dict[str, str], bytes]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append((dict(request.headers), await request.read()))
        return web.Response(status=self.status)


@pytest.fixture
async def served() -> AsyncIterator[tuple[Receiver, WebhookTransport]]:
    receiver = Receiver()
    async with webhook_site(receiver.handle) as url:
        transport = WebhookTransport(
            {"evibel": WebhookTarget(submitter="evibel", url=url, secret=SECRET)},
            clock=lambda: 1_700_000_000.5,
        )
        try:
            yield receiver, transport
        finally:
            await transport.close()


async def test_a_result_is_posted_signed_with_its_id(
    served: tuple[Receiver, WebhookTransport],
) -> None:
    receiver, transport = served
    body = b'{"result_id": "r-1", "kind": "hit"}'
    assert await transport.deliver(peer="webhook:evibel", message_id="r-1", body=body) == b""
    [(headers, sent)] = receiver.seen
    assert sent == body
    assert headers[RESULT_ID_HEADER] == "r-1"
    assert headers[TIMESTAMP_HEADER] == "1700000000"
    assert verify_webhook(SECRET, 1_700_000_000, sent, headers[SIGNATURE_HEADER], now=1_700_000_000)


@pytest.mark.parametrize(
    ("status", "error", "code"),
    [
        (410, RemoteError, "GW-RES-WEBHOOK-REFUSED"),
        (422, RemoteError, "GW-RES-WEBHOOK-REFUSED"),
        (500, TransportError, "GW-RES-WEBHOOK-DOWN"),
        (429, TransportError, "GW-RES-WEBHOOK-DOWN"),
    ],
)
async def test_answers_are_refusals_or_failures_to_retry(
    served: tuple[Receiver, WebhookTransport], status: int, error: type[Exception], code: str
) -> None:
    receiver, transport = served
    receiver.status = status
    with pytest.raises(error) as raised:
        await transport.deliver(peer="webhook:evibel", message_id="r-1", body=b"{}")
    assert raised.value.code == code  # type: ignore[attr-defined]


async def test_an_unknown_submitter_and_an_unreachable_hook_are_told_apart() -> None:
    target = WebhookTarget(submitter="evibel", url="http://127.0.0.1:9/hook", secret=SECRET)
    transport = WebhookTransport({"evibel": target}, timeout=2)
    try:
        with pytest.raises(RemoteError):
            await transport.deliver(peer="webhook:actio", message_id="r-1", body=b"{}")
        with pytest.raises(TransportError):
            await transport.deliver(peer="webhook:evibel", message_id="r-1", body=b"{}")
    finally:
        await transport.close()
