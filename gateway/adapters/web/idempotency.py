"""The `Idempotency-Key` header: a caller's name for one request, so that sending it again
makes nothing twice (submissions and batches require it; cases and messages on them take it)."""

from __future__ import annotations

from aiohttp import web

from gateway.errors import InputError

__all__ = ["idempotency_key", "required_idempotency_key"]

HEADER = "Idempotency-Key"
MAX_LENGTH = 200


def idempotency_key(request: web.Request) -> str | None:
    """The request's key without surrounding space; None when it gives none."""
    return request.headers.get(HEADER, "").strip() or None


def required_idempotency_key(request: web.Request) -> str:
    """The request's key, of 1 to `MAX_LENGTH` characters, or a `GW-API-IDEMPOTENCY-KEY`."""
    key = idempotency_key(request)
    if key is None or len(key) > MAX_LENGTH:
        raise InputError(
            "GW-API-IDEMPOTENCY-KEY",
            f"an {HEADER} header of 1 to {MAX_LENGTH} characters is required",
            HEADER,
        )
    return key
