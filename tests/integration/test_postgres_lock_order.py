"""Two gateway processes on one PostgreSQL database, a while flat out: the Central System
acknowledges each message and at once sends its reply to the *other* gateway, so that a
reply's `receive` and the acknowledgement's `record` (and the claims) meet on the same rows
in two processes. Every transaction takes its locks in one order (message rows, then the
other rows, the audit chain's lock last): the server logs no "deadlock detected" for
their connections, no store error reaches the gateways' logs, every message is answered,
and none is sent twice."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import psycopg
import pytest
from aiohttp import web
from eugw_process import child_env
from polling import eventually
from stores import POSTGRES, postgres_url
from test_gateway_flow import SAMPLES, CentralSystem
from web_rig import answer_to, eurodac_site

from gateway.bench.pipeline import numbered_records
from gateway.domain.replies import EurodacNoHit
from gateway.listen_ports import free_port
from gateway.messages import EU_AUTHORITY, Message, Party, read_message
from gateway.security.demo import write_demo_pki
from gateway.security.identity import PeerId
from gateway.security.tls import client_context
from gateway.security.trust import TrustStore

COUNT = int(os.environ.get("LOCK_ORDER_MESSAGES", "240"))
SERVER_LOG = Path("/var/log/postgresql")


class ReplyingCentralSystem(CentralSystem):
    """Acknowledges, and sends the reply at once to the gateway that did not send."""

    inbound: list[str]
    replies: set[asyncio.Task[None]]
    answered: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        message = read_message(await request.read())
        sender = self.inbound[len(self.received) % 2]
        task = asyncio.create_task(self._reply(message, sender))
        self.replies.add(task)
        task.add_done_callback(self.replies.discard)
        return await super().handle(request)  # aiohttp keeps the body: read again there

    async def _reply(self, sent: Message, inbound: str) -> None:
        reply = answer_to(
            sent,
            Party(authority=EU_AUTHORITY, system="eurodac"),
            "eurodac.no-hit",
            EurodacNoHit(reference=sent.content.transaction.reference),  # type: ignore[union-attr]
        )
        body = await asyncio.to_thread(self.sign_as_eurodac, reply)
        for _ in range(20):  # a 503 (the store busy) is sent again, as a peer does
            with contextlib.suppress(aiohttp.ClientError):
                async with self.session.post(inbound, data=body, ssl=self.context) as answer:
                    if answer.status == 200:
                        self.answered += 1
                        return
            await asyncio.sleep(0.5)

    async def start(self, trust: TrustStore) -> None:
        self.context = client_context(
            cert_file=self.folder / "tls-client.cert.pem",
            key_file=self.folder / "tls-client.key.pem",
            trust=trust,
            server=PeerId(party="BE", system="gateway"),
        )
        self.session = aiohttp.ClientSession()
        self.replies = set()


@pytest.fixture
async def central(tmp_path: Path) -> AsyncIterator[ReplyingCentralSystem]:
    data = tmp_path / "data"
    write_demo_pki(data)
    system = ReplyingCentralSystem(pki=data)
    await system.start(TrustStore.from_directory(data / "trust"))
    async with eurodac_site(system.handle, data) as url:
        system.url = url
        yield system
    await system.session.close()


def _server_log() -> Path | None:
    logs = sorted(SERVER_LOG.glob("postgresql-*-main.log")) if SERVER_LOG.is_dir() else []
    return logs[-1] if logs else None


async def _our_backends(name: str, seen: set[int], stop: asyncio.Event) -> None:
    """Collect the server processes of the gateways' connections while they run."""
    async with await psycopg.AsyncConnection.connect(POSTGRES, autocommit=True) as conn:
        while not stop.is_set():
            cursor = await conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (name,)
            )
            seen.update(row[0] for row in await cursor.fetchall())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.2)


