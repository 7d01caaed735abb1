"""Errors as RFC 9457 problem documents, with our code, sentence and field paths."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from gateway.domain import Problem
from gateway.errors import (
    ConfigError,
    GatewayError,
    InputError,
    RemoteError,
    SecurityError,
    TransportError,
)
from gateway.logging import get_logger
from gateway.pipeline.submissions import problem_document

__all__ = ["PROBLEM_JSON", "error_middleware", "problem_response"]

PROBLEM_JSON = "application/problem+json"
_CONTENT_AREAS = frozenset(
    {"VAL", "MAP", "MSG", "NIST"}
)  # the request was read; its content is bad
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Broker errors that name a resource or a conflict, not a malformed request.
_STATUS_OF_CODE = {
    "GW-BRK-UNKNOWN": 404,
    "GW-BRK-TRANSITION": 409,
    "GW-BRK-PURGED": 410,
    "GW-JSON-TOO-LARGE": 413,
    "GW-IN-NO-TOKEN": 404,
    "GW-API-TOKEN-OWN": 409,
}
_CODE_OF_STATUS = {
    401: "GW-API-UNAUTHENTICATED",
    403: "GW-API-FORBIDDEN",
    404: "GW-API-NOT-FOUND",
    405: "GW-API-METHOD",
    408: "GW-API-BODY-TIMEOUT",
    413: "GW-API-TOO-LARGE",
    429: "GW-API-RATE-LIMITED",
}
# Headers of an HTTP error that the client needs to act on it; they go on the problem.
_KEPT_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow")


def problem_response(status: int, problems: list[Problem], **extra: Any) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(problem_document(status, problems, **extra)),
        content_type=PROBLEM_JSON,
    )


def _status_of(error: GatewayError) -> int:
    if error.code in _STATUS_OF_CODE:
        return _STATUS_OF_CODE[error.code]
    if isinstance(error, InputError):
        area = error.code.split("-")[1] if error.code.count("-") >= 2 else ""
        return 422 if area in _CONTENT_AREAS else 400
    if isinstance(error, SecurityError):
        return 403
    if isinstance(error, TransportError | RemoteError):
        return 503
    if isinstance(error, ConfigError):
        return 500
    return 400


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as http:
        if http.status < 400:
            raise
        code = _CODE_OF_STATUS.get(http.status, "GW-API-REQUEST")
        response = problem_response(
            http.status, [Problem(code=code, message=http.text or http.reason, path="")]
        )
        for name in _KEPT_HEADERS:
            if name in http.headers:
                response.headers[name] = http.headers[name]
        return response
    except InputError as error:
        return problem_response(_status_of(error), error.problems)
    except GatewayError as error:
        status = _status_of(error)
        return problem_response(
            status, [Problem(code=error.code, message=error.message, path=error.path)]
        )
    except Exception as error:  # noqa: BLE001 - the last line of defence: a problem, no traceback
        get_logger(path=request.path).exception("request failed", error_type=type(error).__name__)
        return problem_response(
            500,
            [Problem(code="GW-INTERNAL", message="an unexpected error occurred", path="")],
        )
