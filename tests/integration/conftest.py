"""Fixtures of the integration tests: certificates, the gateway stand-in, a running simulator,
the tracking desk, the command line's data directory."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from pki import GeneratedPki
from sim_wire import SimWire
from simkit import Certs, FakeGateway, StartSimulator, sim_config, write_certs
from tracking_desk import Desk, open_desk

from gateway.ports import Clock
from gateway.security.verifier import Verifier
from simulators.runner import SimMaterial, Simulator


@pytest.fixture(scope="session")
def certs(pki: GeneratedPki, tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return write_certs(pki, tmp_path_factory.mktemp("certs"))


@pytest.fixture
async def stand_in(certs: Certs, pki: GeneratedPki) -> AsyncIterator[FakeGateway]:
    stand_in = FakeGateway(certs=certs, pki=pki, verifier=Verifier(pki.trust))
    await stand_in.start()
    yield stand_in
    await stand_in.stop()


@pytest.fixture
async def start_simulator(
    certs: Certs, stand_in: FakeGateway, tmp_path: Path
) -> AsyncIterator[StartSimulator]:
    """Start a simulator on free ports over `tmp_path/sim`; all are stopped after the test."""
    started: list[Simulator] = []

    async def start(*, clock: Clock | None = None, **changes: object) -> Simulator:
        config = sim_config(tmp_path / "sim", stand_in.url, **changes)
        material = SimMaterial.from_certs(certs.directory, config.peers)
        simulator = Simulator(config, material, clock=clock)
        await simulator.start()
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        if not simulator.stopped:
            await simulator.stop()


@pytest.fixture
async def simulator(start_simulator: StartSimulator) -> Simulator:
    """A simulator with the default settings, started (start_simulator)."""
    return await start_simulator()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
def wire(
    session: aiohttp.ClientSession, certs: Certs, pki: GeneratedPki, stand_in: FakeGateway
) -> SimWire:
    """The gateway's side of the wire to the simulators (sim_wire)."""
    return SimWire(session=session, certs=certs, pki=pki, stand_in=stand_in)


@pytest.fixture
async def desk(pki: GeneratedPki) -> AsyncIterator[Desk]:
    """The tracking service on in-memory stores at NOW (tracking_desk)."""
    async with open_desk(pki) as opened:
        yield opened


@pytest.fixture(scope="session")
def xmlsec1() -> str:
    """The xmlsec1 command, which checks our signatures on its own (`make system-deps`)."""
    path = shutil.which("xmlsec1")
    assert path, "xmlsec1 is not installed: run `make system-deps`"
    return path


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory the command line (`main`) works in, logging JSON."""
    monkeypatch.setenv("EUGW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EUGW_LOG_FORMAT", "json")
    return tmp_path
