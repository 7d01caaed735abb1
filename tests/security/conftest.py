"""The security regression suite: the gateway and the simulated EU side serving on real
sockets, on SQLite and on PostgreSQL, attacked by parties holding their own valid demo
certificates and signing keys (`security.attacker`)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from both_rig import gateway_and_simulator
from security.attacker import Attacker
from simkit import Both
from stores import postgres_url

from gateway.security.identity import PeerId

STORES = ("sqlite", "postgres")


@pytest.fixture(params=STORES)
async def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Both]:
    """The gateway (on SQLite or PostgreSQL) reaching the simulated Central System and the
    DubliNet peers NL and FR, each on a port of its own, as the demo runs them; it retries a
    peer that was down within 2 s."""
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(postgres_url()) if request.param == "postgres" else ""
        yield await stack.enter_async_context(
            gateway_and_simulator(
                tmp_path,
                dublinet_peers="NL,FR",
                dublin_unit="evibel",
                database_url=url,
                retry_cap_seconds=2,
            )
        )


@pytest.fixture
def data_dir(gateway: Both) -> Path:
    return gateway.services.settings.data_dir


@pytest.fixture
def nl(data_dir: Path) -> Attacker:
    return Attacker.of(data_dir, PeerId(party="NL", system="dublinet"))


@pytest.fixture
def fr(data_dir: Path) -> Attacker:
    return Attacker.of(data_dir, PeerId(party="FR", system="dublinet"))
