"""The gateway against the simulated Central System with each fault switched on: every
submitted record still ends answered, once."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from polling import eventually
from simkit import Both

from gateway.broker.states import Event, MessageState
from simulators.common.faults import Faults, SignatureFault

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "canonical"

# Faults that make a delivery fail: switched off once the gateway has seen one failure.
DELIVERY_FAULTS = {
    "dropped connection": Faults(drop=True),
    "HTTP 503": Faults(http_status=503),
    "untrusted TLS certificate": Faults(tls=True),
    "corrupt acknowledgement signature": Faults(ack_signature=SignatureFault.CORRUPT),
    "unsigned acknowledgement": Faults(ack_signature=SignatureFault.MISSING),
}
# Faults the gateway rides through without a failed delivery: left on all along.
BENIGN_FAULTS = {
    "slow answer": Faults(delay_ms=300),
    "reply delivered twice": Faults(duplicate=True),
}


async def _submit(both: Both, key: str) -> str:
    body = (SAMPLES / "applicant-2026.json").read_bytes()
    headers = {"Idempotency-Key": key, "Authorization": f"Bearer {both.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{both.endpoints.api}/v1/submissions", data=body, headers=headers) as answer,
    ):
        assert answer.status == 202, await answer.text()
        [message_id] = (await answer.json())["message_ids"]
    return str(message_id)


async def _answered_once(both: Both, message_id: str) -> None:
    store = both.services.store

    async def answered() -> bool:
        stored = await store.get(message_id)
        return stored is not None and stored.state is MessageState.ANSWERED

    await eventually(answered, within=60)
    events = [change.event for change in await store.timeline(message_id)]
    assert events.count(Event.ANSWER) == 1


@pytest.mark.parametrize("name", sorted(DELIVERY_FAULTS))
async def test_a_delivery_fault_is_retried_until_the_record_is_answered(
    both: Both, name: str
) -> None:
    both.simulator.faults.set("eurodac", DELIVERY_FAULTS[name])
    message_id = await _submit(both, f"fault-{name}")

    async def failed_once() -> bool:
        timeline = await both.services.store.timeline(message_id)
        return any(change.event is Event.FAIL for change in timeline)

    await eventually(failed_once, within=30)
    both.simulator.faults.clear()
    await _answered_once(both, message_id)


@pytest.mark.parametrize("name", sorted(BENIGN_FAULTS))
async def test_a_benign_fault_changes_nothing_for_the_record(both: Both, name: str) -> None:
    both.simulator.faults.set("eurodac", BENIGN_FAULTS[name])
    message_id = await _submit(both, f"fault-{name}")
    await _answered_once(both, message_id)
