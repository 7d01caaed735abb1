"""A gateway process killed (SIGKILL) in the middle of delivering loses nothing, and a
restart delivers the rest; the Central System sees each message id it acknowledged once
in effect (a resend after the crash carries the same id, and receivers de-duplicate)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from eugw_process import create_token
from polling import eventually
from stores import postgres_url
from test_gateway_flow import SAMPLES, CentralSystem
from web_rig import eurodac_site

from gateway.bench.pipeline import numbered_records
from gateway.listen_ports import free_port
from gateway.security.demo import write_demo_pki

# 24 in CI; the 1,000 with CRASH_TEST_MESSAGES=1000 (a few minutes).
COUNT = int(os.environ.get("CRASH_TEST_MESSAGES", "24"))
PATIENCE = max(90.0, COUNT * 0.5)  # seconds to wait for the whole set to be acknowledged


class SlowCentralSystem(CentralSystem):
    """Acknowledges after a short pause, so that a crash falls in the middle of the work."""

    async def handle(self, request: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return await super().handle(request)


@pytest.fixture
async def central(tmp_path: Path) -> AsyncIterator[SlowCentralSystem]:
    data = tmp_path / "data"
    write_demo_pki(data)
    system = SlowCentralSystem(pki=data)
    async with eurodac_site(system.handle, data) as url:
        system.url = url
        yield system


def _environment(data: Path, central_url: str, api_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "EUGW_DATA_DIR": str(data),
        "EUGW_API_PORT": str(api_port),
        "EUGW_INBOUND_PORT": str(free_port()),
        "EUGW_EURODAC_URL": central_url,
        "EUGW_DUBLINET_PEERS": "",
        "EUGW_LEASE_SECONDS": "2",
        "EUGW_RETRY_BASE_SECONDS": "1",
        "EUGW_LOG_FORMAT": "json",
    }


async def _start(env: dict[str, str], api: str) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", "serve", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip

    async def ready() -> bool:
        try:
            async with aiohttp.ClientSession() as session, session.get(f"{api}/readyz") as answer:
                return answer.status == 200
        except aiohttp.ClientError:
            return False

    await eventually(ready, within=30, every=0.1)
    return process


def _records() -> list[bytes]:
    return numbered_records(json.loads((SAMPLES / "applicant-2026.json").read_text()), COUNT)


async def _submit_all(api: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Submit every record (key k<number>); the gateway's answers."""
    answers = []
    async with aiohttp.ClientSession(headers=headers) as session:
        for number, body in enumerate(_records()):
            async with session.post(
                f"{api}/v1/submissions", data=body, headers={"Idempotency-Key": f"k{number}"}
            ) as answer:
                assert answer.status == 202, await answer.text()
                answers.append(await answer.json())
    return answers


def _all_acknowledged(
    api: str, headers: dict[str, str], answers: list[dict[str, Any]]
) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        states = []
        async with aiohttp.ClientSession(headers=headers) as session:
            for answer in answers:
                async with session.get(f"{api}/v1/submissions/{answer['submission_id']}") as got:
                    if got.status != 200:
                        return False  # the store is still coming back
                    states += [m["state"] for m in (await got.json())["messages"]]
        return states == ["acknowledged"] * COUNT

    return check


def _delivered_exactly(central: CentralSystem, answers: list[dict[str, Any]]) -> None:
    submitted = {message_id for answer in answers for message_id in answer["message_ids"]}
    assert {str(message.envelope.message_id) for message in central.received} == submitted


def _token(env: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(env, 'evibel', 'submitter')}"}


async def _stop(*processes: asyncio.subprocess.Process) -> None:
    for process in processes:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()


async def test_a_killed_gateway_loses_nothing_and_resumes(central: SlowCentralSystem) -> None:
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    env = _environment(central.pki, central.url, port)
    headers = _token(env)
    process = await _start(env, api)
    try:
        answers = await _submit_all(api, headers)
        await eventually(lambda: len(central.received) >= COUNT // 3, within=PATIENCE)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    assert len({str(m.envelope.message_id) for m in central.received}) < COUNT

    restarted = await _start(env, api)
    try:
        # A national system that never saw its answer sends again: same answer, no new message.
        async with (
            aiohttp.ClientSession(headers=headers) as session,
            session.post(
                f"{api}/v1/submissions", data=_records()[0], headers={"Idempotency-Key": "k0"}
            ) as again,
        ):
            assert await again.json() == answers[0]
        await eventually(_all_acknowledged(api, headers, answers), within=PATIENCE, every=0.5)
    finally:
        await _stop(restarted)
    assert restarted.returncode == 0
    _delivered_exactly(central, answers)


async def test_two_gateways_share_one_postgresql_and_take_over_from_a_killed_one(
    central: SlowCentralSystem,
) -> None:
    async with postgres_url() as url:
        first_port, second_port = free_port(), free_port()
        first_env = {**_environment(central.pki, central.url, first_port), "EUGW_DATABASE_URL": url}
        second_env = {
            **_environment(central.pki, central.url, second_port),
            "EUGW_DATABASE_URL": url,
        }
        headers = _token(first_env)
        first_api, second_api = f"http://127.0.0.1:{first_port}", f"http://127.0.0.1:{second_port}"
        first = await _start(first_env, first_api)
        second = await _start(second_env, second_api)
        try:
            answers = await _submit_all(first_api, headers)
            await eventually(lambda: len(central.received) >= COUNT // 3, within=PATIENCE)
            first.send_signal(signal.SIGKILL)
            await first.wait()
            await eventually(
                _all_acknowledged(second_api, headers, answers), within=PATIENCE, every=0.5
            )
        finally:
            await _stop(first, second)
    _delivered_exactly(central, answers)


def _restart_postgresql() -> None:
    """Restart the machine's PostgreSQL cluster (every connection is cut)."""
    version = sorted(path.name for path in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip


@pytest.mark.restarts_postgresql
async def test_the_gateway_waits_for_a_restarted_postgresql_and_loses_nothing(
    central: SlowCentralSystem,
) -> None:
    async with postgres_url() as url:
        port = free_port()
        api = f"http://127.0.0.1:{port}"
        env = {**_environment(central.pki, central.url, port), "EUGW_DATABASE_URL": url}
        headers = _token(env)
        gateway = await _start(env, api)
        try:
            answers = await _submit_all(api, headers)
            await eventually(lambda: len(central.received) >= COUNT // 4, within=PATIENCE)
            await asyncio.to_thread(_restart_postgresql)
            await eventually(
                _all_acknowledged(api, headers, answers), within=PATIENCE + 30, every=0.5
            )
            assert gateway.returncode is None  # it waited; it did not die
        finally:
            await _stop(gateway)
    _delivered_exactly(central, answers)