async def test_two_gateways_on_one_database_never_deadlock(
    central: ReplyingCentralSystem, tmp_path: Path
) -> None:
    log = _server_log()
    log_start = log.stat().st_size if log is not None else 0
    name = f"eugw-lock-order-{os.getpid()}"
    async with postgres_url() as schema_url:
        url = f"{schema_url}&application_name={name}"
        ports = [free_port(), free_port()]
        inbound = [free_port(), free_port()]
        central.inbound = [f"https://localhost:{port}/v1/inbound" for port in reversed(inbound)]
        envs = [
            child_env(
                {
                    "EUGW_DATA_DIR": str(central.pki),
                    "EUGW_DATABASE_URL": url,
                    "EUGW_API_PORT": str(port),
                    "EUGW_INBOUND_PORT": str(inbound_port),
                    "EUGW_EURODAC_URL": central.url,
                    "EUGW_DUBLINET_PEERS": "",
                    "EUGW_LOG_FORMAT": "json",
                    "EUGW_RATE_LIMIT_PER_SECOND": "0",
                    "EUGW_AUDIT_CHECKPOINT_FILE": f"audit/checkpoints-{port}.log",
                }
            )
            for port, inbound_port in zip(ports, inbound, strict=True)
        ]
        maker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway", "tokens", "create", "--name", "evibel",
            "--role", "submitter", env=envs[0], stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        secret, _ = await asyncio.wait_for(maker.communicate(), 60)
        assert maker.returncode == 0
        headers = {"Authorization": f"Bearer {secret.decode().strip()}"}
        gateways = [await _serve(env) for env in envs]
        backends: set[int] = set()
        watching = asyncio.Event()
        watcher = asyncio.create_task(_our_backends(name, backends, watching))
        apis = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            async with aiohttp.ClientSession(headers=headers) as session:
                for api in apis:
                    await eventually(_ready(session, api), within=30, every=0.1)
                answers = await _submit_all(session, apis)
                ids = {m for answer in answers for m in answer["message_ids"]}
                assert len(ids) == COUNT
                await eventually(_all_answered(session, apis[0], answers), within=COUNT, every=0.5)
        finally:
            watching.set()
            await watcher
            logs = await _stopped(gateways)
    sent = [str(message.envelope.message_id) for message in central.received]
    assert sorted(sent) == sorted(ids)  # each sent once: no resend after an acknowledgement
    store_errors = [line for line in logs if str(line.get("code", "")).startswith("GW-STORE")]
    assert store_errors == [], store_errors[:3]
    assert backends  # the server's processes of the gateways' connections were seen
    if log is not None:
        deadlocks = _deadlocks(log, log_start, backends)
        assert deadlocks == [], deadlocks[:3]


async def _serve(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", "serve", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def _serve(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", "serve", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


def _ready(session: aiohttp.ClientSession, api: str):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        try:
            async with session.get(f"{api}/readyz") as answer:
                return answer.status == 200
        except aiohttp.ClientError:
            return False

    return check


async def _submit_all(session: aiohttp.ClientSession, apis: list[str]) -> list[dict[str, object]]:
    records = numbered_records(json.loads((SAMPLES / "applicant-2026.json").read_text()), COUNT)
    limit = asyncio.Semaphore(16)

    async def submit(number: int, body: bytes) -> dict[str, object]:
        async with (
            limit,
            session.post(
                f"{apis[number % 2]}/v1/submissions",
                data=body,
                headers={"Idempotency-Key": f"k{number}"},
            ) as answer,
        ):
            assert answer.status == 202, await answer.text()
            return await answer.json()  # type: ignore[no-any-return]

    return list(await asyncio.gather(*(submit(n, body) for n, body in enumerate(records))))


def _all_answered(session: aiohttp.ClientSession, api: str, answers: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        async with session.get(f"{api}/v1/submissions/{answers[-1]['submission_id']}") as got:
            if got.status != 200:
                return False
        states = []
        for answer in answers:
            async with session.get(f"{api}/v1/submissions/{answer['submission_id']}") as got:
                states += [m["state"] for m in (await got.json())["messages"]]
        return states == ["answered"] * COUNT

    return check


async def _stopped(gateways: list[asyncio.subprocess.Process]) -> list[dict[str, object]]:
    lines: list[dict[str, object]] = []
    for process in gateways:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        assert process.stderr is not None
        text = await asyncio.wait_for(process.stderr.read(), 60)
        await process.wait()
        lines += [json.loads(line) for line in text.splitlines() if line.startswith(b"{")]
    return lines


def _deadlocks(log: Path, start: int, backends: set[int]) -> list[str]:
    """The server's "deadlock detected" lines written since `start` by our connections."""
    with log.open("rb") as file:
        file.seek(start)
        text = file.read().decode("utf-8", errors="replace")
    return [
        line
        for line in text.splitlines()
        if "deadlock detected" in line and any(f"[{pid}]" in line for pid in backends)
    ]
