"""The API for national systems (submissions) and operators (messages, health)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from gateway.adapters.web import batches, console, observability, openapi, tokens, tracking
from gateway.adapters.web.auth import RATE_LIMITER, caller, refusal, requires
from gateway.adapters.web.budgets import BodyBudget, RateLimiter
from gateway.adapters.web.console.inspection import SignatureFacts, inspected
from gateway.adapters.web.directory import (
    MATCHED_DATA,
    MAX_MERGED,
    MessageDetail,
    MessageRow,
    find_messages,
    message_detail,
)
from gateway.adapters.web.headers import add_security_headers
from gateway.adapters.web.idempotency import required_idempotency_key
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.limits import LIMITS, RequestLimits, limits_middleware
from gateway.adapters.web.message_filters import FILTERS, message_query
from gateway.adapters.web.observability import readiness
from gateway.adapters.web.params import (
    Choice,
    Number,
    Text,
    Time,
    path_parameters_middleware,
    query,
)
from gateway.adapters.web.problems import PROBLEM_JSON, error_middleware
from gateway.broker.access import Permission
from gateway.broker.states import OPERATOR_ACTIONS
from gateway.domain.serialization import encode
from gateway.errors import GatewayError
from gateway.pipeline.casework.views import history_view
from gateway.pipeline.services import Services
from gateway.pipeline.submissions import SubmissionRequest

__all__ = ["make_api"]

SOURCES = ("evibel", "actio", "waiting-register", "printrak")
# Both directions are merged from the newest: a page reaches MAX_MERGED deep (limit <= 1000).
MAX_OFFSET = MAX_MERGED - 1000
SOURCE = Choice(
    name="source",
    choices={source: source for source in SOURCES},
    code="GW-IN-SOURCE",
    description="a national source export instead of canonical JSON",
)
# Which formats a source comes in is the source's to say (422, GW-IN-FORMAT).
FORMAT = Text(
    name="format",
    max_length=16,
    code="GW-IN-FORMAT",
    description="the export's format: json, csv, fixed or nist (default: the source's own)",
)
SINCE = Time(name="since", description="only messages created (received) at or after this time")
UNTIL = Time(name="until", description="only messages created (received) before this time")
# PostgreSQL refuses a negative LIMIT; SQLite reads it as none.
LIMIT = Number(name="limit", minimum=1, maximum=1000, description="default 100")
OFFSET = Number(
    name="offset",
    maximum=MAX_OFFSET,
    description="skip this many of the newest (paging); further back, narrow with until",
)
# One body of a route that needs no role (the console's forms): the caller is not known
# before it is read, so it is kept small.
ANONYMOUS_MAX_BODY = 1024 * 1024
ACTION_PATH = "{action:" + "|".join(OPERATOR_ACTIONS) + "}"


def make_api(services: Services, *, budget: BodyBudget | None = None) -> web.Application:
    """The API, the console and the documentation; `budget` bounds the request bodies it
    holds at once (shared with the inbound server by `serve`; else its own)."""
    settings = services.settings
    app = web.Application(
        middlewares=[error_middleware, path_parameters_middleware, limits_middleware],
        client_max_size=settings.max_request_bytes,
    )
    app[SERVICES] = services
    app[LIMITS] = RequestLimits(
        budget=budget or BodyBudget(settings.max_body_memory_bytes),
        max_body_bytes=settings.max_request_bytes,
        anonymous_max_body_bytes=min(ANONYMOUS_MAX_BODY, settings.max_request_bytes),
        body_timeout=settings.body_timeout_seconds,
    )
    if settings.rate_limit_per_second:
        app[RATE_LIMITER] = RateLimiter(
            rate=settings.rate_limit_per_second, burst=settings.rate_limit_burst
        )
    add_security_headers(app)
    app.router.add_post("/v1/submissions", submit)
    app.router.add_get("/v1/submissions/{submission_id}", submission_status)
    app.router.add_get("/v1/messages", list_messages)
    app.router.add_get("/v1/messages/{message_id}", show_message)
    app.router.add_get("/v1/messages/{message_id}/xml", message_xml)
    app.router.add_post(f"/v1/messages/{{message_id}}/{ACTION_PATH}", act_on_message)
    app.router.add_get("/v1/queues", queues)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    observability.add_routes(app)
    openapi.add_routes(app)
    console.add_routes(app)
    batches.add_routes(app)
    tracking.add_routes(app)
    tokens.add_routes(app)
    return app


@requires(Permission.SUBMIT)
@query(SOURCE, FORMAT)
async def submit(request: web.Request) -> web.Response:
    """202 with the submission id and its message ids; the first answer again for a repeated
    Idempotency-Key; 422 with every problem for bad input."""
    submission = await request.app[SERVICES].submissions.submit(
        SubmissionRequest(
            submitter=caller(request).name,
            idempotency_key=required_idempotency_key(request),
            body=await request.read(),
            source=SOURCE.read(request),
            format=FORMAT.read(request),
        )
    )
    content_type = "application/json" if submission.http_status < 400 else PROBLEM_JSON
    headers = {"Location": f"/v1/submissions/{submission.submission_id}"}
    return web.Response(
        status=submission.http_status,
        text=submission.response,
        content_type=content_type,
        headers=headers,
    )


@requires(Permission.READ_SUBMISSIONS)
async def submission_status(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    token = caller(request)
    submission = await services.store.submission(request.match_info["submission_id"])
    # A submitter sees only its own submissions; operators and auditors see all.
    if submission is None or (
        submission.submitter != token.name and not token.may(Permission.READ_MESSAGES)
    ):
        raise web.HTTPNotFound(text="no such submission")
    messages = [await services.store.get(message_id) for message_id in submission.message_ids]
    return web.json_response(
        {
            "submission_id": submission.submission_id,
            "status": submission.status.value,
            "created_at": submission.created_at.isoformat(),
            "answer": json.loads(submission.response),
            "messages": [
                MessageRow.of_outbound(message).summary()
                for message in messages
                if message is not None
            ],
        }
    )


@requires(Permission.READ_MESSAGES)
@query(*FILTERS, SINCE, UNTIL, LIMIT, OFFSET)
async def list_messages(request: web.Request) -> web.Response:
    limit, offset = LIMIT.value(request, 100), OFFSET.value(request, 0)
    since, until = SINCE.read(request), UNTIL.read(request)
    wanted = message_query(request, since=since, until=until, limit=limit, offset=offset)
    found = await find_messages(request.app[SERVICES], wanted)
    page: dict[str, Any] = {"messages": [row.summary() for row in found]}
    if len(found) == limit:
        following = request.rel_url.update_query({"offset": offset + limit})
        page["next"] = str(following)
    return web.json_response(page)


@requires(Permission.READ_MESSAGES)
async def show_message(request: web.Request) -> web.Response:
    """One message, ours or a peer's, with its timeline, its signature verified again, the
    message it answers and those answering it, its case and (inbound) its effect."""
    services = request.app[SERVICES]
    detail = await _detail(request)
    view = None if detail.body is None else await inspected(services, detail.body)
    shown = detail.body if _may_read_body(request, detail) else None
    return web.json_response(
        {
            **detail.row.summary(),
            # the signed message as sent or received; null once erased after retention, or
            # when it carries a hit's matched data and the caller may not read it
            "xml": None if shown is None else shown.decode("utf-8"),
            "signature": None if view is None else _signature(view.facts),
            "timeline": [
                {
                    "at": change.at.isoformat(),
                    "from": change.from_state.value if change.from_state else None,
                    "to": change.to_state.value,
                    "event": change.event.value,
                    "detail": change.detail,
                }
                for change in detail.timeline
            ],
            "answers": detail.answers.summary() if detail.answers else None,
            "answered_by": [row.summary() for row in detail.answered_by],
            "case_id": detail.case.case_id if detail.case else None,
            "effect": _effect(detail),
        }
    )


@requires(Permission.READ_MESSAGES)
async def message_xml(request: web.Request) -> web.Response:
    """The message's XML exactly as it was signed and sent or received (the stored body,
    opened), as a file."""
    detail = await _detail(request)
    if not _may_read_body(request, detail):
        raise web.HTTPForbidden(text=refusal(Permission.READ_HIT_DATA))
    if detail.body is None:
        raise detail.body_problem or GatewayError("GW-BRK-PURGED", "no body is kept", "body")
    name = f"{detail.row.message_id}.xml"
    return web.Response(
        body=detail.body,
        content_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _may_read_body(request: web.Request, detail: MessageDetail) -> bool:
    """A hit's matched record is personal data for the fingerprint experts only."""
    hit = detail.row.message_type in MATCHED_DATA
    return not hit or caller(request).may(Permission.READ_HIT_DATA)


