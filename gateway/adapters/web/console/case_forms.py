"""The Dublin unit's forms on a case page: our reply to an incoming request, an event that
happened outside the gateway, a message on the case. Each calls the tracking service as the
API does (`POST /v1/cases/{id}/reply`, `/events`, `/messages`), with the console caller as
the operator (the case's history and the audit trail name them); what the law or the case's
state does not allow is refused with its code and sentence, on the case page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
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

T = TypeVar("T")
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


async def _acted(
    request: web.Request, act: Callable[[], Awaitable[tuple[str, str]]], *, logged: str
) -> web.StreamResponse:
    """Do the form's `act` (it answers with the operation to log and what was done, said
    once on the case page it goes back to); refused, the case page again with the refusal."""
    try:
        operation, done = await act()
    except GatewayError as error:
        return await _refused(request, error)
    get_logger().info(logged, operation=operation, source="console")
    case_id = quote(request.match_info["case_id"])
    raise web.HTTPSeeOther(f"/console/cases/{case_id}?done={quote(done)}")


def _chosen(form: MultiMapping[Any], name: str, choices: Mapping[str, T], refusal: InputError) -> T:
    """The choice the form's field `name` names, or `refusal`."""
    chosen = form.get(name)
    if not isinstance(chosen, str) or chosen not in choices:
        raise refusal
    return choices[chosen]


@page(Permission.ACT_ON_TRACKING)
async def reply(request: web.Request) -> web.StreamResponse:
    """Our reply: accept, or reject with its legal basis and full reasons (GW-CASE-REFUSAL-
    REASONS without them); signed and sent to the requesting state, the case moves."""
    form = await request.post()

    async def act() -> tuple[str, str]:
        refusal = InputError("GW-CASE-REPLY", "outcome is accept or reject", "outcome")
        outcome = _chosen(form, "outcome", {o.value: o for o in ReplyOutcome}, refusal)
        codes = (_text(form, "reason_codes") or "").replace(",", "\n").split()
        await tracking_of(request).followups.reply(
            request.match_info["case_id"],
            outcome=outcome,
            legal_basis=_text(form, "legal_basis"),
            reason_codes=tuple(codes),
            explanation=_text(form, "explanation"),
            by=request[CALLER].name,
        )
        return outcome.value, f"our reply ({outcome.value}) sent"

    return await _acted(request, act, logged="case reply")


@page(Permission.ACT_ON_TRACKING)
async def record_event(request: web.Request) -> web.StreamResponse:
    """What happened outside the gateway (a transfer, a withdrawal, the person detained,
    released, imprisoned or absconded), with its reason; the clock moves as the law says."""
    form = await request.post()

    async def act() -> tuple[str, str]:
        refusal = InputError("GW-CASE-EVENT", "event names a case event", "event")
        event = _chosen(form, "event", {e.value: e for e in OPERATOR_EVENTS}, refusal)
        await tracking_of(request).cases.act(
            request.match_info["case_id"],
            event,
            by=request[CALLER].name,
            reason=_text(form, "reason"),
        )
        return event.value, f"{event.value.replace('_', ' ')} recorded"

    return await _acted(request, act, logged="case event")


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

    async def act() -> tuple[str, str]:
        follow_up = follow_up_of(body)
        key = _text(form, "key")
        await tracking_of(request).followups.send(
            request.match_info["case_id"], follow_up, by=request[CALLER].name, key=key
        )
        sent = follow_up.message_type.removeprefix("dublinet.")
        return sent, f"{sent} sent"

    return await _acted(request, act, logged="case message")
