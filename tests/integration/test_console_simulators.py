"""The console's Simulators page for testers, against a stand-in of the simulators' control API."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from web_rig import api_rig

from gateway.broker.access import Role

CONTROL_TOKEN = "control-secret"  # noqa: S105 - a test's own stand-in


class ControlApi:
    """Answers like `eugw sim run`'s control API and keeps what it was told."""

    def __init__(self) -> None:
        self.faults: dict[str, Any] = {}
        self.app = web.Application(middlewares=[self.guard])
        self.app.router.add_get("/control/faults", self.show)
        self.app.router.add_put("/control/faults/{endpoint}", self.set)
        self.app.router.add_delete("/control/faults", self.clear)
        self.app.router.add_get("/control/received", self.received)

    @web.middleware
    async def guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.headers.get("Authorization") != f"Bearer {CONTROL_TOKEN}":
            return web.json_response({"code": "GW-SIM-UNAUTHORISED", "detail": "no"}, status=401)
        response: web.StreamResponse = await handler(request)
        return response

    async def show(self, _: web.Request) -> web.Response:
        return web.json_response(self.faults)

    async def set(self, request: web.Request) -> web.Response:
        body = await request.json()
        if "nonsense" in body:
            return web.json_response({"code": "GW-SIM-FAULT", "detail": "no fault"}, status=400)
        self.faults[request.match_info["endpoint"]] = body
        return web.json_response(body)

    async def clear(self, _: web.Request) -> web.Response:
        self.faults.clear()
        return web.json_response({"cleared": "all"})

    async def received(self, _: web.Request) -> web.Response:
        return web.json_response([{"endpoint": "eurodac", "state": "acknowledged"}])


@pytest.fixture
async def control() -> AsyncIterator[tuple[ControlApi, str]]:
    api = ControlApi()
    async with TestServer(api.app) as server:
        yield api, str(server.make_url(""))


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found
    return found.group(1)


async def _log_in(client: Any, token: str) -> None:
    form = await (await client.get("/console/login")).text()
    response = await client.post(
        "/console/login", data={"token": token, "login_csrf": _hidden(form, "login_csrf")}
    )
    assert response.status == 200


async def test_a_tester_sets_and_clears_faults(
    tmp_path: Path, control: tuple[ControlApi, str]
) -> None:
    api, url = control
    async with api_rig(
        tmp_path, simulator_control_url=url, simulator_control_token=CONTROL_TOKEN
    ) as rig:
        await _log_in(rig.client, await rig.token(Role.TESTER))
        page = await (await rig.client.get("/console/simulators")).text()
        assert 'href="/console/simulators"' in page
        assert 'href="/console/messages"' not in page  # messages hold personal data
        assert "acknowledged" in page
        csrf = _hidden(page, "csrf")
        set_page = await rig.client.post(
            "/console/simulators/faults",
            data={"csrf": csrf, "endpoint": "NL", "faults": '{"http_status": 503}'},
        )
        assert "Done: faults set" in await set_page.text()
        assert api.faults == {"NL": {"http_status": 503}}
        assert json.dumps({"http_status": 503}) in await set_page.text()
        refused = await rig.client.post(
            "/console/simulators/faults",
            data={"csrf": csrf, "endpoint": "NL", "faults": '{"nonsense": 1}'},
        )
        assert refused.status == 502
        assert "GW-SIM-FAULT" in await refused.text()
        bad = await rig.client.post(
            "/console/simulators/faults", data={"csrf": csrf, "faults": "{"}
        )
        assert bad.status == 400
        await rig.client.post("/console/simulators/faults/clear", data={"csrf": csrf})
        assert api.faults == {}
        messages = await rig.client.get("/console/messages")
        assert messages.status == 403


async def test_operators_get_no_simulator_page_and_a_silent_api_is_reported(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nobody listens there
    async with api_rig(tmp_path / "a", simulator_control_url=f"http://127.0.0.1:{port}") as rig:
        await _log_in(rig.client, await rig.token(Role.OPERATOR))
        dashboard = await (await rig.client.get("/console")).text()
        assert "/console/simulators" not in dashboard
        assert (await rig.client.get("/console/simulators")).status == 403
        await _log_in(rig.client, await rig.token(Role.TESTER))
        silent = await rig.client.get("/console/simulators")
        assert silent.status == 502
        assert "GW-UI-SIMULATOR" in await silent.text()
    async with api_rig(tmp_path / "b") as rig:
        await _log_in(rig.client, await rig.token(Role.TESTER))
        assert (await rig.client.get("/console/simulators")).status == 404
