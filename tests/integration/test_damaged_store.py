"""A damaged SQLite store, as an operator would break a machine, through real processes:
`eugw serve`, `eugw queue` and `eugw sim run` refuse a damaged, cut or emptied store file at
start with its code, within seconds; damage found while serving turns the gateway not
ready (/readyz says why), is logged, fails the requests with a code, and SIGTERM still
stops the process within its shutdown timeout. Never a hang."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from damage import garbage_pages, settle, wake_readers
from eugw_process import child_env, eugw
from polling import eventually
from stores import postgres_url
from test_gateway_flow import SAMPLES

from gateway.adapters.postgres_store import PostgresStore
from gateway.adapters.sqlite_store import SqliteStore
from gateway.bench.pipeline import numbered_records
from gateway.broker.records import InboundMessage, NewMessage
from gateway.listen_ports import free_port
from gateway.security.demo import write_demo_pki
from simulators.common.state import SimDb

REFUSED_WITHIN = 20.0  # seconds for a refusal: a check, never a hang
T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


async def _store_with_data(data: Path) -> Path:
    """The gateway's store in `data` holding 100 undelivered messages and inbound ones."""
    path = data / "gateway.sqlite3"
    store = await SqliteStore.open(path)
    try:
        await store.enqueue(
            [
                NewMessage(
                    message_id=f"00000000-0000-4000-8000-{n:012d}",
                    peer="EU:eurodac",
                    message_type="eurodac.enrolment",
                    conversation_id=f"conversation-{n}",
                    body=b"<sealed/>" * 50,
                )
                for n in range(100)
            ],
            at=T0,
        )
        for n in range(100):
            await store.receive(
                InboundMessage(
                    message_id=f"in-{n}",
                    peer="EU:eurodac",
                    message_type="eurodac.no-hit",
                    conversation_id=f"conversation-{n}",
                    correlation_id=None,
                    received_at=T0 + timedelta(minutes=5),
                    body=b"<sealed reply/>" * 50,
                ),
                effect=None,
            )
    finally:
        await store.close()
    await asyncio.to_thread(settle, path)
    return path


def _garbage_in_inbound(path: Path) -> None:
    garbage_pages(path, "inbound")


def _emptied(path: Path) -> None:
    for file in path.parent.glob(path.name + "-*"):
        file.unlink()
    path.write_bytes(b"")


def _cut(path: Path) -> None:
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)


