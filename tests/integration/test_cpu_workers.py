"""CPU work on worker processes: the same results as on threads, errors that keep their
code, and a worker that dies costs one retryable failure, not the pool."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from polling import eventually

from gateway.app import cpu_tools
from gateway.errors import GatewayError
from gateway.listen_ports import free_port
from gateway.pipeline.cpu_processes import ProcessWork
from gateway.pipeline.cpu_work import CpuTools
from gateway.pipeline.inbound import verified_message
from gateway.pipeline.submissions import SubmissionRequest, prepare_submission
from gateway.security.demo import write_demo_pki
from gateway.security.identity import PeerId
from gateway.settings import Settings

SAMPLE = Path(__file__).resolve().parents[2] / "mappings/samples/canonical/applicant-2026.json"
US = PeerId(party="BE", system="gateway")


@pytest.fixture
async def workers(tmp_path: Path) -> AsyncIterator[ProcessWork[Settings]]:
    write_demo_pki(tmp_path)
    work = ProcessWork(cpu_tools, Settings(data_dir=tmp_path), processes=1)
    await work.start()
    yield work
    work.close()


def _request(body: bytes, key: str = "k-1") -> SubmissionRequest:
    return SubmissionRequest(submitter="evibel", idempotency_key=key, body=body)


async def test_a_worker_signs_what_this_process_verifies(
    workers: ProcessWork[Settings], tmp_path: Path
) -> None:
    now = datetime.now(tz=UTC)
    [message], problems = await workers.run(prepare_submission, _request(SAMPLE.read_bytes()), now)
    assert problems == []
    assert etree.fromstring(message.body).find(".//{*}Signature") is not None
    with pytest.raises(GatewayError) as refused:  # signed by us, so not a message *for* us
        verified_message(cpu_tools(Settings(data_dir=tmp_path)), message.body, US, now)
    assert refused.value.code == "GW-IN-NOT-FOR-US"


@pytest.mark.parametrize(
    "body",
    [b"<Message/>", b"<!DOCTYPE x><x/>", b"not xml"],
    ids=["no-envelope", "doctype", "not-xml"],
)
async def test_an_error_raised_in_a_worker_is_the_one_raised_here(
    workers: ProcessWork[Settings], tmp_path: Path, body: bytes
) -> None:
    now = datetime.now(tz=UTC)
    with pytest.raises(GatewayError) as here:
        verified_message(cpu_tools(Settings(data_dir=tmp_path)), body, US, now)
    with pytest.raises(GatewayError) as there:
        await workers.run(verified_message, body, US, now)
    assert type(there.value) is type(here.value)
    assert (there.value.code, there.value.message, there.value.path) == (
        here.value.code,
        here.value.message,
        here.value.path,
    )


async def test_problems_found_in_a_worker_come_back_as_problems(
    workers: ProcessWork[Settings],
) -> None:
    _, problems = await workers.run(
        prepare_submission, _request(b"{not json"), datetime.now(tz=UTC)
    )
    assert [problem.code for problem in problems] == ["GW-IN-JSON"]


def _slow(_: CpuTools, started: Path, seconds: float) -> float:
    """A task that says when it began, then takes its time (run in the worker)."""
    started.touch()
    time.sleep(seconds)
    return seconds


async def _begun(
    workers: ProcessWork[Settings], tmp_path: Path, seconds: float
) -> asyncio.Task[float]:
    """A `_slow` task, once a worker has begun it."""
    started = tmp_path / "started"
    task = asyncio.create_task(workers.run(_slow, started, seconds))
    await eventually(started.exists, within=10, every=0.05)
    return task


def _echo(_: CpuTools, value: int) -> int:
    return value


class _Awkward(Exception):  # noqa: N818  # pickles, but cannot be rebuilt from its args
    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} {second}")


def _awkward(_: CpuTools) -> None:
    raise _Awkward("cannot", "rebuild")


async def test_a_worker_that_dies_fails_the_work_it_held_and_another_takes_its_place(
    workers: ProcessWork[Settings], tmp_path: Path
) -> None:
    [worker] = multiprocessing.active_children()
    held = await _begun(workers, tmp_path, 30.0)
    os.kill(worker.pid or 0, signal.SIGKILL)
    with pytest.raises(GatewayError) as failed:
        await asyncio.wait_for(held, 10)
    assert failed.value.code == "GW-CPU-WORKER"
    now = datetime.now(tz=UTC)
    [message], problems = await workers.run(prepare_submission, _request(SAMPLE.read_bytes()), now)
    assert problems == []
    assert message.message_type == "eurodac.enrolment"
    assert [child.pid for child in multiprocessing.active_children()] != [worker.pid]


async def test_more_tasks_than_the_workers_hold_wait_their_turn_and_all_complete(
    workers: ProcessWork[Settings],
) -> None:
    results = await asyncio.gather(*(workers.run(_echo, number) for number in range(50)))
    assert results == list(range(50))


async def test_a_task_whose_caller_stopped_waiting_does_not_hold_up_the_rest(
    workers: ProcessWork[Settings], tmp_path: Path
) -> None:
    slow = await _begun(workers, tmp_path, 0.5)
    abandoned = [asyncio.create_task(workers.run(_echo, number)) for number in range(5)]
    await asyncio.sleep(0)
    for task in abandoned:
        task.cancel()
    assert await workers.run(_echo, 7) == 7
    assert await slow == 0.5


def _children(pid: int) -> set[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def test_the_workers_of_a_killed_gateway_do_not_live_on(tmp_path: Path) -> None:
    write_demo_pki(tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "EUGW_DATA_DIR": str(tmp_path),
        "EUGW_API_PORT": str(port),
        "EUGW_INBOUND_PORT": str(free_port()),
        "EUGW_DUBLINET_PEERS": "",
        "EUGW_CRYPTO_PROCESSES": "2",
    }
    gateway = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", "serve", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await eventually(lambda: len(_children(gateway.pid)) >= 2, within=60, every=0.2)
        workers = _children(gateway.pid)
    finally:
        gateway.kill()
        await gateway.wait()
    await eventually(lambda: not any(_alive(pid) for pid in workers), within=15, every=0.2)


async def test_an_answer_that_cannot_be_read_here_fails_its_task_alone(
    workers: ProcessWork[Settings],
) -> None:
    with pytest.raises(GatewayError) as failed:
        await workers.run(_awkward)
    assert failed.value.code == "GW-CPU-WORKER"
    assert await workers.run(_echo, 3) == 3


async def test_stopping_the_workers_fails_the_tasks_they_held(
    workers: ProcessWork[Settings], tmp_path: Path
) -> None:
    held = await _begun(workers, tmp_path, 1.0)
    workers.close()
    with pytest.raises(GatewayError) as failed:
        await asyncio.wait_for(held, 10)
    assert failed.value.code == "GW-CPU-WORKER"
    assert multiprocessing.active_children() == []
