"""The console's messages, both ways: the list with its filters, one message (ours with its
timeline and actions, or a peer's with its signer and effect), and the operators' actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from aiohttp import web
from yarl import URL

from gateway.adapters.web.console.access import DONE, page, render
from gateway.adapters.web.console.export import MAX_EXPORTED, csv_response
from gateway.adapters.web.console.inspection import XmlView, inspected
from gateway.adapters.web.directory import (
    MATCHED_DATA,
    MESSAGE_TYPES,
    Direction,
    MessageQuery,
    find_messages,
    message_detail,
)
from gateway.adapters.web.keys import CALLER, SERVICES
from gateway.adapters.web.message_filters import FILTERS as MESSAGE_FILTERS
from gateway.adapters.web.message_filters import REFERENCE, message_query
from gateway.adapters.web.params import Choice, Day, Number, Text, query
from gateway.broker.access import Permission
from gateway.broker.states import OPERATOR_ACTIONS, TRANSITIONS, Event, MessageState
from gateway.errors import GatewayError, InputError
from gateway.logging import get_logger
from gateway.pipeline.services import Services
from gateway.tracking.records import StoredCase

__all__ = [
    "ACTION_PATH",
    "act_in_bulk",
    "act_on_message",
    "message_page",
    "messages",
    "messages_csv",
]

ACTION_PATH = "{action:" + "|".join(OPERATOR_ACTIONS) + "}"

ACTIONS = OPERATOR_ACTIONS
LABELS = {"resend": "Resend", "release": "Release", "retry": "Retry now", "cancel": "Cancel"}
MAX_BULK = 1000  # messages one bulk action takes
PAGE = 200  # messages per page of the list
MAX_OFFSET = 1_000_000_000  # the stores take 64-bit integers
MAX_HOURS = 24 * 3660  # ten years back
# The list's filters; numbers larger than their range read as its end (people type them).
MESSAGE_ID = Text(name="id", description="go straight to this message")
HOURS = Number(name="hours", maximum=MAX_HOURS, clamp=True, description="created this recently")
FROM = Day(name="from", description="created on or after this day (UTC)")
TO = Day(name="to", description="created on or before this day (UTC)")
OFFSET = Number(name="offset", maximum=MAX_OFFSET, clamp=True)
# What a bulk action did, said once on the list it returns to.
BULK_ACTION = Choice(name="bulk", choices={name: name for name in ACTIONS})
DONE_COUNT = Number(name="done_count", maximum=MAX_BULK)
REFUSED_COUNT = Number(name="refused_count", maximum=MAX_BULK)
FILTERS = (MESSAGE_ID, *MESSAGE_FILTERS, HOURS, FROM, TO)
COLUMNS = (
    "direction", "message_id", "peer", "type", "state", "reference", "conversation_id",
    "correlation_id", "attempts", "created_at", "updated_at", "next_attempt_at", "last_error",
)  # fmt: skip


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _message_query(request: web.Request, *, limit: int, offset: int) -> MessageQuery:
    """The list's filters as the URL gives them (the same for the page and its export)."""
    now = request.app[SERVICES].clock.now()
    hours, first, last = HOURS.read(request), FROM.read(request), TO.read(request)
    if first is not None and last is not None and last < first:
        raise InputError("GW-API-QUERY", "to is on or after from", "to")
    since = [moment for moment in (
        now - timedelta(hours=hours) if hours is not None else None,
        _start_of(first) if first is not None else None,
    ) if moment is not None]  # fmt: skip
    return message_query(
        request,
        since=max(since) if since else None,
        until=_start_of(last + timedelta(days=1)) if last is not None else None,
        limit=limit,
        offset=offset,
    )


