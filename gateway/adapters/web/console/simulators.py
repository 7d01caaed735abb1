"""`/console/simulators`: testers set and clear the simulators' faults and see what they got.

Only when `simulator_control_url` names the control API of `eugw sim run`;
the console talks to it over HTTP like `eugw sim faults` does (the gateway
never imports the simulators). Faults are given as the control API takes
them, a JSON object such as `{"http_status": 503}` or `{"drop": true}`.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from aiohttp import web

from gateway.adapters.web.console.access import DONE, page, render
from gateway.adapters.web.console.extensions import ConsolePage, register_page
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.params import query
from gateway.broker.access import Permission
from gateway.errors import InputError, TransportError
from gateway.settings import Settings
from gateway.validation.json_parsing import parse_json

__all__ = ["add_routes"]

TIMEOUT = aiohttp.ClientTimeout(total=5)
UNREACHABLE = "GW-UI-SIMULATOR"
RECEIVED_SHOWN = 50


def add_routes(app: web.Application, settings: Settings) -> None:
    """The simulator page and its actions, when the settings name a control API."""
    if not settings.simulator_control_url:
        return
    register_page(
        app,
        ConsolePage(
            title="Simulators", path="/console/simulators", permission=Permission.DRIVE_SIMULATORS
        ),
    )
    app.router.add_get("/console/simulators", simulators)
    app.router.add_post("/console/simulators/faults", set_faults)
    app.router.add_post("/console/simulators/faults/clear", clear_faults)


async def _call(settings: Settings, method: str, path: str, body: object | None = None) -> Any:
    headers = {}
    if settings.simulator_control_token:
        headers["Authorization"] = f"Bearer {settings.simulator_control_token}"
    url = settings.simulator_control_url.rstrip("/") + path
    try:
        async with (
            aiohttp.ClientSession(timeout=TIMEOUT) as session,
            session.request(method, url, json=body, headers=headers) as response,
        ):
            answer = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, json.JSONDecodeError) as error:
        raise TransportError(
            UNREACHABLE, f"the simulators' control API at {url} did not answer"
        ) from error
    if response.status >= 400:
        detail = answer.get("detail") if isinstance(answer, dict) else None
        code = answer.get("code") if isinstance(answer, dict) else None
        raise TransportError(UNREACHABLE, f"{code or response.status}: {detail or 'refused'}")
    return answer


@page(Permission.DRIVE_SIMULATORS)
@query(DONE)
async def simulators(request: web.Request) -> web.Response:
    settings = request.app[SERVICES].settings
    try:
        faults = await _call(settings, "GET", "/control/faults")
        received = await _call(settings, "GET", "/control/received")
    except TransportError as error:
        return _page(request, problem=error.message, status=502)
    return _page(
        request,
        faults=faults,
        received=received[-RECEIVED_SHOWN:] if isinstance(received, list) else [],
        done=DONE.read(request),
    )


@page(Permission.DRIVE_SIMULATORS)
async def set_faults(request: web.Request) -> web.StreamResponse:
    settings = request.app[SERVICES].settings
    form = await request.post()
    endpoint = str(form.get("endpoint", "")).strip() or "*"
    try:
        faults = parse_json(str(form.get("faults", "")))
    except InputError as error:
        return _page(request, problem=f"the faults are not JSON: {error.message}", status=400)
    try:
        await _call(settings, "PUT", f"/control/faults/{endpoint}", faults)
    except TransportError as error:
        return _page(request, problem=error.message, status=502)
    raise web.HTTPSeeOther("/console/simulators?done=faults+set")


@page(Permission.DRIVE_SIMULATORS)
async def clear_faults(request: web.Request) -> web.StreamResponse:
    try:
        await _call(request.app[SERVICES].settings, "DELETE", "/control/faults")
    except TransportError as error:
        return _page(request, problem=error.message, status=502)
    raise web.HTTPSeeOther("/console/simulators?done=faults+cleared")


def _page(
    request: web.Request,
    *,
    faults: object = None,
    received: object = (),
    done: str | None = None,
    problem: str | None = None,
    status: int = 200,
) -> web.Response:
    context = {
        "faults": faults or {},
        "received": received,
        "done": done,
        "problem": problem,
        "pretty": lambda value: json.dumps(value, sort_keys=True),
    }
    return render(request, "simulators.html", context, status=status)
