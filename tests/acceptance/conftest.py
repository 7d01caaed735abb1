"""The gateway and the simulated EU side together, both on the demo PKI of `eugw certs init`;
Debian's Chromium for the console's browser tests."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from both_rig import PATIENT_DISPATCH, QUICK_DISPATCH, gateway_and_simulator
from polling import eventually
from simkit import Both, exchanged_types

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def chromium() -> Path:
    """Debian's chromium; its absence fails the test (never a skip)."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make system-deps`"
    return CHROMIUM


@pytest.fixture
async def both(tmp_path: Path) -> AsyncIterator[Both]:
    """The gateway delivering to the simulated Central System only."""
    async with gateway_and_simulator(tmp_path) as ready:
        yield ready


@pytest.fixture
async def with_peers(tmp_path: Path) -> AsyncIterator[Both]:
    """The gateway reaching the Central System and NL (NL's server presents NL's
    certificate), patiently: the simulator retries for long, the gateway every 2 s at most,
    and a reply held back by the out-of-order fault waits up to 30 s for the next one."""
    async with gateway_and_simulator(
        tmp_path,
        dublinet_peers="NL",
        dispatch=PATIENT_DISPATCH,
        out_of_order_hold=timedelta(seconds=30),
        retry_cap_seconds=2,
    ) as ready:
        yield ready


@pytest.fixture
async def wired(tmp_path: Path) -> AsyncIterator[Both]:
    """The gateway delivering to the simulated Central System and to the DubliNet peers NL,
    FR and IT, each on a port of its own, as the demo runs them; no processing or reply
    delays. Results of incoming Dublin requests go to the token's inbox (it is the Dublin
    unit)."""
    fast = dataclasses.replace(QUICK_DISPATCH, idle_poll=0.05)
    async with gateway_and_simulator(
        tmp_path,
        dublinet_peers="NL,FR,IT",
        dublin_unit="evibel",
        late_delay=timedelta(seconds=1),
        dispatch=fast,
    ) as ready:
        yield ready


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
