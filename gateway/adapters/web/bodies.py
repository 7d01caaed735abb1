"""JSON request bodies, sized and measured before they are decoded (`parse_json`).

Every route that reads JSON reads it here: a body nested deeper than `MAX_JSON_DEPTH`
is refused with `GW-JSON-TOO-DEEP` before `json` recurses into it, and anything `json`
refuses is `GW-IN-JSON`. Large bodies are scanned and decoded off the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from gateway.errors import InputError
from gateway.validation.json_parsing import INVALID, parse_json

__all__ = ["json_object", "read_json"]

OFF_LOOP_BYTES = 64 * 1024  # a larger body is decoded on a thread


async def read_json(request: web.Request, *, empty: bytes = b"") -> Any:
    """The request's JSON body (`empty` stands for a body of no bytes)."""
    raw = await request.read() or empty
    if len(raw) <= OFF_LOOP_BYTES:
        return parse_json(raw)
    return await asyncio.to_thread(parse_json, raw)


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request's body as a JSON object; no body reads as `{}`."""
    if not request.body_exists:  # (can_read_body is False once the body was read)
        return {}
    data = await read_json(request, empty=b"{}")
    if not isinstance(data, dict):
        raise InputError(INVALID, "the body is not a JSON object", "")
    return data
