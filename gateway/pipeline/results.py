"""Results to the national systems' webhooks: configured targets, signatures, the pump.

Each result goes through the outbox as a message to the peer
`webhook:<submitter>` under the result's id, so it is sealed at rest, retried
with the broker's policy, visible in the queue and delivered at least once;
the receiver de-duplicates on the `X-EUGW-Result-Id` header. The body is the
result's JSON, signed with HMAC-SHA256 over `<timestamp>.<body>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
from dataclasses import field

from gateway.broker.dispatcher import Dispatcher
from gateway.broker.outbox import Outbox
from gateway.broker.records import NewMessage
from gateway.domain.frozen import frozen
from gateway.errors import ConfigError, GatewayError
from gateway.logging import get_logger
from gateway.pipeline.services import Tracking

__all__ = [
    "RESULT_ID_HEADER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOK_PEER",
    "WebhookTarget",
    "parse_webhooks",
    "pump_results",
    "run_tracking",
    "sign_webhook",
    "verify_webhook",
]

WEBHOOK_PEER = "webhook:"
TIMESTAMP_HEADER = "X-EUGW-Timestamp"
SIGNATURE_HEADER = "X-EUGW-Signature"
RESULT_ID_HEADER = "X-EUGW-Result-Id"
SWEEP_EVERY = 60.0  # seconds between two looks for passed time limits
MAX_SKEW = 300  # seconds a receiver should accept between the timestamp and its clock


@frozen
class WebhookTarget:
    submitter: str
    url: str
    secret: str = field(repr=False)


def parse_webhooks(text: str) -> dict[str, WebhookTarget]:
    """`name=https://host/path;secret,other=...` → the target of each submitter."""
    targets: dict[str, WebhookTarget] = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        name, _, rest = entry.partition("=")
        url, _, secret = rest.partition(";")
        if not name.strip() or not url.startswith(("https://", "http://")) or len(secret) < 16:
            raise ConfigError(
                "GW-RES-WEBHOOK",
                "a webhook is name=URL;secret with an http(s) URL and a secret of 16 or more "
                f"characters, not {name.strip() or entry[:20]!r}...",
                "webhooks",
            )
        targets[name.strip()] = WebhookTarget(submitter=name.strip(), url=url, secret=secret)
    return targets


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: `v1=` and the hex HMAC-SHA256 of `<timestamp>.<body>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify_webhook(secret: str, timestamp: int, body: bytes, signature: str, *, now: int) -> bool:
    """For receivers: the signature is ours and the timestamp is recent."""
    fresh = abs(now - timestamp) <= MAX_SKEW
    return fresh and hmac.compare_digest(sign_webhook(secret, timestamp, body), signature)


async def pump_results(tracking: Tracking, outbox: Outbox, submitters: list[str]) -> int:
    """Queue the results not yet queued for the submitters that have a webhook."""
    results = await tracking.store.unqueued_results(submitters=submitters, limit=500)
    if not results:
        return 0
    await outbox.put(
        [
            NewMessage(
                message_id=result.result_id,
                peer=f"{WEBHOOK_PEER}{result.submitter}",
                message_type=f"result.{result.kind.value}",
                conversation_id=result.subject,
                body=result.payload.encode(),
            )
            for result in results
        ]
    )
    # Queued before marked: a crash in between queues them again, which the outbox ignores.
    await tracking.store.mark_queued([r.result_id for r in results], at=outbox.clock.now())
    return len(results)


async def run_tracking(
    tracking: Tracking | None,
    webhooks: Dispatcher | None,
    stop: asyncio.Event,
) -> None:
    """The periodic side of tracking: passed time limits, results to webhooks, until `stop`."""
    if tracking is None:
        return
    async with asyncio.TaskGroup() as group:
        group.create_task(_sweep(tracking, stop), name="tracking-sweep")
        if webhooks is not None:
            submitters = [peer.removeprefix(WEBHOOK_PEER) for peer in webhooks.peers]
            group.create_task(_pump(tracking, webhooks.outbox, submitters, stop), name="results")
            group.create_task(webhooks.run(stop), name="webhooks")


async def _sweep(tracking: Tracking, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            moved = await tracking.deadlines.sweep()
        except GatewayError as error:  # the store is down: try again at the next round
            get_logger().warning("tracking sweep failed", code=error.code)
            moved = 0
        if moved:
            get_logger().info("time limits passed", count=moved)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), SWEEP_EVERY)


async def _pump(
    tracking: Tracking, outbox: Outbox, submitters: list[str], stop: asyncio.Event
) -> None:
    while not stop.is_set():
        tracking.results.waiting.clear()
        try:
            await pump_results(tracking, outbox, submitters)
        except GatewayError as error:  # the store is down: the results wait for the next round
            get_logger().warning("results not queued", code=error.code)
        waiting = asyncio.ensure_future(tracking.results.waiting.wait())
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait(
            {waiting, stopped}, timeout=SWEEP_EVERY, return_when=asyncio.FIRST_COMPLETED
        )
        waiting.cancel()
        stopped.cancel()
