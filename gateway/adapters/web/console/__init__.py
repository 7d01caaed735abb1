"""The operators' web console at `/console`: server-rendered pages, a little plain JavaScript,
live updates by server-sent events. See `access` for login and roles, `pages` for what is
shown, `events` for the live feed and `extensions` for pages other modules add."""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from gateway.adapters.web.auth import SESSION_AUTH
from gateway.adapters.web.console import (
    access,
    alerts,
    audit,
    boards,
    case_forms,
    cases,
    configuration,
    deadlines,
    events,
    hits,
    messages,
    pages,
    peer_checks,
    simulators,
    tokens,
)
from gateway.adapters.web.console.extensions import CONSOLE_PAGES, ConsolePage, register_page
from gateway.adapters.web.console.sessions import Sessions
from gateway.adapters.web.keys import SERVICES
from gateway.broker.access import Permission

__all__ = ["CONSOLE_PAGES", "ConsolePage", "add_routes", "register_page", "setup_templates"]

HERE = Path(__file__).parent


def setup_templates(app: web.Application) -> None:
    """The console's Jinja2 templates (autoescaped), once per application."""
    if aiohttp_jinja2.APP_KEY not in app:
        aiohttp_jinja2.setup(
            app,
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=jinja2.select_autoescape(default=True),
            undefined=jinja2.StrictUndefined,
        )


def add_routes(app: web.Application) -> None:
    setup_templates(app)
    app[access.SESSIONS] = Sessions()
    app[SESSION_AUTH] = access.session_token
    app[events.EVENT_HUB] = events.EventHub(app)
    app.on_shutdown.append(_stop_events)
    router = app.router
    router.add_get("/console/login", access.login_form)
    router.add_post("/console/login", access.login)
    router.add_post("/console/logout", access.logout)
    router.add_get("/console", pages.dashboard)
    router.add_get("/console/messages", messages.messages)
    router.add_get("/console/messages.csv", messages.messages_csv)
    router.add_get("/console/messages/{message_id}", messages.message_page)
    router.add_post("/console/messages/bulk", messages.act_in_bulk)
    router.add_post(
        f"/console/messages/{{message_id}}/{messages.ACTION_PATH}", messages.act_on_message
    )
    router.add_get("/console/dead", pages.dead_letters)
    router.add_post("/console/dead/release", pages.release_dead_letters)
    router.add_get("/console/certificates", pages.certificates)
    router.add_get("/console/trust", configuration.trust)
    router.add_get("/console/peers", configuration.peers)
    router.add_post("/console/peers/{peer}/test", peer_checks.test_connection)
    router.add_get("/console/settings", configuration.settings_page)
    router.add_get("/console/alerts", alerts.alerts)
    router.add_get("/console/tokens", tokens.tokens)
    router.add_post("/console/tokens", tokens.create_token)
    router.add_post("/console/tokens/{token_id}/revoke", tokens.revoke_token)
    router.add_get("/console/audit", audit.audit_trail)
    router.add_get("/console/audit.csv", audit.audit_csv)
    # the deadlines were a board once: old links and bookmarks land on their page
    router.add_get("/console/board/deadlines", _deadlines_moved)
    router.add_get("/console/board/{name}", boards.board)
    if app[SERVICES].tracking is not None:
        _add_tracking_routes(app)
    router.add_get("/console/events", events.events)
    router.add_static("/console/static", HERE / "static", name="console-static")
    simulators.add_routes(app, app[SERVICES].settings)


def _add_tracking_routes(app: web.Application) -> None:
    """Hits and Dublin cases, when the gateway tracks them."""
    reads = Permission.READ_TRACKING
    register_page(app, ConsolePage(title="Hits", path="/console/hits", permission=reads))
    register_page(app, ConsolePage(title="Dublin cases", path="/console/cases", permission=reads))
    register_page(app, ConsolePage(title="Deadlines", path="/console/deadlines", permission=reads))
    router = app.router
    router.add_get("/console/hits", hits.hits)
    router.add_get("/console/hits.csv", hits.hits_csv)
    router.add_get("/console/hits/{hit_id}", hits.hit_page)
    router.add_post(
        "/console/hits/{hit_id}/{action:confirm|reject|reported|open-case}", hits.decide_hit
    )
    router.add_get("/console/deadlines", deadlines.deadlines)
    router.add_get("/console/deadlines.csv", deadlines.deadlines_csv)
    router.add_get("/console/cases", cases.cases)
    router.add_get("/console/cases.csv", cases.cases_csv)
    router.add_get("/console/cases/{case_id}", cases.case_page)
    router.add_post("/console/cases/{case_id}/reply", case_forms.reply)
    router.add_post("/console/cases/{case_id}/events", case_forms.record_event)
    router.add_post("/console/cases/{case_id}/messages", case_forms.send_message)


async def _deadlines_moved(request: web.Request) -> web.StreamResponse:
    raise web.HTTPMovedPermanently(
        str(request.rel_url.with_path("/console/deadlines").with_query(request.query))
    )


async def _stop_events(app: web.Application) -> None:
    await app[events.EVENT_HUB].close()
