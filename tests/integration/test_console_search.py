"""Finding a message both ways on the messages page and in the API: by its id (straight to
its page), by the message it answers (correlation id: a peer's acknowledgement of ours, our
reply to a peer's request) and by reference; a bad filter is refused with its code."""

from __future__ import annotations

from pathlib import Path

from console_rig import acknowledge, incoming_request, log_in, outgoing_case
from web_rig import api_rig

from gateway.broker.access import Role
from gateway.domain.dublin import ReplyOutcome


async def test_messages_are_found_by_id_correlation_and_reference(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        tracking = rig.services.tracking
        assert tracking is not None
        ours = await outgoing_case(rig, "BE-DUB-7")
        assert ours.request_message_id is not None
        ack = await acknowledge(rig, ours.request_message_id)
        sent = await rig.services.store.get(ours.request_message_id)
        assert sent is not None
        assert sent.reference
        request_id, theirs = await incoming_request(rig, "NL-2026-5")
        await tracking.followups.reply(
            theirs.case_id,
            outcome=ReplyOutcome.ACCEPT,
            legal_basis="Reg 2024/1351 Art 39",
            reason_codes=(),
            explanation="Belgium is responsible under Art 39.",
            by="dublin-unit-1",
        )
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        get = rig.client.get
        straight = await get(f"/console/messages?id={ack}", allow_redirects=False)
        acks = await (await get(f"/console/messages?correlation={ours.request_message_id}")).text()
        replies = await (await get(f"/console/messages?correlation={request_id}")).text()
        inbound_only = await (
            await get(f"/console/messages?direction=inbound&correlation={request_id}")
        ).text()
        by_reference = await (
            await get(f"/console/messages?direction=inbound&reference={sent.reference}")
        ).text()
        of_case = await (await get("/console/messages?reference=NL-2026-5")).text()
        api = await (await get(f"/v1/messages?correlation={ours.request_message_id}")).json()
        too_long = await get("/console/messages?correlation=" + "x" * 300)
        too_long_text = await too_long.text()

    assert (straight.status, straight.headers["Location"]) == (302, f"/console/messages/{ack}")
    assert f'href="/console/messages/{ack}"' in acks
    assert 'id="filter-correlation" value="' + str(ours.request_message_id) in acks
    assert acks.count('href="/console/messages/') == 1
    assert replies.count('href="/console/messages/') == 1  # our reply to their request
    assert f'href="/console/messages/{request_id}"' not in replies
    assert inbound_only.count('href="/console/messages/') == 0  # the reply is ours: outbound
    assert (
        f'href="/console/messages/{ack}"' in by_reference
    )  # answers our request of that reference
    assert 'id="reference-case"' in of_case  # a peer's reference: its case lists the request
    assert f'<a href="/console/cases/{theirs.case_id}">its page</a>' in of_case
    assert f'<a href="/console/cases/{ours.case_id}">its page</a>' in by_reference
    assert [(m["direction"], m["message_id"]) for m in api["messages"]] == [("inbound", ack)]
    assert too_long.status == 400
    assert "correlation is at most 200 characters" in too_long_text
