"""The Dublin unit's cases in the console: the list, and a case page with its facts, its
clock (article and effect), the variants its time limits depend on, every message on it both
ways and its history."""

from __future__ import annotations

from aiohttp import web

from gateway.adapters.web.case_messages import FIELDS
from gateway.adapters.web.console.access import DONE, page, render
from gateway.adapters.web.console.case_offers import offers
from gateway.adapters.web.console.export import MAX_EXPORTED, csv_response, flat
from gateway.adapters.web.console.missing import Missing, tracking_or_missing
from gateway.adapters.web.directory import case_messages
from gateway.adapters.web.keys import CALLER, SERVICES
from gateway.adapters.web.params import Choice, Flag, query
from gateway.broker.access import Permission
from gateway.domain.requests import TransferMode
from gateway.errors import GatewayError
from gateway.pipeline.casework.views import case_view
from gateway.tracking.cases import CaseState, Direction
from gateway.tracking.records import StoredCase

__all__ = ["case_page", "case_page_of", "cases", "cases_csv"]

LISTED = MAX_EXPORTED  # cases read for the list (newest first)
OPEN = Flag(name="open", description="only cases still open")
STATE = Choice(name="state", choices={state.value: state for state in CaseState})
DIRECTION = Choice(name="direction", choices={d.value: d for d in Direction})
COLUMNS = (
    "case_id", "reference", "direction", "kind", "regime", "other_state", "state", "hit_id",
    "eurodac_reference", "request_message_id", "acknowledged_at", "created_at", "updated_at",
    "hit_based", "urgent", "urgency_reason", "request_detained", "detained",
    "detention_reason", "extension", "deadline.date", "deadline.step", "deadline.from",
    "deadline.legal_basis", "deadline.effect_if_missed", "deadline.variant", "deadline.state",
    "deadline.calendar",
)  # fmt: skip


async def _listed(request: web.Request) -> list[StoredCase]:
    """The cases the list's filters keep, newest first."""
    tracking = tracking_or_missing(request, "case tracking")
    state, direction = STATE.read(request), DIRECTION.read(request)
    found = await tracking.store.cases(open_only=OPEN.value(request, False), limit=LISTED)
    return [
        case
        for case in found
        if (state is None or case.state is state)
        and (direction is None or case.direction is direction)
    ]


@page(Permission.READ_TRACKING)
@query(OPEN, STATE, DIRECTION)
async def cases(request: web.Request) -> web.Response:
    shown = await _listed(request)
    export = request.rel_url.with_path("/console/cases.csv").with_query(request.query)
    return render(
        request,
        "cases.html",
        {
            "cases": shown,
            "query": request.query,
            "states": list(CaseState),
            "directions": list(Direction),
            "export": str(export),
        },
    )


@page(Permission.READ_TRACKING)
@query(OPEN, STATE, DIRECTION)
async def cases_csv(request: web.Request) -> web.Response:
    shown = await _listed(request)
    return csv_response("cases", COLUMNS, [flat(case_view(case)) for case in shown])


@page(Permission.READ_TRACKING)
@query(DONE)
async def case_page(request: web.Request) -> web.Response:
    return await case_page_of(request, done=DONE.read(request))


async def case_page_of(
    request: web.Request,
    *,
    done: str | None = None,
    problem: GatewayError | None = None,
    filled: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    """The case page; after a refused form, with the refusal and the form as filled in."""
    services = request.app[SERVICES]
    tracking = tracking_or_missing(request, "case")
    case = await tracking.store.case(request.match_info["case_id"])
    if case is None:
        raise Missing("case")
    history = await tracking.store.case_changes(case.case_id)
    may_act = request[CALLER].may(Permission.ACT_ON_TRACKING)
    return render(
        request,
        "case.html",
        {
            "case": case,
            "history": history,
            "messages": await case_messages(services, case),
            "offers": offers(case) if may_act else None,
            "fields": FIELDS,
            "modes": [mode.value for mode in TransferMode],
            "problem": problem,
            "filled": filled or {},
            "done": done,
        },
        status=status,
    )
