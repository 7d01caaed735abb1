"""The Eurodac simulator over real mutual-TLS sockets: acknowledgement, then hit or no-hit."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Callable

import pytest
from pki import GeneratedPki
from polling import eventually
from sim_wire import SimWire
from simkit import EURODAC, StartSimulator, capture, read_ack

from gateway.domain.replies import Acknowledgement, EurodacHit, EurodacNoHit
from gateway.errors import ConfigError
from gateway.security.verifier import Verifier
from simulators.runner import Simulator


async def test_an_enrolment_gets_a_signed_ack_then_a_no_hit_reply(
    simulator: Simulator, wire: SimWire
) -> None:
    sent, status, answer, kind = await wire.post(
        simulator.eurodac_url, capture(person=1, national_part="A1")
    )
    message_id = sent.message_id
    assert (status, kind) == (200, "application/xml")
    ack = read_ack(Verifier(wire.pki.trust), answer, EURODAC)
    assert ack.envelope.message_type == "eurodac.ack"
    assert ack.envelope.correlation_id == message_id
    assert isinstance(ack.content, Acknowledgement)
    assert ack.content.acknowledged_message_id == message_id

    reply = await wire.reply(message_id)
    assert reply.envelope.message_type == "eurodac.no-hit"
    assert isinstance(reply.content, EurodacNoHit)
    assert str(reply.content.reference) == "BE1A1"
    assert wire.stand_in.delivered[0].sender == "EU:eurodac"
    assert reply.envelope.conversation_id == sent.conversation_id


async def test_the_same_person_twice_is_a_hit_and_another_person_is_not(
    simulator: Simulator, wire: SimWire
) -> None:
    stand_in = wire.stand_in
    url = simulator.eurodac_url
    first = (await wire.post(url, capture(person=7, national_part="P1"))).envelope.message_id
    await wire.reply(first)
    second = await wire.post(url, capture(person=7, national_part="P2", capture_no=1))
    again = second.envelope.message_id
    other = (await wire.post(url, capture(person=8, national_part="P3"))).envelope.message_id
    await eventually(lambda: bool(stand_in.messages(again)) and bool(stand_in.messages(other)))

    [hit] = stand_in.messages(again)
    assert isinstance(hit.content, EurodacHit)
    assert [str(m.reference) for m in hit.content.matches] == ["BE1P1"]
    assert hit.content.matches[0].person is not None  # 2024/1358: the person's data travel
    [no_hit] = stand_in.messages(other)
    assert isinstance(no_hit.content, EurodacNoHit)


async def test_a_duplicate_message_id_gets_the_same_ack_and_is_processed_once(
    simulator: Simulator, wire: SimWire
) -> None:
    message_id = uuid.uuid4()
    record = capture(person=3, national_part="D1")
    first = await wire.post(simulator.eurodac_url, record, message_id=message_id)
    second = await wire.post(simulator.eurodac_url, record, message_id=message_id)
    assert second.status == 200
    assert second.answer == first.answer
    await wire.reply(message_id)  # one reply only
    received = await wire.read(f"{simulator.control_url}/control/received")
    assert [row["message_id"] for row in received] == [str(message_id)]
    records = await wire.read(f"{simulator.control_url}/control/eurodac/records")
    assert [row["reference"] for row in records] == ["BE1D1"]
    assert len(wire.stand_in.messages(message_id)) == 1


async def test_an_unsigned_message_is_refused_with_a_problem(
    simulator: Simulator, wire: SimWire
) -> None:
    _, status, answer, kind = await wire.post(
        simulator.eurodac_url,
        capture(person=1, national_part="U1"),
        spoil=lambda body: body.split(b"<ds:Signature")[0] + b"</e:Enrolment>",
        header_id=uuid.uuid4(),
    )
    assert (status, kind) == (400, "application/problem+json")
    problem = json.loads(answer)
    assert problem["code"] == "GW-SIG-MISSING"
    assert problem["status"] == 400
    assert set(problem) == {"type", "title", "status", "detail", "code"}


async def test_a_port_in_use_is_a_configuration_error(start_simulator: StartSimulator) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError) as raised:
            await start_simulator(eurodac_port=port)
    assert raised.value.code == "GW-CFG-INVALID"
    assert str(port) in raised.value.message


@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        ("not xml", "GW-XML-SYNTAX"),
        ("invalid", "GW-VAL-SCHEMA"),
        ("untrusted", "GW-SIG-UNTRUSTED"),
        ("other signer", "GW-SIG-WRONG-SIGNER"),
        ("header", "GW-SIM-MESSAGE-ID"),
    ],
)
async def test_bad_messages_get_a_400_problem_and_never_a_5xx(
    simulator: Simulator, wire: SimWire, pki: GeneratedPki, spoil: str, code: str
) -> None:
    signer = {"untrusted": pki.signer(pki.untrusted), "other signer": pki.signer(pki.fr)}.get(
        spoil, wire.certs.gateway_signer
    )
    spoils: dict[str, Callable[[bytes], bytes]] = {
        "not xml": lambda _: b"<Enrolment",
        "invalid": lambda body: body.replace(
            b"<e:Category>1</e:Category>", b"<e:Category>one</e:Category>"
        ),
    }
    _, status, answer, kind = await wire.post(
        simulator.eurodac_url,
        capture(person=1, national_part="B1"),
        signer=signer,
        spoil=spoils.get(spoil),
        header_id=uuid.uuid4() if spoil == "header" else None,
    )
    assert (status, kind) == (400, "application/problem+json")
    assert json.loads(answer)["code"] == code
