"""The console's menu, and how other parts of the gateway add their pages to it.

Hits awaiting expert verification, Dublin cases, the deadlines and
simulator control belong to other modules. Each adds its routes itself and
calls `register_page` once its data exists; the console then shows the page
in its menu to callers whose token grants the page's permission. Nothing is shown for
data the gateway does not have. A board (`add_board`) is listed once the API route it
reads exists; `boards` shows it.
"""

from __future__ import annotations

from aiohttp import web

from gateway.broker.access import ApiToken, Permission
from gateway.domain.frozen import frozen

__all__ = [
    "BOARDS",
    "CONSOLE_PAGES",
    "EXTRA_BOARDS",
    "Board",
    "ConsolePage",
    "add_board",
    "available_boards",
    "menu",
    "register_page",
]


@frozen
class ConsolePage:
    title: str
    path: str  # under /console, e.g. "/console/hits"
    permission: Permission  # what a caller needs to see it (`gateway.broker.access.GRANTS`)


CONSOLE_PAGES: web.AppKey[list[ConsolePage]] = web.AppKey("console_pages", list)

P = Permission
CORE_PAGES = (
    ConsolePage(title="Dashboard", path="/console", permission=P.SEE_QUEUES),
    ConsolePage(title="Alerts", path="/console/alerts", permission=P.READ_CONFIGURATION),
    ConsolePage(title="Messages", path="/console/messages", permission=P.READ_MESSAGES),
    ConsolePage(title="Dead letters", path="/console/dead", permission=P.READ_MESSAGES),
    ConsolePage(title="Peers", path="/console/peers", permission=P.READ_CONFIGURATION),
    ConsolePage(
        title="Certificates", path="/console/certificates", permission=P.READ_CONFIGURATION
    ),
    ConsolePage(title="Trust store", path="/console/trust", permission=P.READ_CONFIGURATION),
    ConsolePage(title="Settings", path="/console/settings", permission=P.READ_CONFIGURATION),
    ConsolePage(title="Audit trail", path="/console/audit", permission=P.READ_AUDIT),
    ConsolePage(title="Tokens", path="/console/tokens", permission=P.MANAGE_TOKENS),
)


def register_page(app: web.Application, page: ConsolePage) -> None:
    """Add `page` to the console's menu (call before the application starts)."""
    app.setdefault(CONSOLE_PAGES, []).append(page)


@frozen
class Board:
    name: str
    title: str
    api_path: str  # the API route that must exist
    source: str  # what the page reads (the route with its query)


BOARDS: tuple[Board, ...] = ()  # the gateway's own data has pages; boards are for extensions


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


def menu(app: web.Application, token: ApiToken) -> list[ConsolePage]:
    boards = [
        ConsolePage(title=board.title, path=f"/console/board/{board.name}", permission=needed)
        for board, needed in available_boards(app)
    ]
    pages = [*CORE_PAGES, *boards, *app.get(CONSOLE_PAGES, [])]
    return [page for page in pages if token.may(page.permission)]
