"""The dispatcher: one worker per peer, sending what the outbox holds.

A worker keeps up to `batch` due messages of its peer in flight: it claims
them (with a lease, so a crashed process's messages are taken over), delivers
them concurrently, and claims more as sends end or new messages arrive, so
no message waits for the slowest of a batch. Each outcome is recorded:
acknowledged, retry at a time chosen by the retry policy, or dead. The
peer's circuit breaker stops sends while the peer is down. A message is not
claimed while an earlier one of its order key is being sent (the store holds
it back), so concurrency keeps their order.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import field
from datetime import datetime, timedelta
from typing import Any, Protocol

from gateway.broker.breaker import BreakerPolicy, Circuit
from gateway.broker.lifecycle import LeaseLostError
from gateway.broker.outbox import Outbox
from gateway.broker.records import StoredMessage
from gateway.broker.retry import GiveUp, RetryPolicy, decide
from gateway.broker.states import Event
from gateway.domain.frozen import frozen
from gateway.errors import GatewayError, RemoteError, SecurityError
from gateway.logging import get_logger
from gateway.ports import Transport

__all__ = ["AckCheck", "Dispatcher", "DispatcherPolicy", "SendObserver"]

AckCheck = Callable[[StoredMessage, bytes], Awaitable[None]]
"""Verifies a peer's acknowledgement of a message; raises a GatewayError if it is not one."""


class SendObserver(Protocol):
    """Told the outcome of every send attempt (for metrics): `outcome` is "acknowledged",
    "retry", "dead" or "refused"; `seconds` is how long the delivery took. Told too of a
    peer that failed a security check (`code`: its TLS certificate not trusted, its
    acknowledgement's signature refused)."""

    def observe_send(self, *, peer: str, outcome: str, seconds: float) -> None: ...

    def observe_security(self, *, peer: str, code: str) -> None: ...


class _Unobserved:
    def observe_send(self, *, peer: str, outcome: str, seconds: float) -> None:
        return None

    def observe_security(self, *, peer: str, code: str) -> None:
        return None


@frozen
class DispatcherPolicy:
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: BreakerPolicy = field(default_factory=BreakerPolicy)
    lease: timedelta = timedelta(seconds=60)
    batch: int = 32  # messages in flight at once per peer (16 left a peer idle)
    idle_poll: float = 5.0  # seconds a worker sleeps when nothing is announced


async def _accept_any(_: StoredMessage, __: bytes) -> None:
    return None


