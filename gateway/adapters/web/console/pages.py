"""The console's pages: dashboard, messages, one message, dead letters, certificates."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiohttp import web

from gateway.adapters.web.console.access import DONE, LOGIN_ROLES, READERS, page, render
from gateway.adapters.web.console.charts import chart_of, last_hour
from gateway.adapters.web.console.inspection import XmlView, inspect_xml
from gateway.adapters.web.keys import CALLER, SERVICES
from gateway.adapters.web.observability import gateway_certificates
from gateway.adapters.web.params import Choice, Number, Text, query
from gateway.broker.access import Role
from gateway.broker.breaker import CircuitState
from gateway.broker.states import TRANSITIONS, Event, MessageState
from gateway.errors import GatewayError
from gateway.logging import get_logger
from gateway.pipeline.services import Services
from gateway.ports import MessageFilter

__all__ = [
    "act_on_message",
    "age",
    "certificates",
    "dashboard",
    "dead_letters",
    "message_detail",
    "messages",
    "release_dead_letters",
]

ACTIONS = {"resend": Event.RESEND, "release": Event.RELEASE, "cancel": Event.CANCEL}
PAGE = 200  # messages per page of the list
MAX_OFFSET = 1_000_000_000  # the stores take 64-bit integers
CHART_SAMPLE = 500  # the newest messages whose timelines feed the charts
CERTIFICATE_WARNING_DAYS = 30
MAX_HOURS = 24 * 3660  # ten years back
# The list's filters; numbers larger than their range read as its end (people type them).
MESSAGE_ID = Text(name="id", description="go straight to this message")
STATE = Choice(name="state", choices={state.value: state for state in MessageState})
PEER = Text(name="peer")
REFERENCE = Text(name="reference")
CONVERSATION = Text(name="conversation")
HOURS = Number(name="hours", maximum=MAX_HOURS, clamp=True, description="created this recently")
OFFSET = Number(name="offset", maximum=MAX_OFFSET, clamp=True)
RELEASED = Number(name="released", maximum=MAX_OFFSET, clamp=True)
FAILED = Number(name="failed", maximum=MAX_OFFSET, clamp=True)


@page(*LOGIN_ROLES)
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


@page(*READERS)
@query(MESSAGE_ID, STATE, PEER, REFERENCE, CONVERSATION, HOURS, OFFSET)
async def messages(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    wanted_id = (MESSAGE_ID.read(request) or "").strip()
    if wanted_id:
        found = await services.store.get(wanted_id)
        if found is not None:
            raise web.HTTPFound(f"/console/messages/{found.message_id}")
    hours, skip = HOURS.read(request), OFFSET.value(request, 0)
    listed = await services.store.find(
        MessageFilter(
            state=STATE.read(request),
            peer=PEER.read(request),
            reference=REFERENCE.read(request),
            conversation_id=CONVERSATION.read(request),
            since=services.clock.now() - timedelta(hours=hours) if hours is not None else None,
            limit=PAGE,
            offset=skip,
        )
    )
    older = request.rel_url.update_query({"offset": skip + PAGE}) if len(listed) == PAGE else None
    return render(
        request,
        "messages.html",
        {
            "messages": listed,
            "query": request.query,
            "states": list(MessageState),
            "peers": sorted(services.dispatcher.circuits),
            "not_found": wanted_id if wanted_id else None,
            "offset": skip,
            "older": str(older) if older else None,
        },
    )


@page(*READERS)
@query(DONE)
async def message_detail(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    message = await services.store.get(request.match_info["message_id"])
    if message is None:
        return render(request, "missing.html", {"what": "message"}, status=404)
    timeline = await services.store.timeline(message.message_id)
    view: XmlView | None = None
    body_problem: str | None = None
    try:
        body = services.outbox.body_of(message)
    except GatewayError as error:
        body_problem = f"{error.code}: {error.message}"
    else:
        view = await _inspected(services, body)
    errors = [change for change in timeline if change.event in {Event.FAIL, Event.GIVE_UP}]
    actions = [name for name, event in ACTIONS.items() if (message.state, event) in TRANSITIONS]
    return render(
        request,
        "message.html",
        {
            "message": message,
            "timeline": timeline,
            "errors": errors,
            "view": view,
            "body_problem": body_problem,
            "actions": actions,
            "may_act": request[CALLER].allows(Role.OPERATOR),
            "done": DONE.read(request),
        },
    )


async def _inspected(services: Services, body: bytes) -> XmlView:
    inbound = services.inbound
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        inbound.executor, inspect_xml, body, inbound.verifier, inbound.limits
    )


@page(Role.OPERATOR)
async def act_on_message(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    message_id = request.match_info["message_id"]
    action = request.match_info["action"]
    try:
        await services.store.record(
            message_id,
            ACTIONS[action],
            at=services.clock.now(),
            detail=f"{action} by {request[CALLER].name} (console)",
            actor=request[CALLER].name,
        )
    except GatewayError as error:
        status = 404 if error.code == "GW-BRK-UNKNOWN" else 409
        return render(request, "refused.html", {"problem": error}, status=status)
    get_logger(message_id=message_id).info("operator action", operation=action, source="console")
    raise web.HTTPSeeOther(f"/console/messages/{message_id}?done={action}")


@page(*READERS)
@query(RELEASED, FAILED)
async def dead_letters(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    dead = await services.store.find(MessageFilter(state=MessageState.DEAD, limit=1000))
    return render(
        request,
        "dead.html",
        {
            "messages": dead,
            "may_act": request[CALLER].allows(Role.OPERATOR),
            "released": RELEASED.read(request),
            "failed": FAILED.read(request),
        },
    )


@page(Role.OPERATOR)
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


@page(*READERS)
async def certificates(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    rows = await asyncio.to_thread(gateway_certificates, services.settings, services.clock.now())
    return render(
        request,
        "certificates.html",
        {"rows": rows, "warning_days": CERTIFICATE_WARNING_DAYS},
    )
