"""Prometheus metrics of the gateway, in a registry of its own (one per running gateway).

The dispatcher reports each send (`observe_send`: latency, retries, dead
letters); the HTTP layer counts requests and refused inbound deliveries
(`observe_refused`); gauges (queue depth, circuit state, certificate
expiry, deadlines) are set from the store and the dispatcher just before
each scrape, so they are never stale.

Deadlines come from the tracking side: whoever owns them registers an async
function with `watch_deadlines`, which returns counts by status (for
example {"due": 3, "overdue": 1}); until then the gauge stays absent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE", "CertificateExpiry", "DeadlineCounter", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST

DeadlineCounter = Callable[[], Awaitable[Mapping[str, int]]]
"""Counts of deadlines by status ("due", "overdue", ...), from the tracking side."""

CertificateExpiry = tuple[str, str, int]
"""(file, peer, days left) of one certificate."""

# Sends to a peer take from milliseconds (a local simulator) to the transport's timeout.
_SEND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """What `/metrics` shows; implements the dispatcher's `SendObserver`."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.sends = Histogram(
            "eugw_send_duration_seconds",
            "Time to deliver a message to a peer and check its acknowledgement.",
            ["peer", "outcome"],
            buckets=_SEND_BUCKETS,
            registry=self.registry,
        )
        self.retries = Counter(
            "eugw_send_retries", "Sends that failed and will be tried again.", ["peer"],
            registry=self.registry,
        )  # fmt: skip
        self.dead_letters = Counter(
            "eugw_dead_letters", "Messages that became dead letters (retries exhausted or "
            "refused by the peer).", ["peer"], registry=self.registry,
        )  # fmt: skip
        self.inbound_refused = Counter(
            "eugw_inbound_refused", "Deliveries to the inbound endpoint answered with an error "
            "(the peer sends again or gives up), by peer and error code.", ["peer", "code"],
            registry=self.registry,
        )  # fmt: skip
        self.security_failures = Counter(
            "eugw_peer_security_failures", "Sends whose peer failed a security check (its TLS "
            "server certificate not trusted, its acknowledgement's signature refused), by peer "
            "and error code.", ["peer", "code"], registry=self.registry,
        )  # fmt: skip
        self.requests = Counter(
            "eugw_http_requests", "HTTP requests answered, by route and status.",
            ["method", "route", "status"], registry=self.registry,
        )  # fmt: skip
        self.queue = Gauge(
            "eugw_queue_messages", "Messages per peer and state.", ["peer", "state"],
            registry=self.registry,
        )  # fmt: skip
        self.oldest_waiting = Gauge(
            "eugw_oldest_waiting_seconds", "Per peer, the age of the oldest message not yet "
            "delivered.", ["peer"], registry=self.registry,
        )  # fmt: skip
        self.circuits = Gauge(
            "eugw_circuit_state", "Circuit breaker state per peer (1 for the current state).",
            ["peer", "state"], registry=self.registry,
        )  # fmt: skip
        self.certificates = Gauge(
            "eugw_certificate_days_left", "Days until a certificate of the gateway expires "
            "(negative once expired).", ["file", "peer"], registry=self.registry,
        )  # fmt: skip
        self.deadlines = Gauge(
            "eugw_deadlines", "Legal deadlines by status (due soon, overdue...).", ["status"],
            registry=self.registry,
        )  # fmt: skip
        self.deadline_counter: DeadlineCounter | None = None

    def observe_send(self, *, peer: str, outcome: str, seconds: float) -> None:
        self.sends.labels(peer=peer, outcome=outcome).observe(seconds)
        if outcome == "retry":
            self.retries.labels(peer=peer).inc()
        elif outcome in {"dead", "refused"}:
            self.dead_letters.labels(peer=peer).inc()

    def observe_security(self, *, peer: str, code: str) -> None:
        self.security_failures.labels(peer=peer, code=code).inc()

    def observe_refused(self, *, peer: str, code: str) -> None:
        self.inbound_refused.labels(peer=peer, code=code).inc()

    def observe_request(self, *, method: str, route: str, status: int) -> None:
        self.requests.labels(method=method, route=route, status=str(status)).inc()

    def watch_deadlines(self, counter: DeadlineCounter) -> None:
        """The hook for the tracking side: `counter()` is awaited at each scrape."""
        self.deadline_counter = counter

    def set_queue(self, counts: Mapping[tuple[str, str], int]) -> None:
        self.queue.clear()  # a (peer, state) pair that emptied must not keep its last value
        for (peer, state), count in counts.items():
            self.queue.labels(peer=peer, state=state).set(count)

    def set_oldest_waiting(self, ages: Mapping[str, float]) -> None:
        self.oldest_waiting.clear()
        for peer, seconds in ages.items():
            self.oldest_waiting.labels(peer=peer).set(seconds)

    def set_circuits(self, states: Mapping[str, str], all_states: Iterable[str]) -> None:
        self.circuits.clear()
        names = list(all_states)
        for peer, current in states.items():
            for name in names:
                self.circuits.labels(peer=peer, state=name).set(1 if name == current else 0)

    def set_certificates(self, rows: Iterable[CertificateExpiry]) -> None:
        self.certificates.clear()
        for file, peer, days_left in rows:
            self.certificates.labels(file=file, peer=peer).set(days_left)

    async def refresh_deadlines(self) -> None:
        if self.deadline_counter is None:
            return
        counts = await self.deadline_counter()
        self.deadlines.clear()
        for status, count in counts.items():
            self.deadlines.labels(status=status).set(count)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
