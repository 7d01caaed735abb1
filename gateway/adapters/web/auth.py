"""Bearer tokens: each handler states the permission it needs; one of the token's roles must
grant it (the one table: `gateway.broker.access.GRANTS`).

`authenticate` checks the token and counts the request against the token's rate limit
(429 with Retry-After beyond it, `GW-API-RATE-LIMITED`). The limits middleware calls it
before a request's body is read; `requires` calls it when nothing has yet.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from functools import wraps

from aiohttp import web

from gateway.adapters.web.budgets import RateLimiter
from gateway.adapters.web.keys import CALLER, SERVICES
from gateway.broker.access import ApiToken, Permission, digest_of, roles_with

__all__ = [
    "RATE_LIMITER",
    "SESSION_AUTH",
    "SessionAuth",
    "authenticate",
    "caller",
    "count_request",
    "refusal",
    "requires",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SessionAuth = Callable[[web.Request], Awaitable[ApiToken | None]]
"""The token behind a browser's console session, if any (set by the console)."""
SESSION_AUTH: web.AppKey[SessionAuth] = web.AppKey("session_auth")
RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)  # absent: no rate limit
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def requires(permission: Permission) -> Callable[[Handler], Handler]:
    """Refuse the request (401/403) unless its bearer token grants `permission`; a GET may
    instead come from a logged-in console page (its session stands for its token)."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            token = request.get(CALLER)
            if token is None:
                await authenticate(request, permission)
            elif not token.may(permission):  # authenticated for another route: never here
                raise web.HTTPForbidden(text=refusal(permission))
            return await handler(request)

        # for the OpenAPI description, the limits middleware and the console's boards
        checked.required_permission = permission  # type: ignore[attr-defined]
        return checked

    return decorate


def refusal(permission: Permission) -> str:
    """Why a token without `permission` is refused, naming the roles that grant it."""
    roles = " or ".join(role.value for role in roles_with(permission))
    return f"this needs the {permission.value} permission (role {roles})"


async def authenticate(request: web.Request, permission: Permission) -> ApiToken:
    """The caller's token, once it is known, valid, grants `permission` and is within its rate
    limit; it is kept as the request's `CALLER`."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    session_auth = request.app.get(SESSION_AUTH)
    token: ApiToken | None = None
    if scheme.lower() == "bearer" and secret:
        token = await request.app[SERVICES].store.token_by_digest(digest_of(secret.strip()))
    elif request.method in _SAFE_METHODS and session_auth is not None:
        # The console's pages read the API with their session (reads only: a
        # change always needs the bearer token, so no cross-site form can make one).
        token = await session_auth(request)
        if token is None:
            raise _no_token()
    else:
        raise _no_token()
    if token is None or token.revoked_at is not None:
        raise web.HTTPUnauthorized(
            text="the token is unknown or revoked", headers={"WWW-Authenticate": "Bearer"}
        )
    if not token.may(permission):
        raise web.HTTPForbidden(text=refusal(permission))
    count_request(request, token)
    request[CALLER] = token
    return token


def count_request(request: web.Request, token: ApiToken) -> None:
    """Count a request of `token` against its rate limit; 429 with Retry-After beyond it."""
    limiter = request.app.get(RATE_LIMITER)
    if limiter is None:
        return
    wait = limiter.take(token.digest, now=asyncio.get_running_loop().time())
    if wait > 0:
        raise web.HTTPTooManyRequests(
            text=f"this token sent more than {limiter.rate:g} requests a second; slow down",
            headers={"Retry-After": str(max(math.ceil(wait), 1))},
        )


def _no_token() -> web.HTTPUnauthorized:
    return web.HTTPUnauthorized(
        text="a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
    )


def caller(request: web.Request) -> ApiToken:
    return request[CALLER]
