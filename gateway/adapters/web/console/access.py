"""Console login and logout, and the role check of every console page and action.

Log in by pasting an API token (made with `eugw tokens create`): the token is
checked against the store and exchanged for a session cookie. A page states
the permission it needs with `@page(Permission.X)`, granted to roles by the one
table the API uses too (`gateway.broker.access.GRANTS`); a POST must carry the
session's CSRF token and, when the browser sends an Origin, come from here.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp_jinja2
from aiohttp import web

from gateway.adapters.web.auth import count_request, refusal
from gateway.adapters.web.console.extensions import menu
from gateway.adapters.web.console.missing import Missing
from gateway.adapters.web.console.sessions import (
    COOKIE,
    LOGIN_COOKIE,
    Session,
    Sessions,
    same_secret,
)
from gateway.adapters.web.keys import CALLER, SERVICES
from gateway.adapters.web.params import Text, query
from gateway.broker.access import ApiToken, Permission, digest_of
from gateway.errors import InputError
from gateway.logging import get_logger

__all__ = [
    "DONE",
    "LOGIN",
    "SESSION",
    "SESSIONS",
    "login",
    "login_form",
    "logout",
    "page",
    "render",
    "session_token",
]

SESSIONS = web.AppKey("console_sessions", Sessions)
SESSION = web.RequestKey("console_session", Session)
LOGIN = Permission.SEE_QUEUES  # operators, auditors, testers and admins log in
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DONE = Text(name="done", max_length=100, description="what was just done, said once")
NEXT = Text(name="next", max_length=2000, description="the console page to go to after login")


def render(
    request: web.Request, template: str, context: dict[str, Any], *, status: int = 200
) -> web.Response:
    """A console page, with what every page needs (the caller, the CSRF token, the menu)."""
    session = request.get(SESSION)
    token = request.get(CALLER)
    base = {
        "caller": token,
        "csrf": session.csrf if session else "",
        "menu": menu(request.app, token) if token else [],
        "path": request.path,
        # what the caller may do, for the page to offer (each action checks it again)
        "may": lambda name: token is not None and token.may(Permission(name)),
    }
    response = aiohttp_jinja2.render_template(template, request, {**base, **context})
    response.set_status(status)
    return response  # security headers: `headers.add_security_headers`, for every response


def page(permission: Permission) -> Callable[[Handler], Handler]:
    """Only for a logged-in caller whose token grants `permission`; checks CSRF on POST."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            services = request.app[SERVICES]
            session = request.app[SESSIONS].get(
                request.cookies.get(COOKIE), now=services.clock.now()
            )
            token = await _token_of(request, session)
            if session is None or token is None:
                if request.method != "GET" or request.path == "/console/events":
                    return web.Response(status=401, text="GW-UI-SESSION: log in first")
                raise web.HTTPFound(f"/console/login?next={quote(request.path_qs)}")
            request[SESSION] = session
            request[CALLER] = token
            count_request(request, token)  # a session spends its token's rate limit
            if not token.may(permission):
                reason = refusal(permission)
                return render(request, "denied.html", _denied("GW-UI-ROLE", reason), status=403)
            if request.method == "POST":
                form = await request.post()
                if not same_secret(_text(form.get("csrf")), session.csrf) or not _same_origin(
                    request
                ):
                    reason = "the form is stale or came from elsewhere; reload the page"
                    return render(request, "denied.html", _denied("GW-UI-CSRF", reason), status=403)
            try:
                return await handler(request)
            except Missing as missing:
                return render(request, "missing.html", {"what": missing.what}, status=404)
            except InputError as error:  # a filter in the URL: said on a page, not as JSON
                if request.method != "GET":
                    raise
                shown = {"problem": error, "back": request.path}
                return render(request, "refused.html", shown, status=400)

        checked.console_permission = permission  # type: ignore[attr-defined]
        return checked

    return decorate


def _denied(code: str, reason: str) -> dict[str, str]:
    return {"code": code, "reason": reason}


async def session_token(request: web.Request) -> ApiToken | None:
    """The token behind the request's console session (for `auth.SESSION_AUTH`)."""
    services = request.app[SERVICES]
    session = request.app[SESSIONS].get(request.cookies.get(COOKIE), now=services.clock.now())
    return await _token_of(request, session)


async def _token_of(request: web.Request, session: Session | None) -> ApiToken | None:
    if session is None:
        return None
    token = await request.app[SERVICES].store.token_by_digest(session.token_digest)
    if token is None or token.revoked_at is not None:
        request.app[SESSIONS].close(session.session_id)
        return None
    return token


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        # Old browsers send none, and a page served with `Referrer-Policy: no-referrer`
        # (every page here) makes browsers send "null" on its own form posts; the CSRF
        # token (which another origin cannot read) and SameSite=Strict still hold.
        return True
    return urlsplit(origin).netloc == request.host


@query(NEXT)
async def login_form(request: web.Request) -> web.Response:
    secret = secrets.token_urlsafe(32)
    response = render(request, "login.html", {"login_csrf": secret, "next": _next_of(request)})
    _set_cookie(request, response, LOGIN_COOKIE, secret, max_age=3600)
    return response


@query(NEXT)
async def login(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    form = await request.post()
    offered = _text(form.get("token")) or ""
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not same_secret(_text(form.get("login_csrf")), cookie):
        return await _refused(request, "GW-UI-LOGIN-EXPIRED", "The login form expired; try again.")
    token = await services.store.token_by_digest(digest_of(offered.strip()))
    if token is None or token.revoked_at is not None:
        get_logger().info("console login refused", reason="unknown or revoked token")
        return await _refused(request, "GW-UI-LOGIN", "This token is unknown or revoked.")
    if not token.may(LOGIN):
        return await _refused(
            request,
            "GW-UI-ROLE",
            "This token grants none of the operator, auditor, tester, admin roles.",
        )
    session = request.app[SESSIONS].open(token.digest, now=services.clock.now())
    get_logger().info("console login", status="ok")
    response = _see_other(_next_of(request, form.get("next")))
    # The session cookie goes to the whole site: console pages read the API with it.
    _set_cookie(request, response, COOKIE, session.session_id, max_age=None, path="/")
    response.del_cookie(LOGIN_COOKIE, path="/console")
    return response


async def _refused(request: web.Request, code: str, reason: str) -> web.Response:
    secret = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        {"login_csrf": secret, "error": reason, "code": code, "next": _next_of(request)},
        status=401,
    )
    _set_cookie(request, response, LOGIN_COOKIE, secret, max_age=3600)
    return response


@page(LOGIN)
async def logout(request: web.Request) -> web.StreamResponse:
    request.app[SESSIONS].close(request.cookies.get(COOKIE))
    response = _see_other("/console/login")
    response.del_cookie(COOKIE, path="/")
    return response


def _see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


def _next_of(request: web.Request, posted: object = None) -> str:
    """Where to go after login: a console path only (no open redirect)."""
    wanted = _text(posted) or NEXT.read(request) or ""
    parts = urlsplit(wanted)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console"):
        return "/console"
    return wanted


def _set_cookie(
    request: web.Request,
    response: web.StreamResponse,
    name: str,
    value: str,
    *,
    max_age: int | None,
    path: str = "/console",
) -> None:
    response.set_cookie(
        name,
        value,
        path=path,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
        max_age=max_age,
    )
