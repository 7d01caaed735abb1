"""The API for national systems (submissions) and operators (messages, health)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from gateway.adapters.web import batches, console, observability, openapi, tracking
from gateway.adapters.web.auth import RATE_LIMITER, caller, requires
from gateway.adapters.web.budgets import BodyBudget, RateLimiter
from gateway.adapters.web.headers import add_security_headers
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.limits import LIMITS, RequestLimits, limits_middleware
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
from gateway.broker.access import Role
from gateway.broker.records import StoredMessage
from gateway.broker.states import Event, MessageState
from gateway.domain.serialization import encode
from gateway.errors import InputError
from gateway.pipeline.services import Services
from gateway.pipeline.submissions import SubmissionRequest
from gateway.ports import MessageFilter

__all__ = ["make_api"]

SOURCES = ("evibel", "actio", "waiting-register", "printrak")
MAX_OFFSET = 1_000_000_000  # the stores take 64-bit integers (schemathesis found a 500)
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
STATE = Choice(name="state", choices={state.value: state for state in MessageState})
PEER = Text(name="peer", description="e.g. EU:eurodac")
REFERENCE = Text(name="reference")
CONVERSATION = Text(name="conversation")
SINCE = Time(name="since", description="only messages created at or after this time")
# PostgreSQL refuses a negative LIMIT; SQLite reads it as none.
LIMIT = Number(name="limit", minimum=1, maximum=1000, description="default 100")
OFFSET = Number(
    name="offset", maximum=MAX_OFFSET, description="skip this many of the newest (paging)"
)
# One body of a route that needs no role (the console's forms): the caller is not known
# before it is read, so it is kept small.
ANONYMOUS_MAX_BODY = 1024 * 1024
OPERATOR_EVENTS = {"resend": Event.RESEND, "release": Event.RELEASE, "cancel": Event.CANCEL}


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
    app.router.add_get("/v1/messages/{message_id}", message_detail)
    app.router.add_post("/v1/messages/{message_id}/{action:resend|release|cancel}", act_on_message)
    app.router.add_get("/v1/queues", queues)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    observability.add_routes(app)
    openapi.add_routes(app)
    console.add_routes(app)
    batches.add_routes(app)
    tracking.add_routes(app)
    return app


@requires(Role.SUBMITTER)
@query(SOURCE, FORMAT)
async def submit(request: web.Request) -> web.Response:
    """202 with the submission id and its message ids; the first answer again for a repeated
    Idempotency-Key; 422 with every problem for bad input."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key or len(key) > 200:
        raise InputError(
            "GW-API-IDEMPOTENCY-KEY",
            "an Idempotency-Key header of 1 to 200 characters is required",
            "Idempotency-Key",
        )
    submission = await request.app[SERVICES].submissions.submit(
        SubmissionRequest(
            submitter=caller(request).name,
            idempotency_key=key,
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


@requires(Role.SUBMITTER)
async def submission_status(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    token = caller(request)
    submission = await services.store.submission(request.match_info["submission_id"])
    # A submitter sees only its own submissions; operators and auditors see all.
    if submission is None or (
        submission.submitter != token.name
        and not (token.allows(Role.OPERATOR) or token.allows(Role.AUDITOR))
    ):
        raise web.HTTPNotFound(text="no such submission")
    messages = [await services.store.get(message_id) for message_id in submission.message_ids]
    return web.json_response(
        {
            "submission_id": submission.submission_id,
            "status": submission.status.value,
            "created_at": submission.created_at.isoformat(),
            "answer": json.loads(submission.response),
            "messages": [_summary(message) for message in messages if message is not None],
        }
    )


@requires(Role.OPERATOR)
@query(STATE, PEER, REFERENCE, CONVERSATION, SINCE, LIMIT, OFFSET)
async def list_messages(request: web.Request) -> web.Response:
    limit, offset = LIMIT.value(request, 100), OFFSET.value(request, 0)
    found = await request.app[SERVICES].store.find(
        MessageFilter(
            state=STATE.read(request),
            peer=PEER.read(request),
            reference=REFERENCE.read(request),
            conversation_id=CONVERSATION.read(request),
            since=SINCE.read(request),
            limit=limit,
            offset=offset,
        )
    )
    page: dict[str, Any] = {"messages": [_summary(message) for message in found]}
    if len(found) == limit:
        following = request.rel_url.update_query({"offset": offset + limit})
        page["next"] = str(following)
    return web.json_response(page)


@requires(Role.OPERATOR)
async def message_detail(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    message_id = request.match_info["message_id"]
    message = await services.store.get(message_id)
    if message is None:
        raise web.HTTPNotFound(text="no such message")
    timeline = await services.store.timeline(message_id)
    xml = None if message.body is None else services.outbox.body_of(message).decode("utf-8")
    return web.json_response(
        {
            **_summary(message),
            "xml": xml,  # the signed message as sent; null once erased after retention
            "timeline": [
                {
                    "at": change.at.isoformat(),
                    "from": change.from_state.value if change.from_state else None,
                    "to": change.to_state.value,
                    "event": change.event.value,
                    "detail": change.detail,
                }
                for change in timeline
            ],
        }
    )


@requires(Role.OPERATOR)
async def act_on_message(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    action = request.match_info["action"]
    updated = await services.store.record(
        request.match_info["message_id"],
        OPERATOR_EVENTS[action],
        at=services.clock.now(),
        detail=f"{action} by {caller(request).name}",
        actor=caller(request).name,
    )
    return web.json_response(_summary(updated))


@requires(Role.OPERATOR)
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


def _summary(message: StoredMessage) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "peer": message.peer,
        "type": message.message_type,
        "state": message.state.value,
        "reference": message.reference,
        "conversation_id": message.conversation_id,
        "attempts": message.attempts,
        "created_at": message.created_at.isoformat(),
        "updated_at": message.updated_at.isoformat(),
        "next_attempt_at": encode(message.next_attempt_at),
        "last_error": message.last_error,
    }
