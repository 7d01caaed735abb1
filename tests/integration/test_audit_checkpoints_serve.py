"""`eugw serve` writes audit checkpoints as the trail grows and once more when it stops; two
gateways on one PostgreSQL database each write their own file, checked together."""

from __future__ import annotations

import asyncio
import shutil
import signal
import sys
from pathlib import Path

import aiohttp
from eugw_process import child_env
from polling import eventually
from stores import postgres_url

from gateway.listen_ports import free_port
from gateway.security.demo import write_demo_pki

CHECKPOINTS = Path("audit/checkpoints.log")


def _environment(data_dir: Path, database_url: str = "") -> dict[str, str]:
    variables = {
        "EUGW_DATA_DIR": str(data_dir),
        "EUGW_LOG_FORMAT": "json",
        "EUGW_DUBLINET_PEERS": "",
        "EUGW_AUDIT_CHECKPOINT_ENTRIES": "2",
        "EUGW_AUDIT_CHECKPOINT_SECONDS": "0",  # by count only: what the test counts on
    }
    if database_url:
        variables["EUGW_DATABASE_URL"] = database_url
    return child_env(variables)


async def _eugw(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _entry(env: dict[str, str], name: str) -> None:
    """One more entry of the trail (a token made)."""
    status, _, err = await _eugw(env, "tokens", "create", "--name", name, "--role", "submitter")
    assert status == 0, err


async def _serve(env: dict[str, str]) -> asyncio.subprocess.Process:
    api_port = free_port()
    served = {**env, "EUGW_API_PORT": str(api_port), "EUGW_INBOUND_PORT": str(free_port())}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", "serve", env=served,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip

    async def ready() -> bool:
        url = f"http://127.0.0.1:{api_port}/readyz"
        try:
            async with aiohttp.ClientSession() as session, session.get(url) as answer:
                return answer.status == 200
        except aiohttp.ClientError:
            return False

    await eventually(ready, within=30, every=0.1)
    return process


async def _stop(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(process.wait(), 60)


def _lines(data_dir: Path) -> list[str]:
    file = data_dir / CHECKPOINTS
    return file.read_text().splitlines() if file.exists() else []


def _occasions(data_dir: Path) -> list[tuple[int, str]]:
    return [
        (int(line.split("<Sequence>")[1].split("<")[0]), line.split("<Occasion>")[1].split("<")[0])
        for line in _lines(data_dir)
    ]


async def test_serve_checkpoints_every_n_entries_and_on_shutdown(tmp_path: Path) -> None:
    data_dir = tmp_path / "gateway"
    write_demo_pki(data_dir)
    env = _environment(data_dir)
    await _entry(env, "first")
    process = await _serve(env)
    try:
        assert _lines(data_dir) == []  # one entry: not yet two since the last checkpoint
        await _entry(env, "second")
        await eventually(lambda: bool(_lines(data_dir)), within=30, every=0.05)
        await _entry(env, "third")
    finally:
        assert await _stop(process) == 0
    assert _occasions(data_dir) == [(2, "entries"), (3, "shutdown")]
    status, out, err = await _eugw(env, "audit", "verify")
    assert status == 0, err
    assert "audit trail intact: 3 entries" in out
    assert "the last vouches for entry 3" in out


async def test_two_gateways_on_one_postgresql_checkpoint_the_shared_trail(
    tmp_path: Path,
) -> None:
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    write_demo_pki(first_dir)
    shutil.copytree(first_dir, second_dir)  # one gateway: the same keys and trust store
    async with postgres_url() as url:
        first_env, second_env = _environment(first_dir, url), _environment(second_dir, url)
        await _entry(first_env, "before")
        first, second = await _serve(first_env), await _serve(second_env)
        try:
            await _entry(first_env, "a")
            await _entry(second_env, "b")
            await eventually(
                lambda: bool(_lines(first_dir)) and bool(_lines(second_dir)), within=30
            )
        finally:
            assert await _stop(first) == 0
            assert await _stop(second) == 0
        both = [
            "--checkpoints", str(first_dir / CHECKPOINTS),
            "--checkpoints", str(second_dir / CHECKPOINTS),
        ]  # fmt: skip
        status, out, err = await _eugw(first_env, "audit", "verify", *both)
        assert status == 0, err
        assert "audit trail intact: 3 entries" in out
        for data_dir in (first_dir, second_dir):
            assert max(seq for seq, _ in _occasions(data_dir)) == 3
        status, _, err = await _eugw(
            first_env, "audit", "verify", "--checkpoints", str(first_dir / CHECKPOINTS)
        )
        assert status == 0, err
