"""Boards of other parts of the gateway, shown once their API exists: deadlines (hits and
Dublin cases have pages of their own: `hits`, `cases`).

A board appears in the menu when the API application has its route (added by
the tracking module); it needs the permission that route needs. The page is a
frame: its script reads the route's JSON with the console session (reads
only, see `auth.requires`) and lays it out as tables, so the console shows
exactly what the API answers and never data of its own making.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from gateway.adapters.web.auth import refusal
from gateway.adapters.web.console.access import DONE, LOGIN, page, render
from gateway.adapters.web.keys import CALLER
from gateway.adapters.web.params import query
from gateway.broker.access import Permission

__all__ = ["BOARDS", "EXTRA_BOARDS", "Board", "add_board", "available_boards", "board"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Board:
    name: str
    title: str
    api_path: str  # the API route that must exist
    source: str  # what the page reads (the route with its query)


BOARDS = (
    Board(name="deadlines", title="Deadlines", api_path="/v1/deadlines", source="/v1/deadlines"),
)


EXTRA_BOARDS: web.AppKey[list[Board]] = web.AppKey("console_boards", list)


def add_board(app: web.Application, item: Board) -> None:
    """One more board beside `BOARDS` (call before the application starts)."""
    app.setdefault(EXTRA_BOARDS, []).append(item)


def available_boards(app: web.Application) -> list[tuple[Board, Permission]]:
    """The boards whose API route exists, with the permission the route needs."""
    needs: dict[str, Permission] = {}
    for route in app.router.routes():
        needed = getattr(route.handler, "required_permission", None)
        if route.method == "GET" and route.resource is not None and needed is not None:
            needs[route.resource.canonical] = needed
    boards = [*BOARDS, *app.get(EXTRA_BOARDS, [])]
    return [(item, needs[item.api_path]) for item in boards if item.api_path in needs]


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
