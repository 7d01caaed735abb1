"""The Dublin unit's cases in the console: the list, and a case page with its facts, its
clock (article and effect), the variants its time limits depend on, every message on it both
ways and its history."""

from __future__ import annotations

from aiohttp import web

from gateway.adapters.web.console.access import DONE, READERS, page, render
from gateway.adapters.web.directory import case_messages
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.params import Choice, Flag, query
from gateway.tracking.cases import CaseState, Direction

__all__ = ["case_page", "cases"]

LISTED = 1000  # cases read for the list (newest first)
OPEN = Flag(name="open", description="only cases still open")
STATE = Choice(name="state", choices={state.value: state for state in CaseState})
DIRECTION = Choice(name="direction", choices={d.value: d for d in Direction})


@page(*READERS)
@query(OPEN, STATE, DIRECTION)
async def cases(request: web.Request) -> web.Response:
    tracking = request.app[SERVICES].tracking
    if tracking is None:
        return render(request, "missing.html", {"what": "case tracking"}, status=404)
    state, direction = STATE.read(request), DIRECTION.read(request)
    found = await tracking.store.cases(open_only=OPEN.value(request, False), limit=LISTED)
    shown = [
        case
        for case in found
        if (state is None or case.state is state)
        and (direction is None or case.direction is direction)
    ]
    return render(
        request,
        "cases.html",
        {
            "cases": shown,
            "query": request.query,
            "states": list(CaseState),
            "directions": list(Direction),
        },
    )


@page(*READERS)
@query(DONE)
async def case_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    tracking = services.tracking
    case = None if tracking is None else await tracking.store.case(request.match_info["case_id"])
    if tracking is None or case is None:
        return render(request, "missing.html", {"what": "case"}, status=404)
    history = await tracking.store.case_changes(case.case_id)
    return render(
        request,
        "case.html",
        {
            "case": case,
            "history": history,
            "messages": await case_messages(services, case),
            "done": DONE.read(request),
        },
    )
