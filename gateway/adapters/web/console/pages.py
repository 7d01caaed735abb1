"""The console's pages: dashboard, dead letters, certificates (messages: `messages`)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web

from gateway.adapters.web.console.access import page, render
from gateway.adapters.web.console.alerts import alerts_of
from gateway.adapters.web.console.charts import chart_of, last_hour
from gateway.adapters.web.directory import MessageRow
from gateway.adapters.web.keys import CALLER, SERVICES
from gateway.adapters.web.observability import gateway_certificates
from gateway.adapters.web.params import Number, query
from gateway.broker.access import Permission
from gateway.broker.breaker import CircuitState
from gateway.broker.states import Event, MessageState
from gateway.errors import GatewayError
from gateway.logging import get_logger
from gateway.ports import MessageFilter

__all__ = [
    "age",
    "certificates",
    "dashboard",
    "dead_letters",
    "release_dead_letters",
]

MAX_OFFSET = 1_000_000_000  # the stores take 64-bit integers
CHART_SAMPLE = 500  # the newest messages whose timelines feed the charts
RELEASED = Number(name="released", maximum=MAX_OFFSET, clamp=True)
FAILED = Number(name="failed", maximum=MAX_OFFSET, clamp=True)


@page(Permission.SEE_QUEUES)
async def dashboard(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    counts = await services.store.counts()
    peers = sorted({peer for peer, _ in counts} | set(services.dispatcher.circuits))
    states = [state for state in MessageState if any(s is state for _, s in counts)]
    now = services.clock.now()
    recent = await services.store.find(MessageFilter(limit=CHART_SAMPLE))
    timelines = [
        await services.store.timeline(message.message_id)
        for message in recent
        if message.updated_at >= now - timedelta(hours=1)
    ]
    throughput, latency = last_hour(timelines, now)
    circuits = {
        peer: circuit.state.state.value for peer, circuit in services.dispatcher.circuits.items()
    }
    oldest = await services.store.oldest_waiting()
    alerts = None
    if request[CALLER].may(Permission.READ_CONFIGURATION):
        alerts = await alerts_of(services)
    return render(
        request,
        "dashboard.html",
        {
            "peers": peers,
            "states": states,
            "counts": {(peer, state.value): count for (peer, state), count in counts.items()},
            "charts": [chart_of(throughput), chart_of(latency)],
            "circuits": circuits,
            "waiting": {peer: age(now - created) for peer, created in oldest.items()},
            "open_state": CircuitState.OPEN.value,
            "alerts": alerts,
            "now": now,
        },
    )


def age(elapsed: timedelta) -> str:
    """A short age for people: 42 s, 7 min, 5 h, 3 d."""
    seconds = max(int(elapsed.total_seconds()), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


@page(Permission.READ_MESSAGES)
@query(RELEASED, FAILED)
async def dead_letters(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    dead = await services.store.find(MessageFilter(state=MessageState.DEAD, limit=1000))
    return render(
        request,
        "dead.html",
        {
            "messages": [MessageRow.of_outbound(message) for message in dead],
            "may_act": request[CALLER].may(Permission.ACT_ON_MESSAGES),
            "released": RELEASED.read(request),
            "failed": FAILED.read(request),
        },
    )


@page(Permission.ACT_ON_MESSAGES)
async def release_dead_letters(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = await request.post()
    chosen = [value for value in form.getall("message_id", []) if isinstance(value, str)]
    released = failed = 0
    for message_id in chosen:
        try:
            await services.store.record(
                message_id,
                Event.RELEASE,
                at=services.clock.now(),
                detail=f"release by {request[CALLER].name} (console, bulk)",
                actor=request[CALLER].name,
            )
        except GatewayError:
            failed += 1  # released or cancelled meanwhile: the page shows what is left
        else:
            released += 1
    get_logger().info("dead letters released", count=released, operation="release")
    raise web.HTTPSeeOther(f"/console/dead?released={released}&failed={failed}")


@page(Permission.READ_CONFIGURATION)
async def certificates(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    rows = await asyncio.to_thread(gateway_certificates, services.settings, services.clock.now())
    return render(
        request,
        "certificates.html",
        {"rows": rows, "warning_days": services.settings.certificate_alert_days},
    )
