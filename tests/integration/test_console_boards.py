"""Boards of other modules' data appear in the console once their API route exists, and read
that route with the console session (reads only)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp import web
from web_rig import api_rig

from gateway.adapters.web.auth import requires
from gateway.adapters.web.console.extensions import BOARDS, Board, add_board
from gateway.broker.access import Permission, Role

HITS = {"hits": [{"hit_id": "h-1", "status": "awaiting_verification", "due": "2026-12-01"}]}
PROBE = Board(name="probe", title="Probe board", api_path="/v1/probe", source="/v1/probe?x=1")


@requires(Permission.READ_MESSAGES)
async def list_probe(_: web.Request) -> web.Response:
    return web.json_response(HITS)


def with_probe(app: web.Application) -> None:
    # A board of its own, so the test holds whatever API routes the gateway has.
    app.router.add_get("/v1/probe", list_probe)
    add_board(app, PROBE)


def test_the_gateway_s_own_data_has_pages_not_boards() -> None:
    # Hits, Dublin cases and deadlines have pages of their own (test_console_hits.py,
    # _cases.py, _deadlines.py); boards are left for extensions.
    assert BOARDS == ()


async def _log_in(client: Any, token: str) -> None:
    form = await (await client.get("/console/login")).text()
    found = re.search(r'name="login_csrf" value="([^"]*)"', form)
    assert found
    response = await client.post(
        "/console/login", data={"token": token, "login_csrf": found.group(1)}
    )
    assert response.status == 200


async def test_a_board_appears_for_an_api_route_and_reads_it_with_the_session(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path, routes=with_probe) as rig:
        client = rig.client
        assert (await client.get("/v1/probe")).status == 401  # no session, no token
        await _log_in(client, await rig.token(Role.OPERATOR))
        dashboard = await (await client.get("/console")).text()
        assert 'href="/console/board/probe"' in dashboard
        board = await client.get("/console/board/probe")
        assert board.status == 200
        assert 'data-source="/v1/probe?x=1"' in await board.text()
        read = await client.get("/v1/probe?x=1")
        assert read.status == 200
        assert await read.json() == HITS
        change = await client.post("/v1/messages/m-1/cancel")
        assert change.status == 401  # a session never stands for a token in a change
        assert (await client.get("/console/board/nothing")).status == 404

        await _log_in(client, await rig.token(Role.TESTER))
        assert (await client.get("/console/board/probe")).status == 403
        assert "/console/board/probe" not in await (await client.get("/console")).text()
        assert (await client.get("/v1/probe")).status == 403


async def test_no_board_without_its_api_route(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        await _log_in(rig.client, await rig.token(Role.OPERATOR))
        assert (await rig.client.get("/console/board/probe")).status == 404
