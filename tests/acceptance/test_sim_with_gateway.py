"""The gateway and the simulated Central System together on the demo PKI of `eugw certs init`:
a record submitted over the API is delivered to the simulated Central System, acknowledged,
processed, and its signed reply comes back to the gateway's inbound endpoint."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from polling import eventually
from simkit import Both

from gateway.broker.states import MessageState

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "canonical"


async def test_a_submitted_record_is_acknowledged_and_answered_by_the_simulator(
    both: Both,
) -> None:
    body = (SAMPLES / "applicant-2026.json").read_bytes()
    headers = {"Idempotency-Key": "sim-0001", "Authorization": f"Bearer {both.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{both.endpoints.api}/v1/submissions", data=body, headers=headers
        ) as response,
    ):
        assert response.status == 202, await response.text()
        [message_id] = (await response.json())["message_ids"]

    store = both.services.store

    async def answered() -> bool:
        stored = await store.get(message_id)
        return stored is not None and stored.state is MessageState.ANSWERED

    await eventually(answered, within=30)
    timeline = [change.to_state.value for change in await store.timeline(message_id)]
    assert timeline[-2:] == ["acknowledged", "answered"]
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{both.simulator.control_url}/control/received") as response,
    ):
        [received] = await response.json()
    assert received["message_id"] == message_id
    assert received["outcome"]["result"] in {"hit", "no-hit", "error"}, received
