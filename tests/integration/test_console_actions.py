"""Operators' actions over HTTP: "retry now" for a message waiting to retry (a row of the
transition table, audited with the operator), bulk actions on any list, and what a list
no longer shows: the next attempt of a cancelled message, the old error of a delivered one."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console_rig import csrf_of, log_in
from web_rig import Rig, api_rig, new_message
from yarl import URL

from gateway.broker.access import Role
from gateway.broker.states import Event, MessageState
from gateway.ports import AuditFilter

LEASE = timedelta(minutes=1)


async def _failed_once(rig: Rig, message_id: str, error: str = "GW-TRN-TIMEOUT: no answer") -> None:
    """Sent once and failed: waiting to be tried again in an hour (each test message has a
    peer of its own, so that claiming it claims no other)."""
    store, now = rig.services.store, datetime.now(tz=UTC)
    message = await store.get(message_id)
    assert message is not None
    claimed = await store.claim(worker="w", now=now, lease=LEASE, limit=1, peer=message.peer)
    assert [message.message_id for message in claimed] == [message_id]
    await store.record(
        message_id, Event.FAIL, at=now, worker="w", retry_at=now + timedelta(hours=1), detail=error
    )


async def test_retry_now_sends_a_waiting_message_at_once_and_is_audited(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        await rig.queue(new_message(1), new_message(2, peer="NL:dublinet"))
        await _failed_once(rig, "m-1")
        await log_in(rig.client, await rig.token(Role.OPERATOR, name="op-ann"))
        waiting = await (await rig.client.get("/console/messages/m-1")).text()
        csrf = await csrf_of(rig.client)
        retried = await rig.client.post("/console/messages/m-1/retry", data={"csrf": csrf})
        retried_page = await retried.text()
        queued = await rig.client.post("/console/messages/m-2/retry", data={"csrf": csrf})
        queued_page = await queued.text()
        stored = await rig.services.store.get("m-1")
        audit = await rig.services.store.find_audit(AuditFilter(kind="message.retry_now"))
        api_token = await rig.token(Role.OPERATOR, name="op-api")
        await _failed_once(rig, "m-2")
        by_api = await rig.client.post(
            "/v1/messages/m-2/retry", headers={"Authorization": f"Bearer {api_token}"}
        )
        by_api_body = await by_api.json()

    assert 'id="next-attempt"' in waiting
    assert 'id="action-retry"' in waiting
    assert ">Retry now<" in waiting
    assert "Done: retry." in retried_page
    assert 'id="next-attempt"' not in retried_page
    assert stored is not None
    assert (stored.state, stored.next_attempt_at) == (MessageState.QUEUED, None)
    assert queued.status == 409  # a queued message is not waiting to retry
    assert "GW-BRK-TRANSITION" in queued_page
    assert [(entry.subject, entry.actor) for entry in audit] == [("m-1", "op-ann")]
    assert audit[0].detail["to"] == "queued"
    assert by_api.status == 200
    assert (by_api_body["state"], by_api_body["next_attempt_at"]) == ("queued", None)


async def test_a_cancelled_message_shows_no_next_attempt_and_a_delivered_one_no_old_error(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        await rig.queue(new_message(1), new_message(2, peer="NL:dublinet"))
        await _failed_once(rig, "m-1", "GW-TRN-TIMEOUT: first try")
        await _failed_once(rig, "m-2", "GW-TRN-TIMEOUT: second message")
        store, now = rig.services.store, datetime.now(tz=UTC)
        await store.record("m-1", Event.CANCEL, at=now, actor="ops")
        await store.record("m-2", Event.RETRY_NOW, at=now, actor="ops")
        await store.claim(worker="w2", now=now, lease=LEASE, limit=10)
        await store.record("m-2", Event.ACKNOWLEDGE, at=now, worker="w2")
        await log_in(rig.client, await rig.token(Role.OPERATOR))
        cancelled = await (await rig.client.get("/console/messages/m-1")).text()
        delivered = await (await rig.client.get("/console/messages/m-2")).text()
        listing = await (await rig.client.get("/console/messages")).text()
        api = await rig.client.get(
            "/v1/messages?direction=outbound",
            headers={"Authorization": f"Bearer {await rig.token(Role.OPERATOR)}"},
        )
        summaries = {m["message_id"]: m for m in (await api.json())["messages"]}

    assert 'id="next-attempt"' not in cancelled
    assert "GW-TRN-TIMEOUT: first try" in cancelled  # why it waited: still its last error
    assert 'id="last-error" class="error" data-field="last_error"></dd>' in delivered
    assert "GW-TRN-TIMEOUT: second message" in delivered  # kept in the timeline's errors
    row = re.search(r'<tr data-message-id="m-2".*?</tr>', listing, re.DOTALL)
    assert row
    assert "GW-TRN-TIMEOUT" not in row.group(0)
    assert summaries["m-1"]["next_attempt_at"] is None
    assert summaries["m-2"]["last_error"] is None


async def test_bulk_actions_apply_to_any_selection_and_count_what_was_refused(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        await rig.queue(*(new_message(number) for number in (1, 2)))
        await rig.queue(new_message(3, peer="NL:dublinet"))
        await _failed_once(rig, "m-3")
        await log_in(rig.client, await rig.token(Role.OPERATOR, name="op-bob"))
        listing = await (await rig.client.get("/console/messages?peer=EU:eurodac")).text()
        assert 'value="m-3"' not in listing  # NL's: not in this list
        csrf = await csrf_of(rig.client)
        cancel = await rig.client.post(
            "/console/messages/bulk",
            data=[
                ("csrf", csrf),
                ("action", "cancel"),
                ("back", "/console/messages?peer=EU:eurodac"),
                ("message_id", "m-1"),
                ("message_id", "m-3"),
                ("message_id", "nope"),
            ],
            allow_redirects=False,
        )
        followed = await (await rig.client.get(cancel.headers["Location"])).text()
        elsewhere = await rig.client.post(
            "/console/messages/bulk",
            data=[("csrf", csrf), ("action", "cancel"), ("back", "https://evil.example/x"),
                  ("message_id", "m-2")],
            allow_redirects=False,
        )  # fmt: skip
        nothing = await rig.client.post(
            "/console/messages/bulk", data={"csrf": csrf, "action": "retry"}
        )
        nothing_page = await nothing.text()
        unknown = await rig.client.post(
            "/console/messages/bulk", data={"csrf": csrf, "action": "explode", "message_id": "m-2"}
        )
        stored = [await rig.services.store.get(f"m-{n}") for n in (1, 2, 3)]
        audit = await rig.services.store.find_audit(AuditFilter(kind="message.cancel"))
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        auditor_list = await (await rig.client.get("/console/messages")).text()
        auditor = await rig.client.post(
            "/console/messages/bulk",
            data={"csrf": await csrf_of(rig.client), "action": "cancel", "message_id": "m-2"},
        )

    assert 'id="bulk-form"' in listing
    assert 'name="back" value="/console/messages?peer=EU:eurodac"' in listing
    location = URL(cancel.headers["Location"])
    assert location.path == "/console/messages"
    assert dict(location.query) == {
        "peer": "EU:eurodac",
        "bulk": "cancel",
        "done_count": "2",
        "refused_count": "1",
    }
    assert "Cancel: 2 done; 1 refused" in followed
    assert URL(elsewhere.headers["Location"]).path == "/console/messages"
    assert not URL(elsewhere.headers["Location"]).is_absolute()
    assert nothing.status == 400
    assert "GW-UI-BULK" in nothing_page
    assert "(at <code>message_id</code>)" in nothing_page
    assert unknown.status == 400
    assert [message.state if message else None for message in stored] == [
        MessageState.CANCELLED
    ] * 3
    assert {(entry.subject, entry.actor) for entry in audit} == {
        ("m-1", "op-bob"), ("m-2", "op-bob"), ("m-3", "op-bob"),
    }  # fmt: skip
    assert 'id="bulk-form"' not in auditor_list
    assert auditor.status == 403