class Dispatcher:
    """Sends queued messages to their peers until stopped."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        transport: Transport,
        peers: Sequence[str],
        policy: DispatcherPolicy | None = None,
        check_ack: AckCheck = _accept_any,
        worker_id: str | None = None,
        jitter: Callable[[], float] = random.random,
        observer: SendObserver | None = None,
    ) -> None:
        self.outbox = outbox
        self.transport = transport
        self.peers = tuple(peers)
        self.policy = policy or DispatcherPolicy()
        self.check_ack = check_ack
        self.worker_id = worker_id or f"dispatcher-{uuid.uuid4().hex[:8]}"
        self.circuits = {peer: Circuit(self.policy.breaker) for peer in self.peers}
        self._jitter = jitter
        self.observer: SendObserver = observer or _Unobserved()

    async def run(self, stop: asyncio.Event) -> None:
        """Run one worker per peer until `stop` is set."""
        async with asyncio.TaskGroup() as group:
            for peer in self.peers:
                group.create_task(self._work(peer, stop), name=f"dispatch-{peer}")

    async def _work(self, peer: str, stop: asyncio.Event) -> None:
        log = get_logger(peer=peer)
        sending: set[asyncio.Task[None]] = set()
        try:
            while not stop.is_set():
                try:
                    room = self.policy.batch - len(sending)
                    claimed = await self._claim(peer, room)
                    sending.update(asyncio.create_task(self._send(m)) for m in claimed)
                    if not sending:
                        await self._idle(peer, stop)
                        continue
                    await self._until_one_ends(sending, stop, more=len(claimed) < room)
                    _collect(sending)
                except GatewayError as error:  # the store is away: wait, then try again
                    log.warning("dispatch round failed", code=error.code, reason=error.message)
                    await self._pause(stop, self.policy.idle_poll)
        finally:
            await asyncio.gather(*sending, return_exceptions=True)  # their outcomes recorded

    async def _until_one_ends(
        self, sending: set[asyncio.Task[None]], stop: asyncio.Event, *, more: bool
    ) -> None:
        """Until a send ends, or stop; with room left (`more`), also until new work."""
        waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(stop.wait())]
        if more:
            waiters.append(
                asyncio.ensure_future(
                    self.outbox.store.wait_for_work(at_most=self.policy.idle_poll)
                )
            )
        try:
            watched: set[asyncio.Future[Any]] = {*sending, *waiters}
            await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    @staticmethod
    async def _pause(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    async def _idle(self, peer: str, stop: asyncio.Event) -> None:
        now = self.outbox.clock.now()
        wait = self.policy.idle_poll
        retry_in = self.circuits[peer].retry_in(now).total_seconds()
        if retry_in:
            wait = min(wait, retry_in)
        due = await self.outbox.store.next_due(peer=peer)
        if due is not None:
            wait = min(wait, max(0.0, (due - now).total_seconds()))
        if stop.is_set() or wait <= 0:
            return
        stopped = asyncio.ensure_future(stop.wait())
        work = asyncio.ensure_future(self.outbox.store.wait_for_work(at_most=wait))
        await asyncio.wait({stopped, work}, return_when=asyncio.FIRST_COMPLETED)
        for waiter in (stopped, work):
            waiter.cancel()

    async def send_due(self, peer: str) -> int:
        """One round for a peer: claim a batch and deliver it. Returns how many were tried."""
        batch = await self._claim(peer, self.policy.batch)
        await asyncio.gather(*(self._send(message) for message in batch))
        return len(batch)

    async def _claim(self, peer: str, limit: int) -> list[StoredMessage]:
        now = self.outbox.clock.now()
        if limit <= 0 or not self.circuits[peer].allows(now):
            return []
        batch = await self.outbox.store.claim(
            worker=self.worker_id, now=now, lease=self.policy.lease, limit=limit, peer=peer
        )
        if not batch:
            self.circuits[peer].record_success()  # an unused half-open trial is no failure
        return batch

    async def _send(self, message: StoredMessage) -> None:
        log = get_logger(message_id=message.message_id, peer=message.peer, attempt=message.attempts)
        circuit = self.circuits[message.peer]
        try:
            body = self.outbox.body_of(message)
        except GatewayError as error:  # erased or unreadable: sending again cannot help
            await self._record(message, Event.GIVE_UP, detail=f"{error.code}: {error.message}")
            log.warning("message cannot be sent", code=error.code, state="dead")
            return
        started = time.perf_counter()
        try:
            answer = await self.transport.deliver(
                peer=message.peer, message_id=message.message_id, body=body
            )
            await self.check_ack(message, answer)
        except RemoteError as error:
            self._observe(message, "refused", started)
            circuit.record_success()  # the peer is up; it refused this message
            await self._record(message, Event.GIVE_UP, detail=f"{error.code}: {error.message}")
            log.warning("message refused by the peer", code=error.code, state="dead")
            return
        except GatewayError as error:
            if isinstance(error, SecurityError):  # an operator must look: tell them
                self.observer.observe_security(peer=message.peer, code=error.code)
                log.warning(
                    "the peer failed a security check", code=error.code, reason=error.message
                )
            circuit.record_failure(self.outbox.clock.now())
            seconds = time.perf_counter() - started
            dead = await self._retry_or_give_up(message, error)
            self.observer.observe_send(
                peer=message.peer, outcome="dead" if dead else "retry", seconds=seconds
            )
            return
        self._observe(message, "acknowledged", started)
        circuit.record_success()
        await self._record(message, Event.ACKNOWLEDGE)
        log.info("message acknowledged", state="acknowledged")

    def _observe(self, message: StoredMessage, outcome: str, started: float) -> None:
        seconds = time.perf_counter() - started
        self.observer.observe_send(peer=message.peer, outcome=outcome, seconds=seconds)

    async def _retry_or_give_up(self, message: StoredMessage, error: GatewayError) -> bool:
        """Record a failed send; True when the message is now dead."""
        now = self.outbox.clock.now()
        detail = f"{error.code}: {error.message}"
        decision = decide(
            self.policy.retry,
            attempts=message.attempts,
            first_attempt_at=message.first_attempt_at or now,
            now=now,
            random=self._jitter,
        )
        log = get_logger(message_id=message.message_id, peer=message.peer, code=error.code)
        if isinstance(decision, GiveUp):
            await self._record(message, Event.GIVE_UP, detail=f"{detail}; {decision.reason}")
            log.warning("message dead", reason=decision.reason, state="dead")
            return True
        await self._record(message, Event.FAIL, detail=detail, retry_at=decision.at)
        log.info("send failed, will retry", state="retry_wait", attempt=message.attempts)
        return False

    async def _record(
        self,
        message: StoredMessage,
        event: Event,
        *,
        detail: str = "",
        retry_at: datetime | None = None,
    ) -> None:
        try:
            await self.outbox.store.record(
                message.message_id,
                event,
                at=self.outbox.clock.now(),
                worker=self.worker_id,
                retry_at=retry_at,
                detail=detail,
            )
        except LeaseLostError:
            # Another worker took the message over after our lease ran out; its
            # outcome counts. The peer de-duplicates on the message id.
            get_logger(message_id=message.message_id).warning("lease lost", state="sending")


def _collect(sending: set[asyncio.Task[None]]) -> None:
    """Take the sends that ended out of `sending`; a failure to record one is raised."""
    ended = [task for task in sending if task.done()]
    sending.difference_update(ended)
    failures = [error for task in ended if (error := task.exception()) is not None]
    if failures:
        raise failures[0]
