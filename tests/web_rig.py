"""The API application on a test server, wired as `eugw serve` wires it, on a demo PKI; and
the whole gateway serving on free ports (`served_gateway`) and a token for it (`token_for`);
a peer's stand-in server over mutual TLS (`tls_site`, the Central System's `eurodac_site`),
a peer's answer to a message
(`answer_to`) and the Central System's signed acknowledgement (`eurodac_ack`).

async with api_rig(tmp_path) as rig:
    response = await rig.client.get("/healthz")
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from tempfile import mkdtemp
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.adapters.web.api import make_api
from gateway.adapters.web.console.events import POLL_SECONDS
from gateway.adapters.web.server import Endpoints, serve
from gateway.app import running_services
from gateway.broker.access import Role, new_token
from gateway.broker.records import NewMessage
from gateway.broker.states import MessageState
from gateway.domain.replies import Acknowledgement
from gateway.messages import EU_AUTHORITY, Message, Party, new_envelope
from gateway.pipeline.services import Services
from gateway.pipeline.wire import Wire
from gateway.ports import Clock
from gateway.security.demo import write_demo_pki
from gateway.security.signer import Signer, SigningKey
from gateway.security.tls import server_context
from gateway.security.trust import TrustStore
from gateway.settings import Settings


@asynccontextmanager
async def tls_site(app: web.Application, data: Path, folder: str) -> AsyncIterator[int]:
    """`app` served on a free port of 127.0.0.1 as the peer `data/peers/<folder>` (its TLS
    server certificate), asking for a client certificate the PKI in `data` trusts: the
    port. Stopped after."""
    peer = data / "peers" / folder
    context = server_context(
        cert_file=peer / "tls-server.cert.pem",
        key_file=peer / "tls-server.key.pem",
        trust=TrustStore.from_directory(data / "trust"),
    )
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


@asynccontextmanager
async def eurodac_site(
    handle: Callable[[web.Request], Awaitable[web.StreamResponse]], data: Path
) -> AsyncIterator[str]:
    """`handle` answering POST /eurodac as the Central System of the PKI in `data` (tls_site):
    the URL the gateway delivers to."""
    app = web.Application()
    app.router.add_post("/eurodac", handle)
    async with tls_site(app, data, "eu-eurodac") as port:
        yield f"https://localhost:{port}/eurodac"


@asynccontextmanager
async def webhook_site(
    handle: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    """`handle` answering POST /hook in plain HTTP on a free port of 127.0.0.1, as a national
    system's webhook: its URL. Stopped after."""
    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    finally:
        await runner.cleanup()


def eurodac_wire(folder: Path) -> Wire:
    """Signing as the Central System with the key in `folder` (the PKI's peers/eu-eurodac)."""
    key = SigningKey.from_pem(
        "eurodac",
        (folder / "signing.key.pem").read_bytes(),
        (folder / "signing.cert.pem").read_bytes(),
    )
    return Wire(member_state="BE", signer=Signer([key], active="eurodac"))


def answer_to(
    sent: Message, sender: Party, message_type: str, content: object, *, now: datetime | None = None
) -> Message:
    """`sender`'s answer to `sent`, made `now` (the clock's unless given): the same regime and
    conversation, correlated."""
    return Message(
        envelope=new_envelope(
            message_type=message_type,
            regime=sent.envelope.regime,
            sender=sender,
            recipient=sent.envelope.sender,
            now=now or datetime.now(tz=UTC),
            correlation_id=sent.envelope.message_id,
            conversation_id=sent.envelope.conversation_id,
        ),
        content=content,  # type: ignore[arg-type]
    )


def eurodac_ack(message: Message, folder: Path) -> bytes:
    """The Central System's acknowledgement of `message`, received now, signed with the key
    in `folder`."""
    now = datetime.now(tz=UTC)
    ack = answer_to(
        message,
        Party(authority=EU_AUTHORITY, system="eurodac"),
        "eurodac.ack",
        Acknowledgement(acknowledged_message_id=message.envelope.message_id, received_at=now),
        now=now,
    )
    return eurodac_wire(folder).signed(ack)


@cache
def _demo_pki() -> Path:
    """One demo PKI per test run (key generation is slow); each rig works on a copy."""
    directory = Path(mkdtemp(prefix="eugw-demo-pki-"))
    write_demo_pki(directory)
    return directory


def demo_data_dir(target: Path) -> Path:
    shutil.copytree(_demo_pki(), target)
    return target


@dataclass
class Rig:
    services: Services
    client: TestClient  # type: ignore[type-arg]

    async def token(self, *roles: Role, name: str = "tester") -> str:
        return await token_for(self.services, name, *roles)

    async def queue(self, *messages: NewMessage) -> None:
        await self.services.outbox.put(messages)

    async def state(self, message_id: str) -> MessageState:
        """The state the store holds `message_id` in (it must hold it)."""
        stored = await self.services.store.get(message_id)
        assert stored is not None, message_id
        return stored.state


async def token_for(
    services: Services, name: str, *roles: Role, now: datetime | None = None
) -> str:
    """A new API token of `name` with `roles`, stored: its secret."""
    token, secret = new_token(name=name, roles=frozenset(roles), now=now or datetime.now(tz=UTC))
    await services.store.add_token(token)
    return secret


def eurodac_gateway_settings(data_dir: Path, eurodac_url: str, **changes: Any) -> Settings:
    """The settings of a gateway on free ports that delivers to Eurodac at `eurodac_url`
    only (no DubliNet peer), `changes` on top."""
    return Settings(
        data_dir=data_dir,
        api_port=0,
        inbound_port=0,
        eurodac_url=eurodac_url,
        dublinet_peers="",
        **changes,
    )


@asynccontextmanager
async def served_gateway(
    settings: Settings, *, clock: Clock | None = None
) -> AsyncIterator[tuple[Services, Endpoints]]:
    """The gateway as `eugw serve` runs it (its API and inbound endpoints on the ports the
    settings name, 0 for free ones), stopped after: its services and endpoints."""
    stop = asyncio.Event()
    async with running_services(settings, clock=clock) as services:
        started: asyncio.Future[Endpoints] = asyncio.get_running_loop().create_future()
        server = asyncio.create_task(serve(services, stop, started))
        try:
            endpoints = await asyncio.wait_for(started, 10)
            yield services, endpoints
        finally:
            stop.set()
            await server


@asynccontextmanager
async def api_rig(
    tmp_path: Path,
    *,
    clock: Clock | None = None,
    routes: Callable[[web.Application], None] | None = None,
    **settings: Any,
) -> AsyncIterator[Rig]:
    """`routes` adds routes to the API application before it starts."""
    values: dict[str, Any] = {
        "data_dir": demo_data_dir(tmp_path / "data"),
        "dublinet_peers": "NL",
        **settings,
    }
    async with running_services(Settings(**values), clock=clock) as services:
        app = make_api(services)
        app[POLL_SECONDS] = 0.05  # live updates every 50 ms, not every second
        if routes is not None:
            routes(app)
        async with TestClient(TestServer(app)) as client:
            yield Rig(services=services, client=client)


def new_message(number: int, *, peer: str = "EU:eurodac", body: bytes = b"<x/>") -> NewMessage:
    return NewMessage(
        message_id=f"m-{number}",
        peer=peer,
        message_type="eurodac.enrolment",
        conversation_id=f"c-{number}",
        body=body,
        reference=f"BE1-{number}",
    )


def lines_with(text: str, names: Iterable[str]) -> list[str]:
    """The exposition lines of the named metrics (no comments)."""
    wanted = tuple(names)
    return [line for line in text.splitlines() if line.startswith(wanted)]
