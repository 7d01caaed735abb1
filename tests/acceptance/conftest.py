"""The gateway and the simulated EU side together, both on the demo PKI of `eugw certs init`."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from simkit import Both

from gateway.adapters.web.server import Endpoints, serve
from gateway.app import running_services
from gateway.broker.access import Role, new_token
from gateway.broker.dispatcher import DispatcherPolicy
from gateway.broker.retry import RetryPolicy
from gateway.security.demo import write_demo_pki
from gateway.settings import Settings
from simulators.eurodac.central import EurodacConfig
from simulators.runner import SimConfig, SimMaterial, Simulator


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


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
            dublinet_port=0,
            control_port=0,
            peers=("NL", "FR"),
            eurodac=EurodacConfig(processing_delay=timedelta(0)),
            dispatch=DispatcherPolicy(
                retry=RetryPolicy(base=timedelta(milliseconds=50), cap=timedelta(seconds=1)),
                idle_poll=0.1,
            ),
        ),
        SimMaterial.from_certs(pki, ("NL", "FR")),
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
                name="evibel",
                roles=frozenset({Role.SUBMITTER, Role.OPERATOR}),
                now=datetime.now(tz=UTC),
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