async def _detail(request: web.Request) -> MessageDetail:
    detail = await message_detail(request.app[SERVICES], request.match_info["message_id"])
    if detail is None:
        raise web.HTTPNotFound(text="no such message")
    return detail


def _signature(facts: SignatureFacts) -> dict[str, Any]:
    return {
        "valid": facts.valid,
        "signer": facts.signer,
        "subject": facts.subject,
        "expires": encode(facts.expires),
        "problem": facts.problem,
    }


def _effect(detail: MessageDetail) -> dict[str, Any] | None:
    effect = detail.effect
    if effect is None:
        return None
    moved = None
    if effect.moved is not None:
        moved = {
            "message_id": effect.moved.message_id,
            "to": effect.moved_to.to_state.value if effect.moved_to else None,
            "event": effect.moved_to.event.value if effect.moved_to else None,
        }
    return {
        "moved": moved,
        "hits": [hit.hit_id for hit in effect.hits],
        "case_changes": history_view(effect.case_changes),
    }


@requires(Permission.ACT_ON_MESSAGES)
async def act_on_message(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    action = request.match_info["action"]
    updated = await services.store.record(
        request.match_info["message_id"],
        OPERATOR_ACTIONS[action],
        at=services.clock.now(),
        detail=f"{action} by {caller(request).name}",
        actor=caller(request).name,
    )
    return web.json_response(MessageRow.of_outbound(updated).summary())


@requires(Permission.SEE_QUEUES)
async def queues(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    counts = await services.store.counts()
    oldest = await services.store.oldest_waiting()
    now = services.clock.now()
    circuits = {
        peer: circuit.state.state.value for peer, circuit in services.dispatcher.circuits.items()
    }
    return web.json_response(
        {
            "counts": [
                {"peer": peer, "state": state.value, "count": count}
                for (peer, state), count in sorted(counts.items())
            ],
            "circuits": circuits,
            "oldest_waiting_seconds": {
                peer: round((now - created).total_seconds()) for peer, created in oldest.items()
            },
        }
    )


async def healthz(_: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the store answers and the gateway's certificates are valid."""
    ready, report = await readiness(request.app[SERVICES])
    return web.json_response(report, status=200 if ready else 503)
