"""`/console/events`: server-sent events with queue counts and message state changes.

The store is polled (it has no change feed that works across SQLite and
PostgreSQL alike); a client is sent only what changed since its last
event: `counts` (every peer and state) and `message` (one message whose
state, attempts or error changed, among the newest messages and the one
named by `?watch=`). Comments keep idle connections open through proxies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from aiohttp import web

from gateway.adapters.web.console.access import READERS, page
from gateway.adapters.web.keys import SERVICES
from gateway.broker.records import StoredMessage
from gateway.ports import MessageFilter

__all__ = ["EVENTS_STOP", "POLL_SECONDS", "events"]

POLL_SECONDS = web.AppKey("console_poll_seconds", float)
EVENTS_STOP = web.AppKey("console_events_stop", asyncio.Event)
WATCHED_NEWEST = 200  # the newest messages whose changes every client hears about
HEARTBEAT_EVERY = 15  # polls between two keep-alive comments


@page(*READERS)
async def events(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    stop = request.app[EVENTS_STOP]
    every = request.app.get(POLL_SECONDS, 1.0)
    watched = request.query.get("watch", "")
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # nginx: do not hold the stream back
        }
    )
    await response.prepare(request)
    last_counts: Any = None
    seen: dict[str, tuple[str, int, str | None]] = {}
    polls = 0
    with contextlib.suppress(ConnectionResetError):  # the browser went away
        while not stop.is_set():
            counts = [
                {"peer": peer, "state": state.value, "count": count}
                for (peer, state), count in sorted((await services.store.counts()).items())
            ]
            if counts != last_counts:
                await _send(response, "counts", {"counts": counts})
                last_counts = counts
            current = await services.store.find(MessageFilter(limit=WATCHED_NEWEST))
            if watched:
                one = await services.store.get(watched)
                current = [*current, *([one] if one is not None else [])]
            for message in current:
                fingerprint = (message.state.value, message.attempts, message.last_error)
                if seen.get(message.message_id, fingerprint) != fingerprint or (
                    message.message_id not in seen and polls > 0
                ):
                    await _send(response, "message", _change(message))
                seen[message.message_id] = fingerprint
            polls += 1
            if polls % HEARTBEAT_EVERY == 0:
                await response.write(b": keep-alive\n\n")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)
    return response


async def _send(response: web.StreamResponse, name: str, data: dict[str, Any]) -> None:
    await response.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())


def _change(message: StoredMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "peer": message.peer,
        "state": message.state.value,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "updated_at": message.updated_at.isoformat(),
    }
