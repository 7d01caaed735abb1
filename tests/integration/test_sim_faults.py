"""Every fault the control API switches on is observable by the gateway's side of the wire."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from pki import GeneratedPki
from polling import eventually
from sim_wire import Posted, SimWire
from simkit import EURODAC, StartSimulator, capture, read_ack

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


async def _enrol(wire: SimWire, simulator: Simulator, person: int, national_part: str) -> Posted:
    return await wire.post(
        simulator.eurodac_url, capture(person=person, national_part=national_part)
    )


@pytest.mark.parametrize(
    ("faults", "failure", "cleared"),
    [
        # the connection dropped; the faults deleted
        pytest.param({"drop": True}, aiohttp.ClientError, None, id="a-dropped-connection"),
        # a TLS certificate the gateway does not trust; the faults set to none
        pytest.param({"tls": True}, aiohttp.ClientConnectorCertificateError, {},
                     id="a-wrong-tls-certificate"),
    ],
)  # fmt: skip
async def test_a_connection_fault_fails_the_post_until_it_is_cleared(
    start_simulator: StartSimulator,
    wire: SimWire,
    faults: dict[str, Any],
    failure: type[Exception],
    cleared: dict[str, Any] | None,
) -> None:
    simulator = await start_simulator()
    await _faults(wire.session, simulator, "eurodac", faults)
    with pytest.raises(failure):
        await _enrol(wire, simulator, 1, "X1")
    if cleared is None:
        async with wire.session.delete(f"{simulator.control_url}/control/faults/eurodac"):
            pass
    else:
        await _faults(wire.session, simulator, "eurodac", cleared)
    assert (await _enrol(wire, simulator, 1, "X1")).status == 200


async def test_a_delay_and_an_http_error(start_simulator: StartSimulator, wire: SimWire) -> None:
    simulator = await start_simulator()
    await _faults(wire.session, simulator, "eurodac", {"delay_ms": 300})
    started = asyncio.get_running_loop().time()
    assert (await _enrol(wire, simulator, 2, "X2")).status == 200
    assert asyncio.get_running_loop().time() - started >= 0.3
    await _faults(wire.session, simulator, "*", {"http_status": 503})  # the wildcard applies too
    async with wire.session.delete(f"{simulator.control_url}/control/faults/eurodac"):
        pass
    _, status, answer, _ = await _enrol(wire, simulator, 2, "X3")
    assert status == 503
    assert json.loads(answer)["code"] == "GW-SIM-FAULT"


@pytest.mark.parametrize(
    ("fault", "code"), [("corrupt", "GW-SIG-INVALID"), ("missing", "GW-SIG-MISSING")]
)
async def test_a_spoiled_ack_signature(
    start_simulator: StartSimulator, wire: SimWire, pki: GeneratedPki, fault: str, code: str
) -> None:
    simulator = await start_simulator()
    await _faults(wire.session, simulator, "eurodac", {"ack_signature": fault})
    _, status, answer, _ = await _enrol(wire, simulator, 4, "X5")
    assert status == 200
    with pytest.raises(SecurityError) as raised:
        read_ack(Verifier(pki.trust), answer, EURODAC)
    assert raised.value.code == code


async def test_a_spoiled_reply_signature_is_refused_by_the_gateway(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    simulator = await start_simulator()
    await _faults(wire.session, simulator, "eurodac", {"reply_signature": "corrupt"})
    sent, status, _, _ = await _enrol(wire, simulator, 5, "X6")
    message_id = sent.message_id
    assert status == 200
    await eventually(lambda: bool(wire.stand_in.refused), within=20)
    assert wire.stand_in.refused[0] == "GW-SIG-INVALID"
    assert wire.stand_in.messages(message_id) == []


async def test_a_duplicate_delivery_of_a_reply(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    simulator = await start_simulator()
    await _faults(wire.session, simulator, "eurodac", {"duplicate": True})
    message_id = (await _enrol(wire, simulator, 6, "X7")).envelope.message_id
    await eventually(lambda: len(wire.stand_in.messages(message_id)) == 2, within=20)
    first, second = wire.stand_in.messages(message_id)
    assert first.envelope.message_id == second.envelope.message_id


async def test_replies_out_of_order(start_simulator: StartSimulator, wire: SimWire) -> None:
    simulator = await start_simulator(out_of_order_hold=timedelta(seconds=30))
    await _faults(wire.session, simulator, "eurodac", {"out_of_order": True})
    earlier = (await _enrol(wire, simulator, 7, "X8")).envelope.message_id
    later = (await _enrol(wire, simulator, 8, "X9")).envelope.message_id
    await eventually(lambda: len(wire.stand_in.delivered) == 2, within=20)
    answered = [d.message.envelope.correlation_id for d in wire.stand_in.delivered]
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
