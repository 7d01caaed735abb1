"""Eurodac hits in the console: the list for the fingerprint experts, and an expert's verdict.

A hit is used only once a fingerprint expert has verified it; a rejected
(wrong) hit is erased and must be reported within 3 working days. The
verdict goes to the tracking service as the API's does, with the console
caller's name as the expert.
"""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from gateway.adapters.web.console.access import DONE, page, render
from gateway.adapters.web.console.export import MAX_EXPORTED, csv_response, flat
from gateway.adapters.web.console.missing import Missing, tracking_or_missing
from gateway.adapters.web.keys import CALLER
from gateway.adapters.web.params import Choice, query
from gateway.broker.access import Permission
from gateway.errors import GatewayError, InputError
from gateway.logging import get_logger
from gateway.pipeline.casework.views import hit_view
from gateway.pipeline.outgoing import case_id_of_hit
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import StoredHit

__all__ = ["decide_hit", "hit_page", "hits", "hits_csv"]

_STATUS = {"pending": HitStatus.AWAITING_VERIFICATION} | {s.value: s for s in HitStatus}
STATE = Choice(name="state", choices=_STATUS, description="pending: not verified yet")
COLUMNS = (
    "hit_id", "status", "reference", "matched", "received", "decided_by", "reason",
    "proposal.step", "proposal.requested_state", "proposal.deadline", "proposal.legal_basis",
    "wrong_hit_report.due", "wrong_hit_report.legal_basis", "wrong_hit_report.reported_at",
)  # fmt: skip


async def _listed(request: web.Request) -> list[StoredHit]:
    tracking = tracking_or_missing(request, "hit tracking")
    return await tracking.store.hits(status=STATE.read(request), limit=MAX_EXPORTED)


@page(Permission.READ_TRACKING)
@query(STATE)
async def hits(request: web.Request) -> web.Response:
    """Hits, the oldest first (the order they are verified in), by state."""
    found = await _listed(request)
    export = request.rel_url.with_path("/console/hits.csv").with_query(request.query)
    return render(
        request,
        "hits.html",
        {"hits": found, "query": request.query, "states": list(_STATUS), "export": str(export)},
    )


@page(Permission.READ_TRACKING)
@query(STATE)
async def hits_csv(request: web.Request) -> web.Response:
    found = await _listed(request)
    return csv_response("hits", COLUMNS, [flat(hit_view(hit)) for hit in found])


@page(Permission.READ_TRACKING)
@query(DONE)
async def hit_page(request: web.Request) -> web.Response:
    """One hit: its verdict, proposal and report; the matched data to operators only; the
    case its confirmation opened."""
    tracking = tracking_or_missing(request, "hit")
    hit = await tracking.store.hit(request.match_info["hit_id"])
    if hit is None:
        raise Missing("hit")
    caller = request[CALLER]
    data = tracking.hits.data(hit) if caller.may(Permission.READ_HIT_DATA) else None
    case = await tracking.store.case(case_id_of_hit(hit.hit_id))
    return render(
        request,
        "hit.html",
        {
            "hit": hit,
            "data": _shown(data) if data is not None else None,
            "data_erased": hit.data is None,
            "case": case,
            "may_act": caller.may(Permission.ACT_ON_TRACKING),
            "done": DONE.read(request),
        },
    )


@page(Permission.ACT_ON_TRACKING)
async def decide_hit(request: web.Request) -> web.StreamResponse:
    """The expert's verdict (confirm, reject with a reason), the wrong hit's report sent, or
    the case a confirmed hit proposed opened later; each recorded under the caller's name."""
    tracking = tracking_or_missing(request, "hit tracking")
    hit_id, action = request.match_info["hit_id"], request.match_info["action"]
    expert = request[CALLER].name
    form = await request.post()
    try:
        if action == "confirm":
            open_case = form.get("open_case", "yes") != "no"
            await tracking.hits.confirm(hit_id, by=expert, open_case=open_case)
        elif action == "reject":
            reason = str(form.get("reason", "")).strip()
            if not reason:
                raise InputError("GW-HIT-VERDICT", "a rejected hit needs a reason", "reason")
            await tracking.hits.reject(hit_id, by=expert, reason=reason)
        elif action == "reported":
            await tracking.hits.report_sent(hit_id, by=expert)
        else:
            await tracking.hits.open_case(hit_id)
    except GatewayError as error:
        status = 404 if error.code == "GW-HIT-UNKNOWN" else 409
        return render(
            request,
            "refused.html",
            {"problem": error, "back": f"/console/hits/{hit_id}"},
            status=status,
        )
    get_logger().info("hit verdict", operation=action, source="console")
    raise web.HTTPSeeOther(f"/console/hits/{quote(hit_id)}?done={_DONE[action]}")


def _shown(data: object, prefix: str = "") -> dict[str, str]:
    """The matched record as label and text, nested fields dotted, long texts (images)
    shortened for the page."""
    if isinstance(data, dict):
        items = [(f"{prefix}{key}", value) for key, value in data.items()]
    elif isinstance(data, list):
        items = [(f"{prefix}{index}", value) for index, value in enumerate(data)]
    else:
        text = "" if data is None else str(data)
        shown = f"{text[:_SHOWN]}… ({len(text)} characters)" if len(text) > _SHOWN else text
        return {prefix.rstrip("."): shown}
    out: dict[str, str] = {}
    for key, value in items:
        out |= _shown(value, f"{key}.")
    return out


_SHOWN = 96  # characters of a long text kept on the page
_DONE = {
    "confirm": "confirmed",
    "reject": "rejected",
    "reported": "wrong hit reported",
    "open-case": "case opened",
}
