"""The Dublin unit's forms on a case page: our reply to an incoming request, an event that
happened outside the gateway, a message on the case. Each calls the tracking service as the
API does (`POST /v1/cases/{id}/reply`, `/events`, `/messages`), with the console caller as
the operator (the case's history and the audit trail name them); what the law or the case's
state does not allow is refused with its code and sentence, on the case page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from aiohttp import web
from multidict import MultiMapping

from gateway.adapters.web.case_messages import FIELDS, follow_up_of
from gateway.adapters.web.configured import tracking_of
from gateway.adapters.web.console.access import page
from gateway.adapters.web.console.cases import case_page_of
from gateway.adapters.web.keys import CALLER
from gateway.broker.access import Permission
from gateway.domain.dublin import ReplyOutcome
from gateway.errors import GatewayError, InputError
from gateway.logging import get_logger
from gateway.pipeline.casework.cases import OPERATOR_EVENTS

__all__ = ["record_event", "reply", "send_message"]

_CONFLICTS = frozenset({"GW-CASE-TRANSITION", "GW-CASE-CONFLICT", "GW-CASE-VARIANT"})


def _text(form: MultiMapping[Any], name: str) -> str | None:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


async def _refused(request: web.Request, error: GatewayError) -> web.Response:
    """The case page again, with the refusal on it and the form as it was filled in."""
    status = 404 if error.code == "GW-CASE-UNKNOWN" else 409 if error.code in _CONFLICTS else 422
    form = await request.post()
    filled = {name: value for name, value in form.items() if isinstance(value, str)}
    return await case_page_of(request, problem=error, filled=filled, status=status)


def _done(request: web.Request, what: str) -> web.HTTPSeeOther:
    case_id = quote(request.match_info["case_id"])
    return web.HTTPSeeOther(f"/console/cases/{case_id}?done={quote(what)}")


@page(Permission.ACT_ON_TRACKING)
async def reply(request: web.Request) -> web.StreamResponse:
    """Our reply: accept, or reject with its legal basis and full reasons (GW-CASE-REFUSAL-
    REASONS without them); signed and sent to the requesting state, the case moves."""
    form = await request.post()
    outcomes = {outcome.value: outcome for outcome in ReplyOutcome}
    try:
        chosen = form.get("outcome")
        if not isinstance(chosen, str) or chosen not in outcomes:
            raise InputError("GW-CASE-REPLY", "outcome is accept or reject", "outcome")
        codes = (_text(form, "reason_codes") or "").replace(",", "\n").split()
        await tracking_of(request).followups.reply(
            request.match_info["case_id"],
            outcome=outcomes[chosen],
            legal_basis=_text(form, "legal_basis"),
            reason_codes=tuple(codes),
            explanation=_text(form, "explanation"),
            by=request[CALLER].name,
        )
    except GatewayError as error:
        return await _refused(request, error)
    get_logger().info("case reply", operation=chosen, source="console")
    raise _done(request, f"our reply ({chosen}) sent")


@page(Permission.ACT_ON_TRACKING)
async def record_event(request: web.Request) -> web.StreamResponse:
    """What happened outside the gateway (a transfer, a withdrawal, the person detained,
    released, imprisoned or absconded), with its reason; the clock moves as the law says."""
    form = await request.post()
    events = {event.value: event for event in OPERATOR_EVENTS}
    try:
        chosen = form.get("event")
        if not isinstance(chosen, str) or chosen not in events:
            raise InputError("GW-CASE-EVENT", "event names a case event", "event")
        await tracking_of(request).cases.act(
            request.match_info["case_id"],
            events[chosen],
            by=request[CALLER].name,
            reason=_text(form, "reason"),
        )
    except GatewayError as error:
        return await _refused(request, error)
    get_logger().info("case event", operation=chosen, source="console")
    raise _done(request, f"{chosen.replace('_', ' ')} recorded")


@page(Permission.ACT_ON_TRACKING)
async def send_message(request: web.Request) -> web.StreamResponse:
    """A message on the case (re-examination request, transfer arrangement, a request of
    types 3 to 7), signed and sent to the other state; once per form (its key)."""
    form = await request.post()
    kind = form.get("type")
    body: dict[str, Any] = {"type": kind}
    if isinstance(kind, str) and kind in FIELDS:
        for name in FIELDS[kind]:
            value = _text(form, name)
            if value is not None:
                number = name == "escorts" and value.isascii() and value.isdigit()
                body[name] = int(value) if number and len(value) <= 4 else value
    try:
        follow_up = follow_up_of(body)
        key = _text(form, "key")
        await tracking_of(request).followups.send(
            request.match_info["case_id"], follow_up, by=request[CALLER].name, key=key
        )
    except GatewayError as error:
        return await _refused(request, error)
    sent = follow_up.message_type.removeprefix("dublinet.")
    get_logger().info("case message", operation=sent, source="console")
    raise _done(request, f"{sent} sent")
