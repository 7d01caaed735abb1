"""Both directions in one message model, over HTTP: the peers' messages (requests,
acknowledgements, replies, hits) are listed with ours, shown with their sender, signer,
verification and effect, reached from the message they answer and from their case."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console_rig import (
    acknowledge,
    eurodac_hit,
    incoming_request,
    log_in,
    outgoing_case,
    reply,
)
from web_rig import Rig, api_rig

from gateway.broker.access import Role
from gateway.tracking.records import StoredCase


async def _both_ways(rig: Rig) -> tuple[str, StoredCase, StoredCase, str, str]:
    """NL's request (its message id, our incoming case), and our request to NL (the outgoing
    case) acknowledged and answered by NL: the acknowledgement's and the reply's ids."""
    request_id, incoming = await incoming_request(rig)
    case = await outgoing_case(rig)
    assert case.request_message_id is not None
    ack_id = await acknowledge(rig, case.request_message_id)
    reply_id = await reply(rig, case)
    return request_id, incoming, case, ack_id, reply_id


async def test_the_api_lists_and_shows_both_directions(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        request_id, incoming, case, ack_id, reply_id = await _both_ways(rig)
        headers = {"Authorization": f"Bearer {await rig.token(Role.OPERATOR)}"}

        async def listed(query: str) -> list[tuple[str, str]]:
            answer = await rig.client.get(f"/v1/messages{query}", headers=headers)
            assert answer.status == 200, await answer.text()
            return [(m["direction"], m["message_id"]) for m in (await answer.json())["messages"]]

        every = await listed("")
        inbound = await listed("?direction=inbound")
        outbound = await listed("?direction=outbound")
        replies = await listed("?direction=inbound&type=dublinet.reply")
        answering = await listed(f"?reference={case.reference}")
        bad = await rig.client.get("/v1/messages?direction=sideways", headers=headers)
        too_deep = await rig.client.get("/v1/messages?offset=9001", headers=headers)
        too_deep_problem = await too_deep.json()

        ours = await rig.client.get(f"/v1/messages/{case.request_message_id}", headers=headers)
        ours_shown = await ours.json()
        theirs = await rig.client.get(f"/v1/messages/{reply_id}", headers=headers)
        theirs_shown = await theirs.json()
        request_shown = await (
            await rig.client.get(f"/v1/messages/{request_id}", headers=headers)
        ).json()
        missing = await rig.client.get("/v1/messages/nothing-here", headers=headers)

    assert inbound == [("inbound", reply_id), ("inbound", ack_id), ("inbound", request_id)]
    assert outbound == [("outbound", case.request_message_id)]
    assert set(every) == set(inbound) | set(outbound)
    assert replies == [("inbound", reply_id)]
    assert ("outbound", case.request_message_id) in answering
    assert ("inbound", reply_id) in answering  # a reply is listed under what it answers
    assert bad.status == 400
    assert too_deep.status == 400
    assert too_deep_problem["problems"][0]["path"] == "offset"

    _ours_and_theirs_are_shown(ours_shown, theirs_shown, case.request_message_id)
    assert theirs.status == 200
    assert request_shown["case_id"] == incoming.case_id
    assert [c["event"] for c in request_shown["effect"]["case_changes"]] == ["opened"]
    assert missing.status == 404


def _ours_and_theirs_are_shown(
    ours_shown: dict[str, Any], theirs_shown: dict[str, Any], request_id: str
) -> None:
    assert ours_shown["direction"] == "outbound"
    assert ours_shown["state"] == "answered"
    assert ours_shown["case_id"] == theirs_shown["case_id"]
    assert {m["message_id"] for m in ours_shown["answered_by"]} >= {theirs_shown["message_id"]}
    assert len(ours_shown["answered_by"]) == 2  # the acknowledgement and the reply
    assert ours_shown["signature"]["valid"] is True
    assert ours_shown["signature"]["signer"] == "BE:gateway"
    assert theirs_shown["direction"] == "inbound"
    assert (theirs_shown["peer"], theirs_shown["state"]) == ("NL:dublinet", "received")
    assert theirs_shown["signature"] == theirs_shown["signature"] | {
        "valid": True,
        "signer": "NL:dublinet",
    }
    assert theirs_shown["answers"]["message_id"] == request_id
    assert theirs_shown["case_id"] is not None
    assert theirs_shown["effect"]["moved"] == {
        "message_id": request_id,
        "to": "answered",
        "event": "answer",
    }
    assert [c["event"] for c in theirs_shown["effect"]["case_changes"]] == ["acceptance"]
    assert theirs_shown["message_id"] in theirs_shown["xml"]


async def test_the_console_lists_a_peer_s_messages_and_shows_their_effect(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        request_id, incoming, case, ack_id, reply_id = await _both_ways(rig)
        hit_message, enrolment = await eurodac_hit(rig)
        await log_in(rig.client, await rig.token(Role.AUDITOR, name="auditor-1"))
        listing = await (await rig.client.get("/console/messages")).text()
        only_in = await (await rig.client.get("/console/messages?direction=inbound")).text()
        only_out = await (await rig.client.get("/console/messages?direction=outbound")).text()
        ours = await (await rig.client.get(f"/console/messages/{case.request_message_id}")).text()
        theirs = await (await rig.client.get(f"/console/messages/{reply_id}")).text()
        request_page = await (await rig.client.get(f"/console/messages/{request_id}")).text()
        hit_page = await (await rig.client.get(f"/console/messages/{hit_message}")).text()
        enrolment_page = await (await rig.client.get(f"/console/messages/{enrolment}")).text()
        case_page = await (await rig.client.get(f"/console/cases/{case.case_id}")).text()
        by_id = await rig.client.get(f"/console/messages?id={reply_id}", allow_redirects=False)
        tracking = rig.services.tracking
        assert tracking is not None
        [hit] = await tracking.store.hits()

    for message_id in (request_id, ack_id, reply_id, hit_message, case.request_message_id):
        assert f'href="/console/messages/{message_id}"' in listing
    assert f'href="/console/messages/{reply_id}"' in only_in
    assert f'href="/console/messages/{case.request_message_id}"' not in only_in
    assert f'href="/console/messages/{reply_id}"' not in only_out

    # ours: "Answered by" lists the peer's acknowledgement and reply, links the case
    assert 'id="answered-by"' in ours
    assert f'href="/console/messages/{ack_id}"' in ours
    assert f'href="/console/messages/{reply_id}"' in ours
    assert f'href="/console/cases/{case.case_id}"' in ours
    # theirs: sender, signer verified again, what it answers (a link), its effect
    assert "Received message" in theirs
    assert 'id="peer">NL:dublinet<' in theirs
    assert 'id="signature-valid">valid<' in theirs
    assert 'id="signer">NL:dublinet<' in theirs
    assert f'<a href="/console/messages/{case.request_message_id}">' in theirs
    assert "Answered our message" in theirs
    assert "acceptance, acknowledged → accepted" in theirs
    assert f'href="/v1/messages/{reply_id}/xml"' in theirs
    assert "action-" not in theirs  # nothing to act on in a received message
    assert f'href="/console/cases/{incoming.case_id}"' in request_page
    assert "opened, new → request_received" in request_page
    assert f'href="/console/hits/{hit.hit_id}"' in hit_page
    assert "Stored hit" in hit_page
    assert f'href="/console/messages/{hit_message}"' in enrolment_page
    # the case: every message both ways, ours and theirs
    for message_id in (case.request_message_id, ack_id, reply_id):
        assert f'href="/console/messages/{message_id}"' in case_page
    assert by_id.headers["Location"] == f"/console/messages/{reply_id}"
