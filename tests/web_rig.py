"""The API application on a test server, wired as `eugw serve` wires it, on a demo PKI.

async with api_rig(tmp_path) as rig:
    response = await rig.client.get("/healthz")
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Iterable
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
from gateway.app import running_services
from gateway.broker.access import Role, new_token
from gateway.broker.records import NewMessage
from gateway.pipeline.services import Services
from gateway.ports import Clock
from gateway.security.demo import write_demo_pki
from gateway.settings import Settings


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
        token, secret = new_token(name=name, roles=frozenset(roles), now=datetime.now(tz=UTC))
        await self.services.store.add_token(token)
        return secret

    async def queue(self, *messages: NewMessage) -> None:
        await self.services.outbox.put(messages)


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
