"""`/console/hits/{id}/confirm|reject`: an expert's verdict on a Eurodac hit, from the board.

A hit is used only once a fingerprint expert has verified it; a rejected
(wrong) hit is erased and must be reported within 3 working days. The
verdict goes to the tracking service as the API's does, with the console
caller's name as the expert.
"""

from __future__ import annotations

from aiohttp import web

from gateway.adapters.web.console.access import page, render
from gateway.adapters.web.keys import CALLER, SERVICES
from gateway.broker.access import Role
from gateway.errors import GatewayError, InputError

__all__ = ["decide_hit"]


@page(Role.OPERATOR)
async def decide_hit(request: web.Request) -> web.StreamResponse:
    tracking = request.app[SERVICES].tracking
    if tracking is None:
        return render(request, "missing.html", {"what": "hit tracking"}, status=404)
    hit_id, action = request.match_info["hit_id"], request.match_info["action"]
    expert = request[CALLER].name
    form = await request.post()
    try:
        if action == "confirm":
            await tracking.confirm_hit(hit_id, by=expert)
        else:
            reason = str(form.get("reason", "")).strip()
            if not reason:
                raise InputError("GW-HIT-VERDICT", "a rejected hit needs a reason", "reason")
            await tracking.reject_hit(hit_id, by=expert, reason=reason)
    except GatewayError as error:
        status = 404 if error.code == "GW-HIT-UNKNOWN" else 409
        return render(request, "refused.html", {"problem": error}, status=status)
    raise web.HTTPSeeOther(f"/console/board/hits?done={action}")
