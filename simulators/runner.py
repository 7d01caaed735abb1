"""The composition root of the simulators: servers, processing, sending and control, wired.

simulator = Simulator(config, material)
await simulator.start()          # binds the ports (0: any free port)
...                              # simulator.eurodac_url, .dublinet_url("NL"), .control_url
await simulator.stop()           # state and queued replies stay in config.data_dir
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from gateway.domain.frozen import frozen
from gateway.domain.member_states import is_member_state
from gateway.errors import ConfigError
from gateway.security.identity import PeerId
from gateway.security.pki import Usage
from gateway.security.tls import client_context, server_context
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier
from simulators.common.clock import Clock, SystemClock
from simulators.common.delivery import Route, SendPolicy
from simulators.common.faults import FaultBoard
from simulators.common.inbound import Inbound
from simulators.common.material import PartyMaterial, load_party, load_trust, write_wrong_tls
from simulators.common.processing import Handler, Processor
from simulators.common.sending import ReplySender, route_name
from simulators.common.server import Endpoint, receive, tls_context
from simulators.common.state import SimDb
from simulators.control import control_app
from simulators.dublinet.peer import DublinetConfig, DublinetPeer
from simulators.eurodac.central import EURODAC, CentralSystem, EurodacConfig

__all__ = ["SimConfig", "SimMaterial", "Simulator", "stop_on_signals"]

_MAX_BODY = 16 * 1024 * 1024
GATEWAY = PeerId(party="BE", system="gateway")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _now() -> datetime:
    return datetime.now(UTC)


def stop_on_signals() -> asyncio.Event:
    """An event that Ctrl-C (SIGINT) or SIGTERM sets, to stop what runs until it is set (where
    the running event loop cannot handle signals, only its own stop sets it)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    return stop


async def _listen(site: web.TCPSite, host: str, port: int) -> None:
    try:
        await site.start()
    except OSError as error:
        raise ConfigError(
            "GW-CFG-INVALID", f"cannot listen on {host}:{port} ({error.strerror})", "port"
        ) from None


@frozen
class SimConfig:
    """What the simulators run with. Each simulated party listens on a port of its own with
    its own TLS certificate (issued by its party's CA: a server cannot be NL and FR at once):
    Eurodac on `eurodac_port`, the DubliNet peers on `dublinet_port` and the ports after it,
    one each in the order of `peers`. Port 0 takes any free port (for each peer), None
    leaves a server out."""

    data_dir: Path
    gateway: PeerId = GATEWAY
    gateway_url: str = "https://127.0.0.1:8443/v1/inbound"
    host: str = "127.0.0.1"
    eurodac_port: int | None = 9443
    dublinet_port: int | None = 9444  # NL 9444, FR 9445, DE 9446
    control_port: int | None = 9080
    control_host: str = "127.0.0.1"
    control_token: str | None = None
    peers: tuple[str, ...] = ("NL", "FR", "DE")
    eurodac: EurodacConfig = field(default_factory=EurodacConfig)
    dublinet: DublinetConfig = field(default_factory=DublinetConfig)
    dispatch: SendPolicy = field(default_factory=SendPolicy)  # replies to the gateway
    verify_gateway_ack: bool = True
    out_of_order_hold: timedelta = timedelta(seconds=2)  # longest a reply waits for the next one

    def __post_init__(self) -> None:
        strangers = [p for p in (*self.peers, self.gateway.party) if not is_member_state(p)]
        if strangers:
            raise ConfigError(
                "GW-CFG-INVALID",
                f"not the code of a member state: {', '.join(strangers)}",
                "peers",
            )
        if self.eurodac_port and self.eurodac_port in self.dublinet_ports:
            raise ConfigError(
                "GW-CFG-INVALID",
                f"Eurodac's port {self.eurodac_port} is also a DubliNet peer's: each party "
                "listens on a port of its own",
                "eurodac_port",
            )
        exposed = self.control_port is not None and self.control_host not in _LOOPBACK
        if exposed and not self.control_token:
            raise ConfigError(
                "GW-CFG-INVALID",
                "the control API listens on another host than 127.0.0.1 only with a token",
                "control_host",
            )

    @property
    def dublinet_ports(self) -> tuple[int, ...]:
        """The port of each peer, in the order of `peers` (0: any free port)."""
        if self.dublinet_port is None:
            return ()
        step = 1 if self.dublinet_port else 0
        return tuple(self.dublinet_port + step * index for index in range(len(self.peers)))


