"""The gateway and the simulated EU side serving together, on the demo PKI of
`eugw certs init`: what the acceptance and security tests attack and drive."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from simkit import Both
from web_rig import demo_data_dir

from gateway.adapters.web.server import Endpoints, serve
from gateway.app import running_services
from gateway.broker.access import Role, new_token
from gateway.listen_ports import free_port
from gateway.settings import Settings
from simulators.common.delivery import SendPolicy
from simulators.dublinet.peer import DublinetConfig
from simulators.eurodac.central import EurodacConfig
from simulators.runner import SimConfig, SimMaterial, Simulator

__all__ = ["PATIENT_DISPATCH", "QUICK_DISPATCH", "gateway_and_simulator"]

# The simulator's deliveries to the gateway: retried quickly.
QUICK_DISPATCH = SendPolicy(
    base=timedelta(milliseconds=50), cap=timedelta(seconds=1), idle_poll=0.1
)
# Retried quickly and for long, so a reply refused while a fault is on goes through soon
# after the fault is off.
PATIENT_DISPATCH = SendPolicy(
    base=timedelta(milliseconds=50),
    cap=timedelta(milliseconds=500),
    max_attempts=1000,
    idle_poll=0.1,
)

# The simulated DubliNet peers: IT's public holidays differ from Belgium's (scenarios).
SIM_PEERS = ("NL", "FR", "IT")
# What the builder leaves as the gateway and the simulator have it.
_PEER_DEFAULTS, _GATEWAY_DEFAULTS = DublinetConfig(), Settings()
_SIM_DEFAULTS = SimConfig(data_dir=Path())


@asynccontextmanager
async def gateway_and_simulator(
    tmp_path: Path,
    *,
    dublinet_peers: str = "",
    dublin_unit: str = "",
    processing_delay: timedelta = timedelta(0),
    reply_delay: timedelta = timedelta(0),
    late_delay: timedelta = _PEER_DEFAULTS.late_delay,
    dispatch: SendPolicy = QUICK_DISPATCH,
    out_of_order_hold: timedelta = _SIM_DEFAULTS.out_of_order_hold,
    retry_cap_seconds: int = _GATEWAY_DEFAULTS.retry_cap_seconds,
    database_url: str = "",
) -> AsyncIterator[Both]:
    """The gateway (API and inbound endpoint, on the demo PKI, one token `evibel` with the
    submitter and operator roles) and the simulator (Eurodac, NL and FR), both serving.

    The gateway delivers to the Central System and to the DubliNet peers named in
    `dublinet_peers` (none: its DubliNet messages stay queued), each simulated party on a
    TLS port of its own with its own certificate, as the demo runs them; `dublin_unit` is
    the submitter whose
    inbox gets the results of incoming Dublin requests. The Central System answers after
    `processing_delay`, the peers after `reply_delay` (a 'late' peer after `late_delay`); a
    reply held back by the out-of-order fault waits `out_of_order_hold` for the next one;
    the simulator delivers to the gateway by `dispatch`. The gateway retries its own
    deliveries after 1 s, then up to `retry_cap_seconds` apart; it keeps its state in
    `database_url` (PostgreSQL) when given, else in SQLite."""
    data = demo_data_dir(tmp_path / "data")
    inbound = free_port()
    simulator = Simulator(
        SimConfig(
            data_dir=tmp_path / "sim",
            gateway_url=f"https://localhost:{inbound}/v1/inbound",
            eurodac_port=0,
            dublinet_port=0,
            control_port=0,
            peers=SIM_PEERS,
            eurodac=EurodacConfig(processing_delay=processing_delay),
            dublinet=DublinetConfig(reply_delay=reply_delay, late_delay=late_delay),
            dispatch=dispatch,
            out_of_order_hold=out_of_order_hold,
        ),
        SimMaterial.from_certs(data, SIM_PEERS),
    )
    await simulator.start()
    settings = Settings(
        data_dir=data,
        api_port=0,
        inbound_port=inbound,
        eurodac_url=simulator.eurodac_url.replace("127.0.0.1", "localhost"),
        dublinet_url=simulator.dublinet_urls.replace("127.0.0.1", "localhost"),
        dublinet_peers=dublinet_peers,
        dublin_unit=dublin_unit,
        retry_base_seconds=1,
        retry_cap_seconds=retry_cap_seconds,
        database_url=database_url,
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
