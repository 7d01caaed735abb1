"""Boards of other parts of the gateway, shown once their API exists (hits, Dublin cases and
deadlines have server-rendered pages of their own: `hits`, `cases`, `deadlines`).

A board appears in the menu when the API application has its route (added by
the tracking module); it needs the permission that route needs. The boards and
that rule live with the menu (`extensions`); this module is the page. The page is a
frame: its script reads the route's JSON with the console session (reads
only, see `auth.requires`) and lays it out as tables, so the console shows
exactly what the API answers and never data of its own making.
"""

from __future__ import annotations

from aiohttp import web

from gateway.adapters.web.auth import refusal
from gateway.adapters.web.console.access import DONE, LOGIN, page, render
from gateway.adapters.web.console.extensions import available_boards
from gateway.adapters.web.keys import CALLER
from gateway.adapters.web.params import query

__all__ = ["board"]


@page(LOGIN)
@query(DONE)
async def board(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    for item, needed in available_boards(request.app):
        if item.name == name:
            if not request[CALLER].may(needed):
                reason = refusal(needed)
                return render(
                    request, "denied.html", {"code": "GW-UI-ROLE", "reason": reason}, status=403
                )
            context = {"board": item, "done": DONE.read(request)}
            return render(request, "board.html", context)
    return render(request, "missing.html", {"what": "board"}, status=404)
