"""Every fault the control API switches on is observable by the gateway's side of the wire."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

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
from gateway.errors import SecurityError
from gateway.security.verifier import Verifier
from simulators.runner import Simulator


async def _faults(
    session: aiohttp.ClientSession, simulator: Simulator, endpoint: str, faults: dict[str, Any]
) -> None:
    async with session.put(
        f"{simulator.control_url}/control/faults/{endpoint}", json=faults
    ) as response:
        assert response.status == 200, await response.text()


async def _enrol(
    session: aiohttp.ClientSession,
    simulator: Simulator,
    certs: Certs,
    pki: GeneratedPki,
    person: int,
    national_part: str,
) -> tuple[uuid.UUID, int, bytes]:
    envelope, body = signed(
        capture(person=person, national_part=national_part),
        message_type="eurodac.enrolment",
        regime=Regime.EURODAC_2024,
        recipient=EURODAC,
        signer=certs.gateway_signer,
    )
    status, answer, _ = await post(
        session,
        simulator.eurodac_url,
        body,
        context=gateway_client_context(certs, pki, EURODAC),
        message_id=envelope.message_id,
    )
    return envelope.message_id, status, answer


async def test_a_dropped_connection_then_recovery(
    start_simulator: StartSimulator,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator()
    await _faults(session, simulator, "eurodac", {"drop": True})
    with pytest.raises(aiohttp.ClientError):
        await _enrol(session, simulator, certs, pki, 1, "X1")
    async with session.delete(f"{simulator.control_url}/control/faults/eurodac"):
        pass
    _, status, _ = await _enrol(session, simulator, certs, pki, 1, "X1")
    assert status == 200


async def test_a_delay_and_an_http_error(
    start_simulator: StartSimulator,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator()
    await _faults(session, simulator, "eurodac", {"delay_ms": 300})
    started = asyncio.get_running_loop().time()
    _, status, _ = await _enrol(session, simulator, certs, pki, 2, "X2")
    assert status == 200
    assert asyncio.get_running_loop().time() - started >= 0.3
    await _faults(session, simulator, "*", {"http_status": 503})  # the wildcard applies too
    async with session.delete(f"{simulator.control_url}/control/faults/eurodac"):
        pass
    _, status, answer = await _enrol(session, simulator, certs, pki, 2, "X3")
    assert status == 503
    assert json.loads(answer)["code"] == "GW-SIM-FAULT"


async def test_a_wrong_tls_certificate_fails_the_handshake(
    start_simulator: StartSimulator,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator()
    await _faults(session, simulator, "eurodac", {"tls": True})
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await _enrol(session, simulator, certs, pki, 3, "X4")
    await _faults(session, simulator, "eurodac", {})
    _, status, _ = await _enrol(session, simulator, certs, pki, 3, "X4")
    assert status == 200


@pytest.mark.parametrize(
    ("fault", "code"), [("corrupt", "GW-SIG-INVALID"), ("missing", "GW-SIG-MISSING")]
)
async def test_a_spoiled_ack_signature(
    start_simulator: StartSimulator,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
    fault: str,
    code: str,
) -> None:
    simulator = await start_simulator()
    await _faults(session, simulator, "eurodac", {"ack_signature": fault})
    _, status, answer = await _enrol(session, simulator, certs, pki, 4, "X5")
    assert status == 200
    with pytest.raises(SecurityError) as raised:
        read_ack(Verifier(pki.trust), answer, EURODAC)
    assert raised.value.code == code


async def test_a_spoiled_reply_signature_is_refused_by_the_gateway(
    start_simulator: StartSimulator,
    stand_in: FakeGateway,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator()
    await _faults(session, simulator, "eurodac", {"reply_signature": "corrupt"})
    message_id, status, _ = await _enrol(session, simulator, certs, pki, 5, "X6")
    assert status == 200
    await eventually(lambda: bool(stand_in.refused), within=20)
    assert stand_in.refused[0] == "GW-SIG-INVALID"
    assert stand_in.messages(message_id) == []


async def test_a_duplicate_delivery_of_a_reply(
    start_simulator: StartSimulator,
    stand_in: FakeGateway,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator()
    await _faults(session, simulator, "eurodac", {"duplicate": True})
    message_id, _, _ = await _enrol(session, simulator, certs, pki, 6, "X7")
    await eventually(lambda: len(stand_in.messages(message_id)) == 2, within=20)
    first, second = stand_in.messages(message_id)
    assert first.envelope.message_id == second.envelope.message_id


async def test_replies_out_of_order(
    start_simulator: StartSimulator,
    stand_in: FakeGateway,
    certs: Certs,
    pki: GeneratedPki,
    session: aiohttp.ClientSession,
) -> None:
    simulator = await start_simulator(out_of_order_hold=timedelta(seconds=30))
    await _faults(session, simulator, "eurodac", {"out_of_order": True})
    earlier, _, _ = await _enrol(session, simulator, certs, pki, 7, "X8")
    later, _, _ = await _enrol(session, simulator, certs, pki, 8, "X9")
    await eventually(lambda: len(stand_in.delivered) == 2, within=20)
    answered = [d.message.envelope.correlation_id for d in stand_in.delivered]
    assert answered == [later, earlier]


async def test_the_control_api_can_require_a_token(
    start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    simulator = await start_simulator(control_token="s3cret")  # noqa: S106 - a test token
    url = f"{simulator.control_url}/control/faults"
    async with session.get(url) as response:
        assert response.status == 401
        assert (await response.json())["code"] == "GW-SIM-UNAUTHORISED"
    async with session.get(url, headers={"Authorization": "Bearer s3cret"}) as response:
        assert response.status == 200


async def test_faults_of_an_unknown_endpoint_or_name_are_refused(
    start_simulator: StartSimulator, session: aiohttp.ClientSession
) -> None:
    simulator = await start_simulator()
    for endpoint, faults in (("IT", {"drop": True}), ("eurodac", {"explode": True})):
        async with session.put(
            f"{simulator.control_url}/control/faults/{endpoint}", json=faults
        ) as response:
            assert response.status == 400
            code = (await response.json())["code"]
        assert code == ("GW-SIM-CONTROL" if endpoint == "IT" else "GW-SIM-FAULT")
    async with session.get(f"{simulator.control_url}/control/faults") as response:
        assert await response.json() == {}
