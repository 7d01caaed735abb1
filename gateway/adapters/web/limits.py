"""What one caller, and all callers together, can make a server hold or do.

- **Request bodies in memory.** A body is read whole before its handler runs, and only
  when the server's `BodyBudget` (shared by the API and the inbound server) can take its
  declared length; otherwise the answer is 503 with Retry-After (`GW-API-BUSY`), and a body
  larger than the route takes is 413 (`GW-API-TOO-LARGE`) before a byte of it is read. A
  body without a declared length, or compressed (it grows when decoded), reserves the
  route's largest size. The caller of a route that needs a role is authenticated first,
  so a stranger cannot hold memory with a body; routes that need none (console forms)
  take small bodies only. A body must arrive within `body_timeout` (`GW-API-BODY-TIMEOUT`,
  408). Routes that stream their body to disk (`@streams_body`) are not read here.
- **Requests per token** are counted where the token is checked (`auth.authenticate`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import hdrs, web

from gateway.adapters.web.auth import authenticate
from gateway.adapters.web.budgets import BodyBudget
from gateway.adapters.web.problems import problem_response
from gateway.broker.access import Permission
from gateway.domain import Problem
from gateway.domain.frozen import frozen

__all__ = ["LIMITS", "RequestLimits", "limits_middleware", "streams_body"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BUSY = "GW-API-BUSY"
TOO_LARGE = "GW-API-TOO-LARGE"
BODY_TIMEOUT = "GW-API-BODY-TIMEOUT"
RETRY_AFTER_BUSY = 1  # seconds: bodies in memory are handled in well under that
_IDENTITY = frozenset({"", "identity"})


@frozen
class RequestLimits:
    """One application's limits (the budget is shared by the gateway's servers)."""

    budget: BodyBudget
    max_body_bytes: int  # one body of a route that authenticates its caller
    anonymous_max_body_bytes: int  # one body of a route that needs no role
    body_timeout: float


LIMITS = web.AppKey("request_limits", RequestLimits)


def streams_body(handler: Handler) -> Handler:
    """Mark a handler that reads its body as a stream (it is not read into memory here)."""
    handler.streams_body = True  # type: ignore[attr-defined]
    return handler


@web.middleware
async def limits_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    limits = request.app[LIMITS]
    route = request.match_info.handler
    permission: Permission | None = getattr(route, "required_permission", None)
    if permission is not None:
        await authenticate(request, permission)  # 401, 403 or 429 before any byte of the body
    if not request.body_exists or getattr(route, "streams_body", False):
        return await handler(request)
    largest = limits.max_body_bytes if permission is not None else limits.anonymous_max_body_bytes
    declared = request.content_length
    if declared is not None and declared > largest:
        return _refused(413, TOO_LARGE, f"the request body is larger than {largest} bytes")
    encoded = request.headers.get(hdrs.CONTENT_ENCODING, "").strip().lower() not in _IDENTITY
    size = largest if declared is None or encoded else declared
    if not limits.budget.reserve(size):
        return _refused(
            503,
            BUSY,
            "the gateway holds as many request bodies as it may; send again shortly",
            retry_after=RETRY_AFTER_BUSY,
        )
    try:
        bounded = request.clone(client_max_size=largest)  # what is read is counted above
        try:
            async with asyncio.timeout(limits.body_timeout):
                await bounded.read()  # kept: the handler's read(), post() and json() use it
        except TimeoutError:
            return _refused(
                408, BODY_TIMEOUT, f"the body did not arrive within {limits.body_timeout:g} s"
            )
        return await handler(bounded)
    finally:
        limits.budget.release(size)


def _refused(
    status: int, code: str, sentence: str, *, retry_after: int | None = None
) -> web.Response:
    response = problem_response(status, [Problem(code=code, message=sentence, path="")])
    if retry_after is not None:
        response.headers[hdrs.RETRY_AFTER] = str(retry_after)
    return response
