"""The gateway against the simulated Central System and a simulated DubliNet peer (NL) with
each fault of the way in switched on: every record submitted and every request of a case
still ends acknowledged and answered, once."""

from __future__ import annotations

import pytest
from fault_drive import ENDPOINTS, answered_once, open_case, send_to, tracking
from polling import eventually
from simkit import Both

from gateway.broker.states import Event
from simulators.common.faults import Faults, SignatureFault

# Faults that make a delivery fail, and the code the gateway records for the failure:
# switched off once the gateway has seen one failure.
DELIVERY_FAULTS = {
    "dropped connection": (Faults(drop=True), "GW-TRN-REFUSED"),
    "HTTP 503": (Faults(http_status=503), "GW-TRN-HTTP"),
    "untrusted TLS certificate": (Faults(tls=True), "GW-TLS-HANDSHAKE"),
    "corrupt acknowledgement signature": (
        Faults(ack_signature=SignatureFault.CORRUPT),
        "GW-SIG-INVALID",
    ),
    "unsigned acknowledgement": (Faults(ack_signature=SignatureFault.MISSING), "GW-SIG-MISSING"),
}
# Faults the gateway rides through without a failed delivery: left on all along.
BENIGN_FAULTS = {
    "slow answer": Faults(delay_ms=300),
    "reply delivered twice": Faults(duplicate=True),
}


async def _failures(both: Both, message_id: str) -> list[str]:
    """The details of the failed sends of a message (each starts with our error code)."""
    timeline = await both.services.store.timeline(message_id)
    return [change.detail for change in timeline if change.event is Event.FAIL]


async def _failed_once(both: Both, message_id: str) -> bool:
    return bool(await _failures(both, message_id))


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("name", sorted(DELIVERY_FAULTS))
async def test_a_delivery_fault_is_retried_until_the_message_is_answered(
    with_peers: Both, endpoint: str, name: str
) -> None:
    faults, code = DELIVERY_FAULTS[name]
    with_peers.simulator.faults.set(endpoint, faults)
    message_id = await send_to(with_peers, endpoint, f"fault-{name}")
    await eventually(lambda: _failed_once(with_peers, message_id), within=30)
    with_peers.simulator.faults.clear()
    await answered_once(with_peers, message_id)
    failures = await _failures(with_peers, message_id)
    assert all(detail.startswith(f"{code}:") for detail in failures), failures


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("name", sorted(BENIGN_FAULTS))
async def test_a_benign_fault_changes_nothing_for_the_message(
    with_peers: Both, endpoint: str, name: str
) -> None:
    with_peers.simulator.faults.set(endpoint, BENIGN_FAULTS[name])
    message_id = await send_to(with_peers, endpoint, f"fault-{name}")
    await answered_once(with_peers, message_id)
    assert await _failures(with_peers, message_id) == []


async def test_a_case_whose_request_met_faults_is_acknowledged_and_answered_once(
    with_peers: Both,
) -> None:
    """The case follows its request through a refused handshake and a duplicated reply:
    one acknowledgement moves it, one reply decides it."""
    with_peers.simulator.faults.set("NL", Faults(tls=True))
    case = await open_case(with_peers, "case-through-faults")
    await eventually(lambda: _failed_once(with_peers, case["request_message_id"]), within=30)
    with_peers.simulator.faults.set("NL", Faults(duplicate=True))
    await answered_once(with_peers, case["request_message_id"])
    history = await tracking(with_peers).store.case_changes(case["case_id"])
    assert [change.to_state.value for change in history] == [
        "request_sent",
        "acknowledged",
        "accepted",
    ]