DAMAGES: dict[str, tuple[Callable[[Path], None], str]] = {
    "garbage page in the inbound table": (_garbage_in_inbound, "GW-STORE-CORRUPT"),
    "zero-length file": (_emptied, "GW-STORE-MISSING"),
    "truncated file": (_cut, "GW-STORE-CORRUPT"),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
async def test_a_damaged_store_is_refused_at_start_by_serve_and_queue(
    tmp_path: Path, damage: str
) -> None:
    data = tmp_path / "data"
    write_demo_pki(data)
    path = await _store_with_data(data)
    harm, code = DAMAGES[damage]
    await asyncio.to_thread(harm, path)
    size = path.stat().st_size
    for command in (("serve",), ("queue",), ("audit", "verify")):
        started = time.monotonic()
        status, _, errors = await asyncio.wait_for(eugw(*command, data_dir=data), REFUSED_WITHIN)
        assert status == 2, (command, errors)
        assert errors.startswith(code), (command, errors)
        assert str(path) in errors
        assert time.monotonic() - started < REFUSED_WITHIN
    assert path.stat().st_size == size  # the damaged file is left for the operator
    status, out, _ = await eugw("store", "check", data_dir=data)
    assert status == 1
    assert "DAMAGED" in out


SHUTDOWN = 6  # EUGW_SHUTDOWN_TIMEOUT_SECONDS of the gateways below


class Serving:
    """`eugw serve` in a process of its own, its peer at `peer_port`, logging JSON."""

    def __init__(self, data: Path, peer_port: int) -> None:
        write_demo_pki(data)
        self.data = data
        port = free_port()
        self.api = f"http://127.0.0.1:{port}"
        self.env = child_env(
            {
                "EUGW_DATA_DIR": str(data),
                "EUGW_API_PORT": str(port),
                "EUGW_INBOUND_PORT": str(free_port()),
                "EUGW_EURODAC_URL": f"https://127.0.0.1:{peer_port}/eurodac",
                "EUGW_DUBLINET_PEERS": "",
                "EUGW_RETRY_BASE_SECONDS": "600",  # no retry while the test runs
                "EUGW_LOG_FORMAT": "json",
                "EUGW_SHUTDOWN_TIMEOUT_SECONDS": str(SHUTDOWN),
            }
        )
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> dict[str, str]:
        """Start it with a submitter's token; the headers that carry the token."""
        status, secret, errors = await eugw(
            "tokens", "create", "--name", "evibel", "--role", "submitter", data_dir=self.data
        )
        assert status == 0, errors
        headers = {"Authorization": f"Bearer {secret.strip()}"}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gateway", "serve", env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        async with aiohttp.ClientSession() as session:
            await eventually(_answers(session, f"{self.api}/readyz", 200), within=30, every=0.1)
        return headers

    async def submit(self, session: aiohttp.ClientSession) -> tuple[int, dict[str, object]]:
        record = numbered_records(json.loads((SAMPLES / "applicant-2026.json").read_text()), 1)
        async with session.post(
            f"{self.api}/v1/submissions", data=record[0], headers={"Idempotency-Key": "k1"}
        ) as answer:
            return answer.status, await answer.json()

    async def stop(self) -> tuple[float, list[dict[str, object]]]:
        """SIGTERM: how long it took to end, and its log lines."""
        if self.process is None:
            return 0.0, []
        self.process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        try:
            await asyncio.wait_for(self.process.wait(), SHUTDOWN + 10)
        finally:
            if self.process.returncode is None:
                self.process.kill()
                await self.process.wait()
        took = time.monotonic() - started
        assert self.process.stderr is not None
        text = await self.process.stderr.read()
        return took, [json.loads(line) for line in text.splitlines() if line]


async def test_damage_found_while_serving_turns_the_gateway_not_ready_and_sigterm_stops_it(
    tmp_path: Path,
) -> None:
    gateway = Serving(tmp_path / "data", peer_port=free_port())  # nobody there
    try:
        headers = await gateway.start()
        path = gateway.data / "gateway.sqlite3"
        await asyncio.to_thread(garbage_pages, path, "messages")
        await asyncio.to_thread(wake_readers, path)
        async with aiohttp.ClientSession(headers=headers) as session:
            status, problem = await gateway.submit(session)
            assert status == 503
            assert problem["code"] == "GW-STORE-CORRUPT", problem
            async with session.get(f"{gateway.api}/readyz") as ready:
                assert ready.status == 503
                report = await ready.json()
        assert report["status"] == "not ready"
        assert report["store"].startswith("GW-STORE-CORRUPT: "), report
        assert "malformed" in report["store"]
    finally:
        took, lines = await gateway.stop()
    assert took < SHUTDOWN + 1  # and a margin
    faults = [line for line in lines if line.get("code") == "GW-STORE-CORRUPT"]
    assert faults, lines[-5:]
    assert faults[0]["level"] == "error"


async def test_a_send_that_hangs_is_cut_short_and_sigterm_stops_the_gateway_in_time(
    tmp_path: Path,
) -> None:
    held: list[asyncio.StreamWriter] = []

    async def never_answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # accepts the connection, never says a word (not even TLS)

    peer = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    gateway = Serving(tmp_path / "data", peer_port=peer.sockets[0].getsockname()[1])
    try:
        headers = await gateway.start()
        async with aiohttp.ClientSession(headers=headers) as session:
            status, answer = await gateway.submit(session)
        assert status == 202, answer
        await eventually(lambda: bool(held), within=30)  # the send is under way, and hangs
        took, lines = await gateway.stop()
    finally:
        peer.close()
        for writer in held:
            writer.close()
    assert took < SHUTDOWN + 1
    assert any(line["event"] == "work in flight cut short at shutdown" for line in lines)


def _answers(session: aiohttp.ClientSession, url: str, status: int) -> Callable[[], object]:
    async def check() -> bool:
        try:
            async with session.get(url) as answer:
                return answer.status == status
        except aiohttp.ClientError:
            return False

    return check


async def test_the_simulators_refuse_a_damaged_state_file(tmp_path: Path) -> None:
    certs, state = tmp_path / "certs", tmp_path / "sim"
    write_demo_pki(certs)
    database = await SimDb.open(state / "simulator.sqlite3")
    await database.run(
        lambda db: db.executemany(
            "INSERT INTO received (message_id, endpoint, sender, message_type,"
            " conversation_id, received_at, due_at, state, ack, signed_xml)"
            " VALUES (?, 'eurodac', 'BE:gateway', 't', 'c', 'x', 'x', 'done', ?, ?)",
            [(f"m-{n}", b"<ack/>" * 20, b"<signed/>" * 50) for n in range(200)],
        )
    )
    await database.close()
    await asyncio.to_thread(garbage_pages, state / "simulator.sqlite3", "received")
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", "sim", "run", "--certs", str(certs),
        "--data-dir", str(state), "--eurodac-port", "0", "--dublinet-port", "0",
        "--control-port", "0", "--peers", "NL",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=child_env(),
    )  # fmt: skip
    _, errors = await asyncio.wait_for(process.communicate(), REFUSED_WITHIN)
    assert process.returncode == 2, errors
    assert errors.decode().startswith("GW-STORE-CORRUPT"), errors
    assert time.monotonic() - started < REFUSED_WITHIN


async def test_store_check_reads_a_whole_postgresql_store(tmp_path: Path) -> None:
    async with postgres_url() as url:
        store = await PostgresStore.open(url)
        try:
            await store.enqueue([_message(1)], at=T0)
        finally:
            await store.close()
        status, out, errors = await eugw("store", "check", "--store", url, data_dir=tmp_path)
    assert status == 0, errors
    assert out.startswith("PostgreSQL: whole")
    assert "tables read through" in out


def _message(number: int) -> NewMessage:
    return NewMessage(
        message_id=f"00000000-0000-4000-8000-{number:012d}",
        peer="EU:eurodac",
        message_type="eurodac.enrolment",
        conversation_id=f"conversation-{number}",
        body=b"<sealed/>",
    )
