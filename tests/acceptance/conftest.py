"""The gateway and the simulated EU side together, both on the demo PKI of `eugw certs init`."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from polling import eventually
from simkit import Both, exchanged_types
from web_rig import demo_data_dir

from gateway.adapters.web.server import Endpoints, serve
from gateway.app import running_services
from gateway.broker.access import Role, new_token
from gateway.broker.breaker import BreakerPolicy
from gateway.broker.dispatcher import DispatcherPolicy
from gateway.broker.retry import RetryPolicy
from gateway.security.demo import write_demo_pki
from gateway.settings import Settings
from simulators.dublinet.peer import DublinetConfig
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


# ----- the gateway with DubliNet peers of the simulator ----------------------------------

# The simulator's deliveries to the gateway: retried quickly, for long, and a circuit that
# opens for half a second only, so a reply refused while a fault is on goes through soon
# after the fault is off.
PATIENT_DISPATCH = DispatcherPolicy(
    retry=RetryPolicy(
        base=timedelta(milliseconds=50), cap=timedelta(milliseconds=500), max_attempts=1000
    ),
    breaker=BreakerPolicy(reset_after=timedelta(milliseconds=500)),
    idle_poll=0.1,
)


@asynccontextmanager
async def gateway_and_simulator(
    tmp_path: Path, *, dublinet_peers: str = "NL", processing_delay: timedelta = timedelta(0)
) -> AsyncIterator[Both]:
    """The gateway and the simulator (Eurodac, NL and FR) on the demo PKI, the gateway
    delivering to the Central System and to the DubliNet peers named in `dublinet_peers`
    (NL's server presents NL's certificate, so NL is the one to name). A reply held back by
    the out-of-order fault waits for the next one up to 30 s; peers answer at once."""
    data = demo_data_dir(tmp_path / "data")
    inbound = _free_port()
    simulator = Simulator(
        SimConfig(
            data_dir=tmp_path / "sim",
            gateway_url=f"https://localhost:{inbound}/v1/inbound",
            eurodac_port=0,
            dublinet_port=0,
            control_port=0,
            peers=("NL", "FR"),
            eurodac=EurodacConfig(processing_delay=processing_delay),
            dublinet=DublinetConfig(reply_delay=processing_delay),
            dispatch=PATIENT_DISPATCH,
            out_of_order_hold=timedelta(seconds=30),
        ),
        SimMaterial.from_certs(data, ("NL", "FR")),
    )
    await simulator.start()
    settings = Settings(
        data_dir=data,
        api_port=0,
        inbound_port=inbound,
        eurodac_url=simulator.eurodac_url.replace("127.0.0.1", "localhost"),
        dublinet_url=simulator.dublinet_url("{party}").replace("127.0.0.1", "localhost"),
        dublinet_peers=dublinet_peers,
        retry_base_seconds=1,
        retry_cap_seconds=2,
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


@pytest.fixture
async def with_peers(tmp_path: Path) -> AsyncIterator[Both]:
    """`gateway_and_simulator`: the gateway reaching the Central System and NL."""
    async with gateway_and_simulator(tmp_path) as both:
        yield both


@pytest.fixture
async def wired(tmp_path: Path) -> AsyncIterator[Both]:
    """The gateway delivering to the simulated Central System and to the DubliNet peers NL
    and FR on one TLS port, as the demo runs them; no processing or reply delays. Results
    of incoming Dublin requests go to the token's inbox (it is the Dublin unit)."""
    pki = tmp_path / "data"
    write_demo_pki(pki)
    inbound, shared = _free_port(), _free_port()
    simulator = Simulator(
        SimConfig(
            data_dir=tmp_path / "sim",
            gateway_url=f"https://localhost:{inbound}/v1/inbound",
            eurodac_port=shared,
            dublinet_port=shared,
            control_port=0,
            peers=("NL", "FR"),
            eurodac=EurodacConfig(processing_delay=timedelta(0)),
            dublinet=DublinetConfig(reply_delay=timedelta(0), late_delay=timedelta(seconds=1)),
            dispatch=DispatcherPolicy(
                retry=RetryPolicy(base=timedelta(milliseconds=50), cap=timedelta(seconds=1)),
                idle_poll=0.05,
            ),
        ),
        SimMaterial.from_certs(pki, ("NL", "FR")),
    )
    await simulator.start()
    settings = Settings(
        data_dir=pki,
        api_port=0,
        inbound_port=inbound,
        eurodac_url=f"https://localhost:{shared}/eurodac",
        dublinet_url=f"https://localhost:{shared}/dublinet/{{party}}",
        dublinet_peers="NL,FR",
        dublin_unit="evibel",
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "exercises(*types): the message types the test exchanges between the gateway and the "
        "simulators (checked after the test by the `exercised` fixture)",
    )


@pytest.fixture
async def exercised(request: pytest.FixtureRequest, wired: Both) -> AsyncIterator[None]:
    """After the test: every type its `exercises` mark names went over the wire, verified
    and acknowledged by the side that received it."""
    yield
    claimed = {kind for marker in request.node.iter_markers("exercises") for kind in marker.args}
    assert claimed, "a test using `exercised` names its types with @exercises"
    seen: set[str] = set()

    async def all_seen() -> bool:
        # The last acknowledgement may still be on its way back to its sender.
        seen.update(await exchanged_types(wired))
        return claimed <= seen

    with contextlib.suppress(TimeoutError):
        await eventually(all_seen, within=10, every=0.05)
    assert claimed <= seen, f"named but not exchanged: {sorted(claimed - seen)}"
