"""The gateway and the simulated EU side together, both on the demo PKI of `eugw certs init`:
a record submitted over the API is delivered to the simulated Central System, acknowledged,
processed, and its signed reply comes back to the gateway's inbound endpoint."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from polling import eventually

from gateway.adapters.web.server import Endpoints, serve
from gateway.app import running_services
from gateway.broker.access import Role, new_token
from gateway.broker.dispatcher import DispatcherPolicy
from gateway.broker.retry import RetryPolicy
from gateway.broker.states import MessageState
from gateway.pipeline.services import Services
from gateway.security.demo import write_demo_pki
from gateway.settings import Settings
from simulators.eurodac.central import EurodacConfig
from simulators.runner import SimConfig, SimMaterial, Simulator

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "canonical"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Both:
    services: Services
    endpoints: Endpoints
    simulator: Simulator
    token: str


@pytest.fixture
async def both(tmp_path: Path) -> AsyncIterator[Both]:
    pki = tmp_path / "data"
    write_demo_pki(pki)
    inbound = _free_port()
    simulator = Simulator(
        SimConfig(
            data_dir=tmp_path / "sim",
            gateway_url=f"https://localhost:{inbound}/v1/inbound",
            eurodac_port=_free_port(),
            dublinet_port=None,
            control_port=0,
            peers=(),
            eurodac=EurodacConfig(processing_delay=timedelta(0)),
            dispatch=DispatcherPolicy(
                retry=RetryPolicy(base=timedelta(milliseconds=50), cap=timedelta(seconds=1)),
                idle_poll=0.1,
            ),
        ),
        SimMaterial.from_certs(pki, ()),
    )
    await simulator.start()
    settings = Settings(
        data_dir=pki,
        api_port=0,
        inbound_port=inbound,
        eurodac_url=simulator.eurodac_url.replace("127.0.0.1", "localhost"),
        dublinet_peers="",
        retry_base_seconds=1,
    )
    stop = asyncio.Event()
    try:
        async with running_services(settings) as services:
            token, secret = new_token(
                name="evibel", roles=frozenset({Role.SUBMITTER}), now=datetime.now(tz=UTC)
            )
            await services.store.add_token(token)
            started: asyncio.Future[Endpoints] = asyncio.get_running_loop().create_future()
            server = asyncio.create_task(serve(services, stop, started))
            endpoints = await asyncio.wait_for(started, 10)
            try:
                yield Both(
                    services=services, endpoints=endpoints, simulator=simulator, token=secret
                )
            finally:
                stop.set()
                await server
    finally:
        await simulator.stop()


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
