"""The Eurodac simulator over real mutual-TLS sockets: acknowledgement, then hit or no-hit."""

from __future__ import annotations

import json
import socket
import uuid

import aiohttp
import pytest
from pki import GeneratedPki
from polling import eventually
from simkit import (
    EURODAC,
    Certs,
    FakeGateway,
    StartSimulator,
    capture,
    gateway_client_context,
    post,
    read_ack,
    signed,
)

from gateway.domain.eurodac import Regime
from gateway.domain.replies import Acknowledgement, EurodacHit, EurodacNoHit
from gateway.errors import ConfigError
from gateway.messages import Envelope
from gateway.security.verifier import Verifier


async def _enrol(
    session: aiohttp.ClientSession,
    url: str,
    certs: Certs,
    pki: GeneratedPki,
    *,
    person: int,
    national_part: str,
    message_id: uuid.UUID | None = None,
    capture_no: int = 0,
) -> tuple[Envelope, int, bytes, str]:
    record = capture(person=person, national_part=national_part, capture_no=capture_no)
    envelope, body = signed(
        record,
        message_type="eurodac.enrolment",
        regime=Regime.EURODAC_2024,
        recipient=EURODAC,
        signer=certs.gateway_signer,
        message_id=message_id,
    )
    context = gateway_client_context(certs, pki, EURODAC)
    status, answer, kind = await post(
        session, url, body, context=context, message_id=envelope.message_id
    )
    return envelope, status, answer, kind


async def test_an_enrolment_gets_a_signed_ack_then_a_no_hit_reply(
    start_simulator: StartSimulator,
    stand_in: FakeGateway,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator()
    sent, status, answer, kind = await _enrol(
        session, simulator.eurodac_url, certs, pki, person=1, national_part="A1"
    )
    message_id = sent.message_id
    assert (status, kind) == (200, "application/xml")
    ack = read_ack(Verifier(pki.trust), answer, EURODAC)
    assert ack.envelope.message_type == "eurodac.ack"
    assert ack.envelope.correlation_id == message_id
    assert isinstance(ack.content, Acknowledgement)
    assert ack.content.acknowledged_message_id == message_id

    await eventually(lambda: bool(stand_in.messages(message_id)), within=20)
    [reply] = stand_in.messages(message_id)
    assert reply.envelope.message_type == "eurodac.no-hit"
    assert isinstance(reply.content, EurodacNoHit)
    assert str(reply.content.reference) == "BE1A1"
    assert stand_in.delivered[0].sender == "EU:eurodac"
    assert reply.envelope.conversation_id == sent.conversation_id


async def test_the_same_person_twice_is_a_hit_and_another_person_is_not(
    start_simulator: StartSimulator,
    stand_in: FakeGateway,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator()
    url = simulator.eurodac_url
    first = (await _enrol(session, url, certs, pki, person=7, national_part="P1"))[0].message_id
    await eventually(lambda: bool(stand_in.messages(first)), within=20)
    second = await _enrol(session, url, certs, pki, person=7, national_part="P2", capture_no=1)
    again = second[0].message_id
    other = (await _enrol(session, url, certs, pki, person=8, national_part="P3"))[0].message_id
    await eventually(lambda: bool(stand_in.messages(again)) and bool(stand_in.messages(other)))

    [hit] = stand_in.messages(again)
    assert isinstance(hit.content, EurodacHit)
    assert [str(m.reference) for m in hit.content.matches] == ["BE1P1"]
    assert hit.content.matches[0].person is not None  # 2024/1358: the person's data travel
    [no_hit] = stand_in.messages(other)
    assert isinstance(no_hit.content, EurodacNoHit)


async def test_a_duplicate_message_id_gets_the_same_ack_and_is_processed_once(
    start_simulator: StartSimulator,
    stand_in: FakeGateway,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator()
    message_id = uuid.uuid4()
    _, _, first_ack, _ = await _enrol(
        session, simulator.eurodac_url, certs, pki, person=3, national_part="D1",
        message_id=message_id,
    )  # fmt: skip
    _, status, second_ack, _ = await _enrol(
        session, simulator.eurodac_url, certs, pki, person=3, national_part="D1",
        message_id=message_id,
    )  # fmt: skip
    assert status == 200
    assert second_ack == first_ack
    await eventually(lambda: bool(stand_in.messages(message_id)), within=20)
    async with session.get(f"{simulator.control_url}/control/received") as response:
        received = await response.json()
    assert [row["message_id"] for row in received] == [str(message_id)]
    async with session.get(f"{simulator.control_url}/control/eurodac/records") as response:
        records = await response.json()
    assert [row["reference"] for row in records] == ["BE1D1"]
    assert len(stand_in.messages(message_id)) == 1


async def test_an_unsigned_message_is_refused_with_a_problem(
    start_simulator: StartSimulator,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator()
    _, body = signed(
        capture(person=1, national_part="U1"),
        message_type="eurodac.enrolment",
        regime=Regime.EURODAC_2024,
        recipient=EURODAC,
        signer=certs.gateway_signer,
    )
    unsigned = body.split(b"<ds:Signature")[0] + b"</e:Enrolment>"
    status, answer, kind = await post(
        session,
        simulator.eurodac_url,
        unsigned,
        context=gateway_client_context(certs, pki, EURODAC),
        message_id=str(uuid.uuid4()),
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
    start_simulator: StartSimulator,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
    spoil: str,
    code: str,
) -> None:
    simulator = await start_simulator()
    signer = {"untrusted": pki.signer(pki.untrusted), "other signer": pki.signer(pki.fr)}.get(
        spoil, certs.gateway_signer
    )
    envelope, body = signed(
        capture(person=1, national_part="B1"),
        message_type="eurodac.enrolment",
        regime=Regime.EURODAC_2024,
        recipient=EURODAC,
        signer=signer,
    )
    if spoil == "not xml":
        body = b"<Enrolment"
    elif spoil == "invalid":
        body = body.replace(b"<e:Category>1</e:Category>", b"<e:Category>one</e:Category>")
    header = uuid.uuid4() if spoil == "header" else envelope.message_id
    status, answer, kind = await post(
        session,
        simulator.eurodac_url,
        body,
        context=gateway_client_context(certs, pki, EURODAC),
        message_id=header,
    )
    assert (status, kind) == (400, "application/problem+json")
    assert json.loads(answer)["code"] == code