@page(Permission.READ_MESSAGES)
@query(*FILTERS, OFFSET, BULK_ACTION, DONE_COUNT, REFUSED_COUNT)
async def messages(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    wanted_id = (MESSAGE_ID.read(request) or "").strip()
    if wanted_id:
        found = await message_detail(services, wanted_id)
        if found is not None:
            raise web.HTTPFound(f"/console/messages/{found.row.message_id}")
    skip = OFFSET.value(request, 0)
    problem: InputError | None = None
    try:
        listed = await find_messages(services, _message_query(request, limit=PAGE, offset=skip))
    except InputError as error:  # shown above an empty list, with the filters to change
        listed, problem = [], error
    older = request.rel_url.update_query({"offset": skip + PAGE}) if len(listed) == PAGE else None
    kept = {name: value for name, value in request.query.items() if name not in {"offset", "id"}}
    export = request.rel_url.with_path("/console/messages.csv").with_query(kept)
    return render(
        request,
        "messages.html",
        {
            "messages": listed,
            "query": request.query,
            "directions": list(Direction),
            "states": list(MessageState),
            "types": MESSAGE_TYPES,
            "peers": sorted(services.dispatcher.circuits),
            "not_found": wanted_id if wanted_id else None,
            "problem": problem,
            "offset": skip,
            "older": str(older) if older else None,
            "export": str(export),
            "cases": await _cases_of(services, REFERENCE.read(request)),
            "here": request.path_qs,
            "may_act": request[CALLER].may(Permission.ACT_ON_MESSAGES),
            "labels": LABELS,
            **_bulk_result(request),
        },
    )


async def _cases_of(services: Services, reference: str | None) -> list[StoredCase]:
    """The Dublin cases of `reference` (a peer's national reference or ours): their pages list
    every message of the case both ways, the peer's request included."""
    tracking = services.tracking
    if not reference or tracking is None:
        return []
    wanted = reference.strip()
    return [
        case for case in await tracking.store.cases(limit=MAX_EXPORTED) if case.reference == wanted
    ]


@page(Permission.READ_MESSAGES)
@query(*FILTERS)
async def messages_csv(request: web.Request) -> web.Response:
    """The list under the same filters as a CSV file (the newest `MAX_EXPORTED`)."""
    try:
        rows = await find_messages(
            request.app[SERVICES], _message_query(request, limit=MAX_EXPORTED, offset=0)
        )
    except InputError as error:
        return render(request, "refused.html", {"problem": error}, status=400)
    return csv_response("messages", COLUMNS, [row.summary() for row in rows])


@page(Permission.READ_MESSAGES)
@query(DONE)
async def message_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    detail = await message_detail(services, request.match_info["message_id"])
    if detail is None:
        return render(request, "missing.html", {"what": "message"}, status=404)
    view: XmlView | None = None
    if detail.body is not None:
        view = await inspected(services, detail.body)
    # a hit's matched record: for the fingerprint experts only (its signature still shows)
    withheld = detail.row.message_type in MATCHED_DATA and not request[CALLER].may(
        Permission.READ_HIT_DATA
    )
    errors = [change for change in detail.timeline if change.event in {Event.FAIL, Event.GIVE_UP}]
    state = detail.row.state
    actions = (
        [name for name, event in ACTIONS.items() if (state, event) in TRANSITIONS]
        if detail.row.outbound
        else []
    )
    return render(
        request,
        "message.html",
        {
            "detail": detail,
            "message": detail.row,
            "errors": errors,
            "view": view,
            "withheld": withheld,
            "actions": actions,
            "labels": LABELS,
            "may_act": request[CALLER].may(Permission.ACT_ON_MESSAGES),
            "done": DONE.read(request),
        },
    )


def _bulk_result(request: web.Request) -> dict[str, object]:
    return {
        "bulk": BULK_ACTION.read(request),
        "done_count": DONE_COUNT.read(request),
        "refused_count": REFUSED_COUNT.read(request),
    }


@page(Permission.ACT_ON_MESSAGES)
async def act_in_bulk(request: web.Request) -> web.StreamResponse:
    """One action on the selected messages, each applied and audited on its own (a message
    whose state no longer allows it is counted as refused); back to the list it came from."""
    form = await request.post()
    action = form.get("action")
    if not isinstance(action, str) or action not in ACTIONS:
        error = InputError("GW-UI-BULK", f"action is one of {', '.join(ACTIONS)}", "action")
        return render(request, "refused.html", {"problem": error}, status=400)
    chosen = [value for value in form.getall("message_id", []) if isinstance(value, str)]
    if not chosen or len(chosen) > MAX_BULK:
        error = InputError("GW-UI-BULK", f"select 1 to {MAX_BULK} messages to act on", "message_id")
        return render(request, "refused.html", {"problem": error}, status=400)
    done = refused = 0
    for message_id in chosen:
        try:
            await _act(request, message_id, action, how="console, bulk")
        except GatewayError:
            refused += 1  # moved on meanwhile, or not in a state the action allows
        else:
            done += 1
    get_logger().info("bulk action", operation=action, count=done, source="console")
    back = _back_of(form.get("back"))
    result = {"bulk": action, "done_count": str(done), "refused_count": str(refused)}
    raise web.HTTPSeeOther(str(URL(back).update_query(result)))


def _back_of(posted: object) -> str:
    """The list the form came from: a console list of messages only (no open redirect)."""
    wanted = URL(posted) if isinstance(posted, str) else URL("/console/messages")
    if wanted.is_absolute() or wanted.path not in {"/console/messages", "/console/dead"}:
        wanted = URL("/console/messages")
    kept = {k: v for k, v in wanted.query.items() if k not in {"bulk", *_COUNTS}}
    return str(wanted.with_query(kept))


_COUNTS = ("done_count", "refused_count")


async def _act(request: web.Request, message_id: str, action: str, *, how: str) -> None:
    services, operator = request.app[SERVICES], request[CALLER].name
    await services.store.record(
        message_id,
        ACTIONS[action],
        at=services.clock.now(),
        detail=f"{action} by {operator} ({how})",
        actor=operator,
    )


@page(Permission.ACT_ON_MESSAGES)
async def act_on_message(request: web.Request) -> web.StreamResponse:
    message_id = request.match_info["message_id"]
    action = request.match_info["action"]
    try:
        await _act(request, message_id, action, how="console")
    except GatewayError as error:
        status = 404 if error.code == "GW-BRK-UNKNOWN" else 409
        return render(request, "refused.html", {"problem": error}, status=status)
    get_logger(message_id=message_id).info("operator action", operation=action, source="console")
    raise web.HTTPSeeOther(f"/console/messages/{message_id}?done={action}")
