"""Boards of other parts of the gateway, shown once their API exists: deadlines (hits and
Dublin cases have pages of their own: `hits`, `cases`).

A board appears in the menu when the API application has its route (added by
the tracking module); it needs the role that route needs. The page is a
frame: its script reads the route's JSON with the console session (reads
only, see `auth.requires`) and lays it out as tables, so the console shows
exactly what the API answers and never data of its own making.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from gateway.adapters.web.console.access import DONE, LOGIN_ROLES, page, render
from gateway.adapters.web.keys import CALLER
from gateway.adapters.web.params import query
from gateway.broker.access import Role

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


def available_boards(app: web.Application) -> list[tuple[Board, Role]]:
    """The boards whose API route exists, with the role the route needs."""
    roles: dict[str, Role] = {}
    for route in app.router.routes():
        role = getattr(route.handler, "required_role", None)
        if route.method == "GET" and route.resource is not None and role is not None:
            roles[route.resource.canonical] = role
    boards = [*BOARDS, *app.get(EXTRA_BOARDS, [])]
    return [(item, roles[item.api_path]) for item in boards if item.api_path in roles]


@page(*LOGIN_ROLES)
@query(DONE)
async def board(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    for item, role in available_boards(request.app):
        if item.name == name:
            if not request[CALLER].allows(role):
                reason = f"this board needs the {role.value} role"
                return render(
                    request, "denied.html", {"code": "GW-UI-ROLE", "reason": reason}, status=403
                )
            context = {"board": item, "done": DONE.read(request)}
            return render(request, "board.html", context)
    return render(request, "missing.html", {"what": "board"}, status=404)
