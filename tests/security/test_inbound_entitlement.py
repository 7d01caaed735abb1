"""A trusted peer acting on what is not its own (issue: every inbound act bound to the party
entitled to it). NL holds its own valid demo certificate and key; each attack is signed and
delivered over mutual TLS to the serving gateway, on SQLite and on PostgreSQL. Each is
refused with its code, written to the audit trail, and changes nothing else."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from security.attacker import Attacker, audit_of
from simkit import Both
from wired import AMMR_DAY, Wired, wired_api

from gateway.broker.states import MessageState
from gateway.domain.dublin import DublinRegime, DublinReply, ReplyOutcome
from gateway.domain.eurodac import Regime
from gateway.domain.replies import Acknowledgement
from gateway.domain.requests import ReexaminationRequest
from gateway.messages import DublinSubmission, Message
from gateway.messages.examples import example_content
from gateway.ports import MessageFilter

LEGAL_BASIS = "Art 39(1) Regulation (EU) 2024/1351"


@dataclasses.dataclass(frozen=True)
class Before:
    """What the gateway held before an attack, to compare with after it."""

    messages: list[Any]
    cases: list[Any]
    hits: list[Any]
    inbox: list[dict[str, Any]]
    audit: int


def _settled(state: MessageState) -> str:
    """A state as an attack could change it: a request to a peer that is down may be
    tried again meanwhile (retry_wait, sending, retry_wait...), which is not a change."""
    retrying = {MessageState.RETRY_WAIT, MessageState.SENDING}
    return "being retried" if state in retrying else state.value


async def _snapshot(gateway: Both, api: Wired) -> Before:
    tracking = gateway.services.tracking
    assert tracking is not None
    messages = await gateway.services.store.find(MessageFilter(limit=10_000))
    return Before(
        messages=sorted((m.message_id, _settled(m.state), m.attempts > 0) for m in messages),
        cases=sorted((c.case_id, c.state, c.deadline) for c in await tracking.store.cases()),
        hits=await tracking.store.hits(),
        inbox=await api.inbox(),
        audit=len(await audit_of(gateway)),
    )


async def _refused(
    gateway: Both, api: Wired, attacker: Attacker, message: Message, code: str
) -> None:
    """The delivery is refused with `code`; nothing but one audit entry changed."""
    before = await _snapshot(gateway, api)
    status, problem = await attacker.deliver(gateway, message)
    assert (status, problem.get("code")) == (403, code), problem
    message_id = str(message.envelope.message_id)
    assert await gateway.services.store.inbound(message_id) is None
    after = await _snapshot(gateway, api)
    assert (after.messages, after.cases, after.hits, after.inbox) == (
        before.messages,
        before.cases,
        before.hits,
        before.inbox,
    )
    entries = (await audit_of(gateway))[before.audit :]
    refused = [entry for entry in entries if entry.kind == "inbound.refused"]
    assert [(e.subject, e.actor, e.detail["code"]) for e in refused] == [
        (message_id, str(attacker.peer), code)
    ]


async def _request_to_fr_waiting(api: Wired) -> dict[str, Any]:
    """A take charge request of ours to FR, which is down: the request waits for a retry."""
    await api.control("PUT", "/faults/FR", {"http_status": 503})
    case = await api.open_case("take_charge", "FR", AMMR_DAY, LEGAL_BASIS)
    await api.message_reaches(case["request_message_id"], MessageState.RETRY_WAIT)
    return case


def _acknowledgement(party: Attacker, request_id: str, *, received: datetime) -> Message:
    return party.message(
        Acknowledgement(acknowledged_message_id=uuid.UUID(request_id), received_at=received),
        message_type="dublinet.ack",
        regime=DublinRegime.AMMR,
        correlation_id=request_id,
    )


async def test_nl_cannot_acknowledge_our_request_to_fr(gateway: Both, nl: Attacker) -> None:
    """NL signs an acknowledgement of the request queued to FR, received 120 days ago: the
    request would turn acknowledged and the case's reply period would have run out."""
    async with wired_api(gateway) as api:
        case = await _request_to_fr_waiting(api)
        request_id = case["request_message_id"]
        ack = _acknowledgement(nl, request_id, received=datetime.now(UTC) - timedelta(days=120))
        await _refused(gateway, api, nl, ack, "GW-IN-NOT-YOUR-MESSAGE")
        tracking = gateway.services.tracking
        assert tracking is not None
        await tracking.deadlines.sweep()  # no clock was started: nothing is tacitly accepted
        assert (await api.case(case["case_id"]))["state"] == "request_sent"


