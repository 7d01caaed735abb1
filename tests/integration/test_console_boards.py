"""Boards of other modules' data appear in the console once their API route exists, and read
that route with the console session (reads only)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from aiohttp import web
from web_rig import api_rig

from gateway.adapters.web.auth import requires
from gateway.broker.access import Role

HITS = {"hits": [{"hit_id": "h-1", "status": "awaiting_verification", "due": "2026-12-01"}]}


@requires(Role.OPERATOR)
async def list_hits(_: web.Request) -> web.Response:
    return web.json_response(HITS)


def with_hits(app: web.Application) -> None:
    app.router.add_get("/v1/hits", list_hits)


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
    async with api_rig(tmp_path, routes=with_hits) as rig:
        client = rig.client
        assert (await client.get("/v1/hits")).status == 401  # no session, no token
        await _log_in(client, await rig.token(Role.OPERATOR))
        dashboard = await (await client.get("/console")).text()
        assert 'href="/console/board/hits"' in dashboard
        assert "/console/board/cases" not in dashboard  # no such route: no board
        board = await client.get("/console/board/hits")
        assert board.status == 200
        assert 'data-source="/v1/hits?state=pending"' in await board.text()
        read = await client.get("/v1/hits?state=pending")
        assert read.status == 200
        assert await read.json() == HITS
        change = await client.post("/v1/messages/m-1/cancel")
        assert change.status == 401  # a session never stands for a token in a change
        assert (await client.get("/console/board/cases")).status == 404

        await _log_in(client, await rig.token(Role.TESTER))
        assert (await client.get("/console/board/hits")).status == 403
        assert "/console/board/hits" not in await (await client.get("/console")).text()
        assert (await client.get("/v1/hits")).status == 403
