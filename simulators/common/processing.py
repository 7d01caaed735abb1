"""The processing loop: received messages whose time has come are handled, one at a time.

Each step queues the replies first and then, in one transaction, applies
the state changes and marks the message done. A crash in between processes
the message again after a restart: the replies have ids derived from the
message (the outbox keeps them once) and the state changes are idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import field
from datetime import datetime
from typing import Any, Protocol

from gateway.domain.frozen import frozen
from gateway.errors import GatewayError
from gateway.logging import get_logger
from simulators.common.sending import Outgoing, ReplySender
from simulators.common.state import Pending, SimDb

__all__ = ["Handler", "Processed", "Processor"]


@frozen
class Processed:
    """What handling one message decided: replies to send, state to change, a summary."""

    outcome: dict[str, Any]
    outgoing: tuple[Outgoing, ...] = ()
    effects: Callable[[sqlite3.Connection], None] | None = field(default=None)


class Handler(Protocol):
    async def process(self, pending: Pending, now: datetime) -> Processed: ...


class Processor:
    """Runs the handlers of the simulated endpoints over the messages that are due."""

    def __init__(
        self,
        *,
        db: SimDb,
        sender: ReplySender,
        handlers: Mapping[str, Handler],
        now: Callable[[], datetime],
        idle: float = 0.5,
    ) -> None:
        self._db = db
        self._sender = sender
        self._handlers = dict(handlers)
        self._now = now
        self._idle = idle

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            handled = await self.step()
            if not handled:
                await self._wait(stop)

    async def step(self) -> int:
        """Handle every message due now; returns how many."""
        due = await self._db.due(self._now())
        for pending in due:
            await self._handle(pending)
        return len(due)

    async def _handle(self, pending: Pending) -> None:
        log = get_logger(message_id=pending.message_id, peer=pending.endpoint)
        handler = self._handlers.get(pending.endpoint)
        try:
            processed = await self._process(handler, pending)
        except GatewayError as error:
            processed = Processed(outcome={"error": error.code, "detail": error.message})
            log.warning("processing failed", code=error.code)
        except Exception as error:  # one bad message must not stop the others (logged)
            processed = Processed(outcome={"error": "GW-INTERNAL", "detail": type(error).__name__})
            log.exception("processing failed", code="GW-INTERNAL", error_type=type(error).__name__)
        await self._sender.send(processed.outgoing)
        await self._db.finish(pending.message_id, processed.outcome, processed.effects)
        log.info("message processed", state="done", count=len(processed.outgoing))

    async def _process(self, handler: Handler | None, pending: Pending) -> Processed:
        if handler is None:
            raise GatewayError(
                "GW-SIM-UNKNOWN-ENDPOINT", f"no simulated endpoint {pending.endpoint}"
            )
        return await handler.process(pending, self._now())

    async def _wait(self, stop: asyncio.Event) -> None:
        self._db.work.clear()  # before looking, so an arrival after the look still wakes us
        wait = self._idle
        due = await self._db.next_due()
        if due is not None:
            wait = max(0.0, min(wait, (due - self._now()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                stopped = asyncio.ensure_future(stop.wait())
                woken = asyncio.ensure_future(self._db.work.wait())
                try:
                    await asyncio.wait({stopped, woken}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    stopped.cancel()
                    woken.cancel()