async def test_fr_cannot_date_its_receipt_before_we_sent(gateway: Both, fr: Attacker) -> None:
    """Even the party the request went to cannot say it received it before it was sent."""
    async with wired_api(gateway) as api:
        case = await _request_to_fr_waiting(api)
        request_id = case["request_message_id"]
        ack = _acknowledgement(fr, request_id, received=datetime.now(UTC) - timedelta(days=120))
        await _refused(gateway, api, fr, ack, "GW-IN-TIME")


async def test_nl_cannot_answer_our_request_to_fr(gateway: Both, nl: Attacker) -> None:
    async with wired_api(gateway) as api:
        case = await _request_to_fr_waiting(api)
        reply = nl.message(
            DublinReply(
                request_reference=case["reference"],
                replying_state="NL",
                outcome=ReplyOutcome.ACCEPT,
                legal_basis="Art 40(1) Regulation (EU) 2024/1351",
            ),
            message_type="dublinet.reply",
            regime=DublinRegime.AMMR,
            correlation_id=case["request_message_id"],
        )
        await _refused(gateway, api, nl, reply, "GW-IN-NOT-YOUR-MESSAGE")


async def test_nl_cannot_send_a_eurodac_hit(gateway: Both, nl: Attacker) -> None:
    async with wired_api(gateway) as api:
        hit = nl.message(
            example_content("eurodac.hit", Regime.EURODAC_2024),
            message_type="eurodac.hit",
            regime=Regime.EURODAC_2024,
        )
        await _refused(gateway, api, nl, hit, "GW-IN-WRONG-SYSTEM")


async def test_nl_cannot_ask_in_the_name_of_fr(gateway: Both, nl: Attacker) -> None:
    """A take charge request whose content names FR as the requesting state, sent by NL."""
    async with wired_api(gateway) as api:
        example = example_content("dublinet.take-charge-request", DublinRegime.AMMR)
        assert isinstance(example, DublinSubmission)
        request = dataclasses.replace(example.request, requesting_state="FR", requested_state="BE")
        forged = nl.message(
            dataclasses.replace(example, request=request),
            message_type="dublinet.take-charge-request",
            regime=DublinRegime.AMMR,
        )
        await _refused(gateway, api, nl, forged, "GW-IN-WRONG-STATE")


async def test_nl_cannot_send_on_a_case_of_fr(gateway: Both, nl: Attacker) -> None:
    """FR asked us to take charge; NL asks for a re-examination on FR's case (its
    conversation), as if the case were NL's."""
    async with wired_api(gateway) as api:
        await api.peer_request("FR", "take-charge-request", "FR-2026-ASKED", AMMR_DAY)
        case = await api.incoming_case("FR-2026-ASKED")
        inbound = await gateway.services.store.inbound(case["request_message_id"])
        assert inbound is not None
        follow_up = nl.message(
            ReexaminationRequest(
                request_reference=case["reference"],
                requesting_state="NL",
                requested_state="BE",
                reasons="NL claims the case.",
            ),
            message_type="dublinet.reexamination-request",
            regime=DublinRegime.AMMR,
            conversation_id=inbound.conversation_id,
        )
        await _refused(gateway, api, nl, follow_up, "GW-IN-NOT-YOUR-CASE")


async def test_the_rightful_acknowledgement_still_counts(gateway: Both) -> None:
    """The rule refuses only what is not the sender's: FR's own acknowledgement, once FR is
    up again, starts the case's reply period as before."""
    async with wired_api(gateway) as api:
        await api.policy("FR", {"default": "silent"})  # it acknowledges, it does not reply
        case = await _request_to_fr_waiting(api)
        await api.control("DELETE", "/faults/FR")
        await api.message_reaches(case["request_message_id"], MessageState.ACKNOWLEDGED)
        moved = await api.case_reaches(case["case_id"], "acknowledged")
        assert moved["deadline"] is not None
