"""The gateway against faults of the way back: replies of the Central System and of a DubliNet
peer (NL) with a spoiled signature, over an untrusted TLS client certificate, or out of
order. A reply the gateway cannot trust is refused, visibly, and nothing of it is kept or
acted on; the simulator sends it again, and once the fault is off it counts, once. Replies
out of order each reach the message they answer."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from fault_drive import (
    ENDPOINTS,
    SUBMITTER,
    answered_once,
    events_of,
    inbound_requests,
    open_case,
    refusals,
    reply_id,
    results,
    send_to,
    state_of,
    submit,
    tracking,
    wait_for_state,
)
from polling import eventually
from simkit import Both, capture
from structlog.testing import capture_logs

from gateway.broker.states import Event, MessageState
from gateway.pipeline.outgoing import IDS
from gateway.tracking.records import Result, ResultKind
from simulators.common.faults import Faults, SignatureFault
from simulators.dublinet.policy import Action, Policy, Rule


async def _nothing_kept_of_the_reply(both: Both, message_id: str) -> None:
    """The message stays acknowledged (and so does its case, if any); the reply is not
    stored, and no result or hit came of it."""
    assert await state_of(both, message_id) is MessageState.ACKNOWLEDGED
    assert Event.ANSWER not in await events_of(both, message_id)
    assert await both.services.store.inbound(reply_id(message_id)) is None
    assert await _reply_results(both, message_id) == []
    assert await tracking(both).store.hits(limit=10) == []
    case = await tracking(both).store.case_by_message(message_id)
    assert case is None or case.state.value == "acknowledged"


async def _reply_results(both: Both, message_id: str) -> list[Result]:
    """What the reply to `message_id` told the national system: a Eurodac result (under the
    reply's id) or the reply to a case."""
    case = await tracking(both).store.case_by_message(message_id)
    return [
        r
        for r in await results(both)
        if r.subject == reply_id(message_id)
        or (case is not None and r.subject == case.case_id and r.kind is ResultKind.REPLY)
    ]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("fault", "code"),
    [(SignatureFault.CORRUPT, "GW-SIG-INVALID"), (SignatureFault.MISSING, "GW-SIG-MISSING")],
)
async def test_a_reply_with_a_spoiled_signature_is_refused_until_the_fault_is_off(
    with_peers: Both, endpoint: str, fault: SignatureFault, code: str
) -> None:
    with_peers.simulator.faults.set(endpoint, Faults(reply_signature=fault))
    with capture_logs() as logs:
        message_id = await send_to(with_peers, endpoint, f"reply-{fault}")

        async def refused_twice() -> bool:  # the simulator keeps sending it
            return await refusals(with_peers, endpoint, code) >= 2

        await eventually(refused_twice, within=30)
        await _nothing_kept_of_the_reply(with_peers, message_id)
    refused = [line for line in logs if line["event"] == "inbound message refused"]
    assert refused, logs
    assert {(line["code"], line["message_id"]) for line in refused} == {
        (code, reply_id(message_id))
    }

    with_peers.simulator.faults.clear()
    await answered_once(with_peers, message_id)
    stored = await with_peers.services.store.inbound(reply_id(message_id))
    assert stored is not None
    assert stored.correlation_id == message_id
    assert len(await _reply_results(with_peers, message_id)) == 1


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_a_reply_over_an_untrusted_tls_certificate_arrives_once_the_fault_is_off(
    with_peers: Both, endpoint: str
) -> None:
    """The gateway's inbound endpoint refuses the handshake (no request reaches it); the
    simulator sees its connection reset and tries again."""
    with_peers.simulator.faults.set(endpoint, Faults(reply_tls=True))
    message_id = await send_to(with_peers, endpoint, "reply-tls")
    sender = with_peers.simulator.sender
    assert sender is not None

    async def failed_twice() -> bool:
        entry = await sender.outbox.get(reply_id(message_id))
        return entry is not None and entry.state == "retry_wait" and entry.attempts >= 2

    await eventually(failed_twice, within=30)
    await _nothing_kept_of_the_reply(with_peers, message_id)
    assert await inbound_requests(with_peers) == 0

    with_peers.simulator.faults.clear()
    await answered_once(with_peers, message_id)
    assert len(await _reply_results(with_peers, message_id)) == 1
    assert await inbound_requests(with_peers) >= 1


async def _answered_at(both: Both, message_id: str) -> datetime:
    """When the message was answered; its reply, as stored, says it answers that message."""
    reply = await both.services.store.inbound(reply_id(message_id))
    assert reply is not None
    assert reply.correlation_id == message_id
    [answered] = [
        c.at for c in await both.services.store.timeline(message_id) if c.event is Event.ANSWER
    ]
    return answered


async def test_central_system_replies_out_of_order_each_answer_their_own_record(
    with_peers: Both,
) -> None:
    """A first capture of a person finds nothing; a second capture of the same person hits
    the first. The no-hit is held back and arrives after the hit."""
    with_peers.simulator.faults.set("eurodac", Faults(out_of_order=True))
    first = await submit(with_peers, "ooo-first", capture(person=41, national_part="OOO1"))
    second = await submit(
        with_peers, "ooo-second", capture(person=41, capture_no=1, national_part="OOO2")
    )
    await answered_once(with_peers, first)
    await answered_once(with_peers, second)
    assert await _answered_at(with_peers, second) < await _answered_at(with_peers, first)

    [no_hit] = [r for r in await results(with_peers) if r.subject == reply_id(first)]
    assert no_hit.kind is ResultKind.NO_HIT
    assert json.loads(no_hit.payload)["data"]["message_id"] == first
    [hit] = await tracking(with_peers).store.hits(limit=10)
    assert (hit.source_message_id, hit.inbound_message_id) == (second, reply_id(second))
    assert (hit.reference, hit.matched) == ("BE1OOO2", "BE1OOO1")


async def test_peer_replies_out_of_order_each_decide_their_own_case(with_peers: Both) -> None:
    """NL accepts one request and rejects the other; the first reply is held back and
    arrives after the second, and each case gets its own."""
    accepted_key, rejected_key = "ooo-accepted", "ooo-rejected"
    # The case id an idempotency key gives, known before the case is opened: NL decides
    # on receipt of the request, by the case (the request's national reference).
    rejected_id = str(uuid.uuid5(IDS, f"plan:{SUBMITTER}:{rejected_key}"))
    nl = with_peers.simulator.peers["NL"]
    await nl.set_policy(Policy(rules=(Rule(case=rejected_id, action=Action.REJECT),)))
    with_peers.simulator.faults.set("NL", Faults(out_of_order=True))
    accepted = await open_case(with_peers, accepted_key)
    # NL has the first request before the second: its reply is the one held back.
    await wait_for_state(with_peers, accepted["request_message_id"], MessageState.ACKNOWLEDGED)
    rejected = await open_case(with_peers, rejected_key)
    assert rejected["case_id"] == rejected_id

    for case in (accepted, rejected):
        await answered_once(with_peers, case["request_message_id"])
    assert await _answered_at(with_peers, rejected["request_message_id"]) < await _answered_at(
        with_peers, accepted["request_message_id"]
    )
    store = tracking(with_peers).store
    for case, state in ((accepted, "accepted"), (rejected, "rejected")):
        stored = await store.case(case["case_id"])
        assert stored is not None
        assert stored.state.value == state
