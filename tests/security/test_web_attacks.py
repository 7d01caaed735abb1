"""The classes of web attack the API and the console already held against, kept held: one
submitter reading another's submission (IDOR), SQL in filters, path traversal, a forged
console action (CSRF) and script in stored values (XSS). Each is refused or made harmless,
and the store is as it was."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from web_rig import Rig, api_rig, new_message

from gateway.broker.access import Role
from gateway.broker.states import MessageState
from gateway.ports import MessageFilter

SAMPLE = Path(__file__).resolve().parents[2] / "mappings/samples/canonical/applicant-2026.json"


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_a_submitter_cannot_read_another_submitters_submission(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        evibel = await rig.token(Role.SUBMITTER, name="evibel")
        actio = await rig.token(Role.SUBMITTER, name="actio")
        sent = await rig.client.post(
            "/v1/submissions",
            data=SAMPLE.read_bytes(),
            headers={
                **_bearer(evibel),
                "Idempotency-Key": "k-1",
                "Content-Type": "application/json",
            },
        )
        assert sent.status == 202, await sent.text()
        submission_id = (await sent.json())["submission_id"]
        own = await rig.client.get(f"/v1/submissions/{submission_id}", headers=_bearer(evibel))
        assert own.status == 200
        other = await rig.client.get(f"/v1/submissions/{submission_id}", headers=_bearer(actio))
        assert other.status == 404  # as if it did not exist: nothing of it is told
        assert (await other.json())["code"] == "GW-API-NOT-FOUND"
        inbox = await rig.client.get("/v1/inbox", headers=_bearer(actio))
        assert (await inbox.json())["results"] == []


async def test_sql_in_filters_is_only_text(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        operator = await rig.token(Role.OPERATOR)
        await rig.queue(new_message(1), new_message(2))
        before = await rig.services.store.find(MessageFilter(limit=100))
        for name in ("peer", "reference", "conversation", "state"):
            for value in ("' OR '1'='1", "x'; DROP TABLE messages; --", '" OR ""="'):
                answer = await rig.client.get(
                    "/v1/messages", params={name: value}, headers=_bearer(operator)
                )
                assert answer.status in {200, 400}, (name, value, await answer.text())
                if answer.status == 200:
                    assert (await answer.json())["messages"] == [], (name, value)
        assert await rig.services.store.find(MessageFilter(limit=100)) == before


async def test_paths_do_not_leave_their_folders(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        operator = await rig.token(Role.OPERATOR)
        for path in (
            "/console/static/../../../../etc/passwd",
            "/console/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/console/static/..%2f..%2f..%2fsettings.py",
            "/v1/messages/..%2f..%2fqueues",
            "/v1/batches/..%2f..%2f..%2fetc%2fpasswd",
        ):
            answer = await rig.client.get(path, headers=_bearer(operator))
            body = await answer.text()
            assert answer.status in {400, 403, 404}, (path, answer.status)
            assert "root:" not in body
            assert "dataclass" not in body


async def _log_in(rig: Rig, token: str) -> None:
    form = await (await rig.client.get("/console/login")).text()
    login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', form)
    assert login_csrf is not None
    logged_in = await rig.client.post(
        "/console/login",
        data={"token": token, "login_csrf": login_csrf.group(1), "next": "/console"},
    )
    assert logged_in.status == 200


async def test_a_forged_console_action_changes_nothing(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        operator = await rig.token(Role.OPERATOR)
        await rig.queue(new_message(1))
        await _log_in(rig, operator)
        forged = await rig.client.post("/console/messages/m-1/cancel", data={"csrf": "guess"})
        assert forged.status == 403
        assert "GW-UI-CSRF" in await forged.text()
        message = await rig.services.store.get("m-1")
        assert message is not None
        assert message.state is MessageState.QUEUED


async def test_script_in_a_stored_value_is_shown_as_text(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        operator = await rig.token(Role.OPERATOR)
        hostile = dataclasses.replace(new_message(1), reference="<script>alert(1)</script>")
        await rig.queue(hostile)
        await _log_in(rig, operator)
        page = await rig.client.get("/console/messages")
        text = await page.text()
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        policy = page.headers.get("Content-Security-Policy", "")
        assert "script-src" not in policy or "'unsafe-inline'" not in policy
        api = await rig.client.get("/v1/messages", headers=_bearer(operator))
        assert api.content_type == "application/json"
        assert json.loads(await api.text())["messages"][0]["reference"].startswith("<script>")
