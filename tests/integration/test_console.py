"""The console over HTTP: login with a token, roles per page and action, CSRF, the pages'
contents from real signed messages, bulk release, and the live event stream."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from console_rig import hidden as _hidden
from polling import eventually
from web_rig import Rig, api_rig
from yarl import URL

from gateway.adapters.web.console.events import EVENT_HUB, QUEUE_LIMIT, Listener
from gateway.broker.access import Role
from gateway.broker.states import Event, MessageState

SAMPLE = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "canonical"


async def _log_in(client: TestClient, token: str) -> tuple[int, str]:  # type: ignore[type-arg]
    form = await (await client.get("/console/login")).text()
    response = await client.post(
        "/console/login",
        data={"token": token, "login_csrf": _hidden(form, "login_csrf"), "next": "/console"},
        allow_redirects=False,
    )
    return response.status, await response.text()


async def _submit(rig: Rig) -> str:
    token = await rig.token(Role.SUBMITTER, name="evibel")
    response = await rig.client.post(
        "/v1/submissions",
        data=(SAMPLE / "applicant-2026.json").read_bytes(),
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "k-1"},
    )
    assert response.status == 202, await response.text()
    [message_id] = (await response.json())["message_ids"]
    return str(message_id)


async def _make_dead(rig: Rig, message_id: str) -> None:
    store, now = rig.services.store, datetime.now(tz=UTC)
    claimed = await store.claim(worker="w", now=now, lease=timedelta(minutes=1), limit=10)
    assert message_id in {message.message_id for message in claimed}
    await store.record(message_id, Event.GIVE_UP, at=now, worker="w", detail="GW-TRN-REFUSED: x")


async def test_login_is_by_token_and_refuses_unknown_tokens_and_other_roles(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        client = rig.client
        first = await client.get("/console/messages?state=dead", allow_redirects=False)
        assert first.status == 302
        location = URL(first.headers["Location"])
        assert location.path == "/console/login"
        assert location.query["next"] == "/console/messages?state=dead"
        status, page = await _log_in(client, "eugw_nonsense")
        assert (status, "GW-UI-LOGIN" in page) == (401, True)
        status, page = await _log_in(client, await rig.token(Role.SUBMITTER))
        assert (status, "GW-UI-ROLE" in page) == (401, True)
        stale = await client.post(
            "/console/login",
            data={"token": await rig.token(Role.OPERATOR), "login_csrf": "forged"},
            allow_redirects=False,
        )
        assert stale.status == 401
        assert "GW-UI-LOGIN-EXPIRED" in await stale.text()

        operator = await rig.token(Role.OPERATOR, name="j.peeters")
        form = await (await client.get("/console/login")).text()
        response = await client.post(
            "/console/login",
            data={"token": operator, "login_csrf": _hidden(form, "login_csrf"), "next": "//evil"},
            allow_redirects=False,
        )
        assert response.status == 303
        assert response.headers["Location"] == "/console"  # no open redirect
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert operator not in cookie
        dashboard = await client.get("/console")
        assert dashboard.status == 200
        assert "j.peeters" in await dashboard.text()

        page = await (await client.get("/console")).text()
        await client.post("/console/logout", data={"csrf": _hidden(page, "csrf")})
        after = await client.get("/console", allow_redirects=False)
        assert after.status == 302


async def test_a_revoked_token_ends_its_session(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        secret = await rig.token(Role.OPERATOR)
        assert (await _log_in(rig.client, secret))[0] == 303
        [token] = await rig.services.store.tokens()
        await rig.services.store.revoke_token(token.token_id, at=datetime.now(tz=UTC))
        response = await rig.client.get("/console", allow_redirects=False)
    assert response.status == 302


async def test_an_operator_reads_a_signed_message_and_cancels_it(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        message_id = await _submit(rig)
        await _log_in(rig.client, await rig.token(Role.OPERATOR, name="op"))
        listing = await (await rig.client.get("/console/messages?state=queued&hours=1")).text()
        assert message_id in listing
        huge = await rig.client.get("/console/messages?offset=9320232856984291691724&hours=9")
        assert huge.status == 200
        far = await rig.client.get("/console/messages?hours=99999999999999&offset=3")
        assert far.status == 200
        dashboard = await (await rig.client.get("/console")).text()
        waiting = r"EU:eurodac</td><td class=\"circuit-closed\">closed</td>\s*<td>\d+ s</td>"
        assert re.search(waiting, dashboard)  # the oldest message waiting, in seconds
        assert message_id not in await (await rig.client.get("/console/messages?state=dead")).text()
        found = await rig.client.get(f"/console/messages?id={message_id}", allow_redirects=False)
        assert found.headers["Location"] == f"/console/messages/{message_id}"
        detail = await (await rig.client.get(found.headers["Location"])).text()
        assert 'id="signature-valid">valid<' in detail
        assert "BE:gateway" in detail
        assert "\n  &lt;" in detail  # pretty-printed XML, escaped
        assert 'id="action-cancel"' in detail
        assert 'id="action-resend"' not in detail  # not allowed for a queued message

        forged = await rig.client.post(
            f"/console/messages/{message_id}/cancel", data={"csrf": "guess"}
        )
        assert forged.status == 403
        assert "GW-UI-CSRF" in await forged.text()
        assert await rig.state(message_id) is MessageState.QUEUED

        async def cancel() -> ClientResponse:
            form = {"csrf": _hidden(detail, "csrf")}
            return await rig.client.post(f"/console/messages/{message_id}/cancel", data=form)

        cancelled = await cancel()
        assert cancelled.status == 200
        assert "Done: cancel" in await cancelled.text()
        assert await rig.state(message_id) is MessageState.CANCELLED
        again = await cancel()  # the same form once more
        assert again.status == 409
        assert "GW-BRK-TRANSITION" in await again.text()


async def test_an_auditor_reads_but_cannot_act(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        message_id = await _submit(rig)
        await _make_dead(rig, message_id)
        await _log_in(rig.client, await rig.token(Role.AUDITOR))
        detail = await (await rig.client.get(f"/console/messages/{message_id}")).text()
        assert "GW-TRN-REFUSED: x" in detail
        assert "action-release" not in detail
        dead = await (await rig.client.get("/console/dead")).text()
        assert message_id in dead
        assert "release-selected" not in dead
        response = await rig.client.post(
            f"/console/messages/{message_id}/release", data={"csrf": _hidden(detail, "csrf")}
        )
        assert response.status == 403
        assert "GW-UI-ROLE" in await response.text()
        certificates = await (await rig.client.get("/console/certificates")).text()
        assert "BE:gateway" in certificates


async def test_dead_letters_are_released_in_bulk(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        first = await _submit(rig)
        await _make_dead(rig, first)
        await _log_in(rig.client, await rig.token(Role.OPERATOR))
        page = await (await rig.client.get("/console/dead")).text()
        assert first in page
        response = await rig.client.post(
            "/console/dead/release",
            data=[("csrf", _hidden(page, "csrf")), ("message_id", first), ("message_id", "nope")],
        )
        text = await response.text()
        state = await rig.state(first)
    assert "Released 1; 1 could not be released" in text
    assert state is MessageState.QUEUED


async def test_the_event_stream_sends_counts_and_state_changes(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        unauthenticated = await rig.client.get("/console/events")
        assert unauthenticated.status == 401
        message_id = await _submit(rig)
        await _log_in(rig.client, await rig.token(Role.OPERATOR))
        async with rig.client.get(f"/console/events?watch={message_id}") as stream:
            assert stream.headers["Content-Type"] == "text/event-stream"
            first = await _next_event(stream)
            assert first[0] == "counts"
            assert {"peer": "EU:eurodac", "state": "queued", "count": 1} in first[1]["counts"]
            await rig.services.store.record(
                message_id, Event.CANCEL, at=datetime.now(tz=UTC), detail="test"
            )
            names = []
            while ("message", message_id) not in names:
                name, data = await _next_event(stream)
                names.append((name, data.get("message_id")))
                if name == "message":
                    assert data["state"] == "cancelled"


async def _next_event(stream: object) -> tuple[str, dict[str, object]]:
    name = ""
    async for raw in stream.content:  # type: ignore[attr-defined]
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            return name, json.loads(line.removeprefix("data: "))
    raise AssertionError("the stream ended")


async def test_the_audit_trail_is_shown_and_its_chain_checked(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        message_id = await _submit(rig)
        await _log_in(rig.client, await rig.token(Role.AUDITOR))
        trail = await (await rig.client.get("/console/audit")).text()
        assert "submission.accepted" in trail
        assert f'href="/console/messages/{message_id}"' in trail
        whole = await (await rig.client.get("/console/audit?verify=1")).text()
        assert 'id="chain"' in whole
        assert "is whole" in whole
        database = rig.services.settings.data_dir / "gateway.sqlite3"
        await asyncio.to_thread(_tamper, database)
        broken = await (await rig.client.get("/console/audit?verify=1")).text()
    assert "GW-AUDIT-BROKEN" in broken
    assert "broken at entry 2" in broken


def _tamper(database: Path) -> None:
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE audit SET actor = 'someone else' WHERE seq = 2")


async def test_one_poller_serves_every_listener_and_stops_when_none_is_left(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        message_id = await _submit(rig)
        await _log_in(rig.client, await rig.token(Role.OPERATOR))
        hub = rig.client.app[EVENT_HUB]  # type: ignore[index]
        async with (
            rig.client.get("/console/events") as first,
            rig.client.get("/console/events") as second,
        ):
            assert (await _next_event(first))[0] == "counts"
            assert (await _next_event(second))[0] == "counts"
            assert hub.polling
            await rig.services.store.record(message_id, Event.CANCEL, at=datetime.now(tz=UTC))
            for stream in (first, second):
                name, data = await _next_event(stream)
                while name != "message":
                    name, data = await _next_event(stream)
                assert (data["message_id"], data["state"]) == (message_id, "cancelled")
        await eventually(lambda: not hub.polling, within=10)


def test_a_listener_that_falls_behind_is_refused_more_events() -> None:
    listener = Listener(watch=None)
    assert all(listener.offer(("counts", {})) for _ in range(QUEUE_LIMIT))
    assert not listener.offer(("counts", {}))
