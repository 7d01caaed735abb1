"""`/console/events`: server-sent events with queue counts and message state changes.

The store has no change feed that works across SQLite and PostgreSQL alike,
so one poller per application (the `EventHub`) reads it at an interval while
at least one browser listens, however many do, and hands every listener what
changed: `counts` (every peer and state) and `message` (a message whose state,
attempts or error changed, among the newest messages and those a listener
watches with `?watch=<id>`). A listener too slow to keep up is dropped; its
browser reconnects. Comments keep idle connections open through proxies.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from gateway.adapters.web.console.access import LOGIN, page
from gateway.adapters.web.directory import MessageRow
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.params import Text, query
from gateway.broker.records import StoredMessage
from gateway.ports import MessageFilter

__all__ = ["EVENT_HUB", "POLL_SECONDS", "EventHub", "events"]

POLL_SECONDS = web.AppKey("console_poll_seconds", float)
WATCHED_NEWEST = 200  # the newest messages whose changes every listener hears about
HEARTBEAT_SECONDS = 15.0
QUEUE_LIMIT = 500  # events waiting for one listener before it is dropped as too slow

Event = tuple[str, dict[str, Any]]
_CLOSED: Event = ("", {})


WATCH = Text(name="watch", description="also report this message's state")


@dataclass(eq=False)
class Listener:
    watch: str | None
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(QUEUE_LIMIT))

    def offer(self, event: Event) -> bool:
        """Queue an event; False when the listener has fallen too far behind."""
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            return False
        return True


class EventHub:
    """The one poller of the store for every open event stream of an application."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self._listeners: set[Listener] = set()
        self._counts: list[dict[str, Any]] | None = None
        self._seen: dict[str, tuple[str, int, str | None]] = {}
        self._poller: asyncio.Task[None] | None = None
        self._primed = False  # the first read only learns what there is
        self._closed = False

    @property
    def polling(self) -> bool:
        return self._poller is not None

    def subscribe(self, watch: str | None) -> Listener:
        listener = Listener(watch=watch or None)
        if self._counts is not None:
            listener.offer(("counts", {"counts": self._counts}))
        self._listeners.add(listener)
        if self._poller is None and not self._closed:
            self._poller = asyncio.create_task(self._poll(), name="console-events")
        return listener

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.discard(listener)

    async def close(self) -> None:
        """Wake every listener to end its stream, and stop polling."""
        self._closed = True
        for listener in list(self._listeners):
            with contextlib.suppress(asyncio.QueueFull):
                listener.queue.put_nowait(_CLOSED)
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller

    async def _poll(self) -> None:
        try:
            while self._listeners and not self._closed:
                await self._read_changes()
                await asyncio.sleep(self._app.get(POLL_SECONDS, 1.0))
        finally:
            self._poller = None
            self._seen.clear()  # a later poller starts afresh
            self._counts = None
            self._primed = False

    async def _read_changes(self) -> None:
        store = self._app[SERVICES].store
        counts = [
            {"peer": peer, "state": state.value, "count": count}
            for (peer, state), count in sorted((await store.counts()).items())
        ]
        if counts != self._counts:
            self._counts = counts
            self._broadcast(("counts", {"counts": counts}))
        current = await store.find(MessageFilter(limit=WATCHED_NEWEST))
        listed = {message.message_id for message in current}
        for watched in {listener.watch for listener in self._listeners} - {None} - listed:
            found = await store.get(str(watched))
            if found is not None:
                current.append(found)
        for message in current:
            fingerprint = (message.state.value, message.attempts, message.last_error)
            earlier = self._seen.get(message.message_id)
            self._seen[message.message_id] = fingerprint
            if earlier != fingerprint and self._primed:
                self._broadcast(("message", _change(message)))
        self._primed = True

    def _broadcast(self, event: Event) -> None:
        for listener in list(self._listeners):
            if not listener.offer(event):
                self._listeners.discard(listener)
                with contextlib.suppress(asyncio.QueueEmpty):
                    listener.queue.get_nowait()  # room for the end-of-stream mark
                listener.queue.put_nowait(_CLOSED)


EVENT_HUB = web.AppKey("console_event_hub", EventHub)


@page(LOGIN)
@query(WATCH)
async def events(request: web.Request) -> web.StreamResponse:
    hub = request.app[EVENT_HUB]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",  # nginx: do not hold the stream back
        }
    )
    await response.prepare(request)
    listener = hub.subscribe(WATCH.read(request))
    try:
        with contextlib.suppress(ConnectionResetError):  # the browser went away
            while True:
                try:
                    async with asyncio.timeout(HEARTBEAT_SECONDS):
                        event = await listener.queue.get()
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if event is _CLOSED:
                    break
                name, data = event
                await response.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
    finally:
        hub.unsubscribe(listener)
    return response


def _change(message: StoredMessage) -> dict[str, Any]:
    row = MessageRow.of_outbound(message)  # its error while it matters, as the lists show it
    return {
        "message_id": message.message_id,
        "peer": message.peer,
        "state": message.state.value,
        "attempts": message.attempts,
        "last_error": row.error,
        "updated_at": message.updated_at.isoformat(),
    }
