"""DubliNet peers over real mutual-TLS sockets: acknowledgements, policies, requests they make."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yarl
from pki import FR, NL, GeneratedPki
from polling import eventually
from sim_wire import SimWire
from simkit import (
    EURODAC,
    Certs,
    FakeGateway,
    StartSimulator,
    gateway_client_context,
    post,
    read_ack,
)

from gateway.domain.dublin import DublinRegime, DublinReply, ReplyOutcome
from gateway.errors import ConfigError
from gateway.listen_ports import free_port
from gateway.messages import DublinSubmission, Envelope
from gateway.messages.examples import example_content
from gateway.security.identity import PeerId
from gateway.security.tls import peer_of
from gateway.security.verifier import Verifier
from gateway.testing import FixedClock
from simulators.dublinet.peer import DublinetConfig
from simulators.runner import SimConfig, Simulator


def _request(
    case: str, kind: str = "dublinet.take-charge-request", asked: str = "NL"
) -> DublinSubmission:
    content = example_content(kind, DublinRegime.AMMR)
    assert isinstance(content, DublinSubmission)
    request = dataclasses.replace(content.request, national_reference=case, requested_state=asked)
    return dataclasses.replace(content, request=request)


async def _send(
    wire: SimWire,
    simulator: Simulator,
    content: Any,
    *,
    kind: str = "dublinet.take-charge-request",
    peer: PeerId = NL,
    at: PeerId | None = None,
    path: str | None = None,
) -> tuple[Envelope, int, bytes]:
    """Send `content` to `peer`, at the server of `at` (`peer` unless told otherwise), to
    the path of `path` (`at`'s party unless told otherwise)."""
    server = at or peer
    base = simulator.dublinet_url(server.party).rsplit("/", 1)[0]
    envelope, status, answer, _ = await wire.post(
        f"{base}/{path or server.party}",
        content,
        message_type=kind,
        regime=DublinRegime.AMMR,
        recipient=peer,
        server=server,
    )
    return envelope, status, answer


async def _policy(session: aiohttp.ClientSession, simulator: Simulator, policy: object) -> None:
    async with session.put(
        f"{simulator.control_url}/control/dublinet/NL/policy", json=policy
    ) as response:
        assert response.status == 200


async def test_a_request_is_acknowledged_by_the_peer_and_accepted(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    simulator = await start_simulator()
    sent, status, answer = await _send(wire, simulator, _request("BE-1"))
    assert status == 200
    ack = read_ack(Verifier(wire.pki.trust), answer, NL)
    assert ack.envelope.message_type == "dublinet.ack"
    assert ack.envelope.correlation_id == sent.message_id
    reply = await wire.reply(sent.message_id)
    assert reply.envelope.message_type == "dublinet.reply"
    assert reply.envelope.conversation_id == sent.conversation_id
    assert isinstance(reply.content, DublinReply)
    assert (reply.content.outcome, reply.content.replying_state) == (ReplyOutcome.ACCEPT, "NL")
    assert reply.content.request_reference == "BE-1"
    assert wire.stand_in.delivered[-1].sender == "NL:dublinet"


async def test_policies_reject_stay_silent_reply_late_and_reexamine(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    simulator = await start_simulator()
    await _policy(
        wire.session,
        simulator,
        {
            "rules": [
                {"case": "BE-SILENT", "action": "silent"},
                {"case": "BE-LATE", "action": "late", "late_outcome": "accept"},
                {"case": "BE-NO", "action": "reject", "reasons": ["no-evidence"]},
            ],
            "reexamination": "accept",
        },
    )
    silent, *_ = await _send(wire, simulator, _request("BE-SILENT"))
    late, *_ = await _send(wire, simulator, _request("BE-LATE"))
    rejected, *_ = await _send(wire, simulator, _request("BE-NO"))

    no = await wire.reply(rejected.message_id)
    assert isinstance(no.content, DublinReply)
    assert no.content.outcome is ReplyOutcome.REJECT
    assert no.content.reason_codes == ("no-evidence",)
    yes = await wire.reply(late.message_id)
    [arrival] = [d.at for d in wire.stand_in.delivered if d.message is yes]
    assert arrival - late.created_at >= timedelta(seconds=1)  # the late delay of the test
    assert isinstance(yes.content, DublinReply)
    assert yes.content.outcome is ReplyOutcome.ACCEPT

    reexamination = example_content("dublinet.reexamination-request", DublinRegime.AMMR)
    asked, *_ = await _send(wire, simulator, reexamination, kind="dublinet.reexamination-request")
    answer = await wire.reply(asked.message_id)
    assert answer.envelope.message_type == "dublinet.reexamination-reply"
    assert isinstance(answer.content, DublinReply)
    assert answer.content.outcome is ReplyOutcome.ACCEPT

    rows = await wire.read(f"{simulator.control_url}/control/received?endpoint=NL")
    received = {row["message_id"]: row for row in rows}
    assert received[str(silent.message_id)]["outcome"] == {"action": "silent", "reply": None}
    assert wire.stand_in.messages(silent.message_id) == []


async def test_each_peer_has_a_server_of_its_own_and_signs_as_itself(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    simulator = await start_simulator()
    sent, status, answer = await _send(wire, simulator, _request("BE-2", asked="FR"), peer=FR)
    assert status == 200
    assert read_ack(Verifier(wire.pki.trust), answer, FR).envelope.sender.authority == "FR"
    misrouted, status, problem = await _send(wire, simulator, _request("BE-3"), peer=NL, at=FR)
    assert status == 400
    assert json.loads(problem)["code"] == "GW-SIM-WRONG-RECIPIENT"
    asks_nl, status, problem = await _send(wire, simulator, _request("BE-6", asked="NL"), peer=FR)
    assert status == 400
    assert json.loads(problem)["code"] == "GW-SIM-WRONG-RECIPIENT"
    unknown, status, problem = await _send(wire, simulator, _request("BE-4"), peer=NL, path="IT")
    assert status == 404
    assert json.loads(problem)["code"] == "GW-SIM-UNKNOWN-ENDPOINT"
    await eventually(lambda: bool(wire.stand_in.messages(sent.message_id)), within=20)
    assert wire.stand_in.delivered[-1].sender == "FR:dublinet"
    never = (misrouted, asks_nl, unknown)
    assert [wire.stand_in.messages(envelope.message_id) for envelope in never] == [[], [], []]


async def test_a_peer_originates_a_request_to_the_gateway_on_a_control_call(
    start_simulator: StartSimulator,
    stand_in: FakeGateway,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator()
    async with session.post(
        f"{simulator.control_url}/control/dublinet/FR/requests",
        json={"type": "take-charge-request", "national_reference": "FR-DUB-9"},
    ) as response:
        assert response.status == 202
        made = await response.json()
    message_id = uuid.UUID(made["message_id"])
    await eventually(
        lambda: any(d.message.envelope.message_id == message_id for d in stand_in.delivered),
        within=20,
    )
    [delivered] = [d for d in stand_in.delivered if d.message.envelope.message_id == message_id]
    assert delivered.sender == "FR:dublinet"
    assert delivered.message.envelope.message_type == "dublinet.take-charge-request"
    assert delivered.message.envelope.recipient.authority == "BE"
    content = delivered.message.content
    assert isinstance(content, DublinSubmission)
    assert (content.request.requesting_state, content.request.requested_state) == ("FR", "BE")
    assert content.request.national_reference == "FR-DUB-9"

    async with session.post(
        f"{simulator.control_url}/control/dublinet/FR/requests", json={"type": "reply"}
    ) as response:
        assert response.status == 400
        assert (await response.json())["code"] == "GW-SIM-CONTROL"


async def _server_of(url: str, certs: Certs, pki: GeneratedPki) -> PeerId:
    """The party whose TLS certificate the server at `url` presents (its CA one of that
    party's), as a client trusting every CA of the store sees it."""
    address = yarl.URL(url)
    assert address.host is not None
    context = gateway_client_context(certs, pki, None)
    _, writer = await asyncio.open_connection(address.host, address.port, ssl=context)
    try:
        return peer_of(writer.get_extra_info("ssl_object"), pki.trust)
    finally:
        writer.close()
        await writer.wait_closed()


async def test_each_party_listens_on_a_port_of_its_own_with_its_own_certificate(
    start_simulator: StartSimulator,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    port = free_port()
    simulator = await start_simulator(eurodac_port=port, dublinet_port=0)
    assert simulator.eurodac_url == f"https://127.0.0.1:{port}/eurodac"
    urls = {party: simulator.dublinet_url(party) for party in ("NL", "FR")}
    ports = {yarl.URL(url).port for url in (simulator.eurodac_url, *urls.values())}
    assert len(ports) == 3
    assert simulator.dublinet_urls == f"NL={urls['NL']},FR={urls['FR']}"
    assert await _server_of(simulator.eurodac_url, certs, pki) == EURODAC
    assert await _server_of(urls["NL"], certs, pki) == NL
    assert await _server_of(urls["FR"], certs, pki) == FR
    # A client that expects FR (FR's CA only) does not take NL's server for it.
    fr_only = gateway_client_context(certs, pki, FR)
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await post(session, urls["NL"], b"<x/>", context=fr_only, message_id=uuid.uuid4())


def test_eurodac_and_a_peer_cannot_share_a_port(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        SimConfig(data_dir=tmp_path, eurodac_port=9445, dublinet_port=9444, peers=("NL", "FR"))
    assert (caught.value.code, caught.value.path) == ("GW-CFG-INVALID", "eurodac_port")


async def test_a_policy_survives_a_restart(
    start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    policy = {"rules": [{"case": "BE-9", "action": "silent"}], "reexamination": "accept"}
    first = await start_simulator()
    await _policy(session, first, policy)
    await first.stop()
    second = await start_simulator()
    async with session.get(f"{second.control_url}/control/dublinet/NL/policy") as response:
        kept = await response.json()
    assert kept["rules"][0]["case"] == "BE-9"
    assert kept["rules"][0]["action"] == "silent"
    assert kept["reexamination"] == "accept"
    async with session.get(f"{second.control_url}/control/dublinet/FR/policy") as response:
        assert (await response.json())["rules"] == []  # FR's was never set


async def test_a_late_reply_waits_for_the_simulators_clock(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    clock = FixedClock(datetime.now(UTC))
    fortnight = timedelta(days=14)
    simulator = await start_simulator(
        clock=clock, dublinet=DublinetConfig(reply_delay=timedelta(0), late_delay=fortnight)
    )
    await _policy(wire.session, simulator, {"rules": [{"case": "BE-LATE", "action": "late"}]})
    late, *_ = await _send(wire, simulator, _request("BE-LATE"))
    marker, *_ = await _send(wire, simulator, _request("BE-NOW"))
    await eventually(lambda: bool(wire.stand_in.messages(marker.message_id)), within=20)
    assert wire.stand_in.messages(late.message_id) == []  # the virtual clock has not moved

    clock.advance(fortnight)
    reply = await wire.reply(late.message_id)
    assert reply.envelope.created_at == clock.now()  # signed at the simulators' time
    assert isinstance(reply.content, DublinReply)
    assert reply.content.outcome is ReplyOutcome.REJECT
