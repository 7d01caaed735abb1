"""Bearer tokens: each handler states the role it needs; the token must grant it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from aiohttp import web

from gateway.adapters.web.keys import CALLER, SERVICES
from gateway.broker.access import ApiToken, Role, digest_of

__all__ = ["caller", "requires"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def requires(role: Role) -> Callable[[Handler], Handler]:
    """Refuse the request (401/403) unless its bearer token grants `role`."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not secret:
                raise web.HTTPUnauthorized(
                    text="a bearer token is required", headers={"WWW-Authenticate": "Bearer"}
                )
            store = request.app[SERVICES].store
            token = await store.token_by_digest(digest_of(secret.strip()))
            if token is None or token.revoked_at is not None:
                raise web.HTTPUnauthorized(
                    text="the token is unknown or revoked", headers={"WWW-Authenticate": "Bearer"}
                )
            if not token.allows(role):
                raise web.HTTPForbidden(text=f"this endpoint needs the {role.value} role")
            request[CALLER] = token
            return await handler(request)

        checked.required_role = role  # type: ignore[attr-defined]  # for the OpenAPI description
        return checked

    return decorate


def caller(request: web.Request) -> ApiToken:
    return request[CALLER]