@frozen
class SimMaterial:
    """The trust store and each simulated party's keys and certificates."""

    trust: TrustStore
    parties: Mapping[PeerId, PartyMaterial]

    @classmethod
    def from_certs(
        cls, certs: Path, peers: tuple[str, ...], *, eurodac: bool = True
    ) -> SimMaterial:
        """Load from a directory written by `eugw certs init`."""
        wanted = ([EURODAC] if eurodac else []) + [
            PeerId(party=party, system="dublinet") for party in peers
        ]
        return cls(trust=load_trust(certs), parties={p: load_party(certs, p) for p in wanted})

    def of(self, peer: PeerId) -> PartyMaterial:
        try:
            return self.parties[peer]
        except KeyError:
            raise ConfigError(
                "GW-SIM-CERTS", f"no keys and certificates for {peer}", str(peer)
            ) from None


class Simulator:
    """The Eurodac Central System and the DubliNet peers in one process."""

    def __init__(
        self, config: SimConfig, material: SimMaterial, *, clock: Clock | None = None
    ) -> None:
        self.config = config
        self.material = material
        self.clock: Clock = clock or SystemClock()  # a virtual clock in tests
        self.faults = FaultBoard()
        self.verifier = Verifier(material.trust)
        self.db: SimDb | None = None
        self.sender: ReplySender | None = None
        self.central: CentralSystem | None = None
        self.peers: dict[str, DublinetPeer] = {}
        self.eurodac_url = ""
        self.control_url = ""
        self._dublinet_bases: dict[str, str] = {}
        self._runners: list[web.AppRunner] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.stopped = False

    def dublinet_url(self, party: str) -> str:
        return f"{self._dublinet_bases.get(party, '')}/dublinet/{party}"

    @property
    def dublinet_urls(self) -> str:
        """Where the peers listen, as the gateway's `dublinet_url` takes it: `NL=URL,...`."""
        return ",".join(f"{party}={self.dublinet_url(party)}" for party in self.peers)

    @property
    def endpoints(self) -> dict[str, Endpoint]:
        found: dict[str, Endpoint] = dict(self.peers)
        if self.central is not None:
            found[self.central.name] = self.central
        return found

    async def start(self) -> None:
        """Open the state, bind the ports and start processing; on failure, undo it all."""
        try:
            await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> None:
        config = self.config
        self.db = await SimDb.open(config.data_dir / "simulator.sqlite3")
        parties = self._parties()
        self.sender = ReplySender.open(
            db=self.db,
            routes={route_name(peer, config.gateway): self._route(peer) for peer in parties},
            wrong_routes={
                route_name(peer, config.gateway): self._route(peer, wrong=True) for peer in parties
            },
            verifier=self.verifier if config.verify_gateway_ack else None,
            faults=self.faults,
            policy=config.dispatch,
            hold_for=config.out_of_order_hold,
            clock=self.clock,
        )
        self._build_endpoints()
        for peer in self.peers.values():
            await peer.restore_policy()
        await self._serve()
        handlers: dict[str, Handler] = dict(self.peers)
        if self.central is not None:
            handlers[self.central.name] = self.central
        processor = Processor(db=self.db, sender=self.sender, handlers=handlers, now=self.clock.now)
        self._tasks = [
            asyncio.create_task(processor.run(self._stop), name="sim-processor"),
            asyncio.create_task(self.sender.run(self._stop), name="sim-sender"),
        ]

    def _route(self, peer: PeerId, *, wrong: bool = False) -> Route:
        """How `peer` reaches the gateway: with its TLS client certificate, or (`wrong`, for
        the `reply_tls` fault) with one of a CA nobody trusts."""
        cert, key = self.material.of(peer).client_cert, self.material.of(peer).client_key
        if wrong:
            cert, key = write_wrong_tls(
                self.config.data_dir / "wrong-tls" / f"{peer.party}-{peer.system}-client",
                peer,
                now=_now(),  # TLS checks validity against the real time
                usage=Usage.TLS_CLIENT,
            )
        context = client_context(
            cert_file=cert, key_file=key, trust=self.material.trust, server=self.config.gateway
        )
        return Route(url=self.config.gateway_url, ssl_context=context)

    def _parties(self) -> list[PeerId]:
        parties = [EURODAC] if self.config.eurodac_port is not None else []
        if self.config.dublinet_port is not None:
            parties += [PeerId(party=p, system="dublinet") for p in self.config.peers]
        return parties

    def _build_endpoints(self) -> None:
        assert self.db is not None  # noqa: S101 - start() made it
        assert self.sender is not None  # noqa: S101 - start() made it
        config = self.config
        if config.eurodac_port is not None:
            self.central = CentralSystem(
                db=self.db,
                inbound=Inbound(self.verifier, me=EURODAC, accepts=CentralSystem.accepts),
                signer=self.material.of(EURODAC).signer,
                config=config.eurodac,
                gateway=config.gateway,
            )
        if config.dublinet_port is not None:
            for party in config.peers:
                peer = PeerId(party=party, system="dublinet")
                self.peers[party] = DublinetPeer(
                    db=self.db,
                    inbound=Inbound(
                        self.verifier,
                        me=peer,
                        accepts=DublinetPeer.accepts,
                        check=DublinetPeer.check_for(party),
                    ),
                    signer=self.material.of(peer).signer,
                    config=config.dublinet,
                    gateway=config.gateway,
                    sender=self.sender,
                )

    async def _serve(self) -> None:
        """One TLS server per simulated party, each presenting that party's certificate."""
        config = self.config
        if self.central is not None and config.eurodac_port is not None:
            app = self._app()
            app.router.add_post("/eurodac", self._eurodac_post)
            base = await self._start_tls(app, EURODAC, config.eurodac_port, "eurodac")
            self.eurodac_url = base + "/eurodac"
        for party, port in zip(config.peers, config.dublinet_ports, strict=False):
            app = self._app()
            # Another member state's path on this server answers GW-SIM-UNKNOWN-ENDPOINT.
            app.router.add_post("/dublinet/{party}", self._dublinet_post_to(party))
            peer = PeerId(party=party, system="dublinet")
            self._dublinet_bases[party] = await self._start_tls(app, peer, port, party)
        if config.control_port is not None:
            runner = web.AppRunner(control_app(self, token=config.control_token))
            await runner.setup()
            site = web.TCPSite(runner, config.control_host, config.control_port)
            await _listen(site, config.control_host, config.control_port)
            self._runners.append(runner)
            host, port = runner.addresses[0][:2]
            self.control_url = f"http://{host}:{port}"

    def _app(self) -> web.Application:
        return web.Application(client_max_size=_MAX_BODY)

    async def _eurodac_post(self, request: web.Request) -> web.StreamResponse:
        return await self._receive(request, self.central)

    def _dublinet_post_to(
        self, party: str
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def post(request: web.Request) -> web.StreamResponse:
            asked = request.match_info["party"]
            return await self._receive(request, self.peers.get(asked) if asked == party else None)

        return post

    async def _receive(self, request: web.Request, endpoint: Endpoint | None) -> web.StreamResponse:
        assert self.db is not None  # noqa: S101 - start() made it
        return await receive(
            request,
            endpoint,
            db=self.db,
            faults=self.faults,
            trust=self.material.trust,
            now=self.clock.now,
        )

    async def _start_tls(self, app: web.Application, peer: PeerId, port: int, name: str) -> str:
        """Serve `app` with `peer`'s TLS certificate (a wrong one while the endpoint `name`
        has the `tls` fault)."""
        material = self.material.of(peer)
        wrong_cert, wrong_key = write_wrong_tls(
            # TLS checks validity against the real time, whatever the simulators' clock says
            self.config.data_dir / "wrong-tls" / str(peer).replace(":", "-"),
            peer,
            now=_now(),
        )
        wrong = server_context(cert_file=wrong_cert, key_file=wrong_key, trust=self.material.trust)
        context = tls_context(
            cert_file=material.server_cert,
            key_file=material.server_key,
            trust=self.material.trust,
            wrong=wrong,
            faults=self.faults,
            endpoints=[name],
        )
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, port, ssl_context=context)
        await _listen(site, self.config.host, port)
        self._runners.append(runner)
        host, bound = runner.addresses[0][:2]
        return f"https://{host}:{bound}"

    async def stop(self) -> None:
        self.stopped = True
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for runner in reversed(self._runners):
            await runner.cleanup()
        self._runners.clear()
        if self.sender is not None:
            await self.sender.close()
            self.sender = None
        if self.db is not None:
            await self.db.close()
            self.db = None

    async def run_until(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.stop()
