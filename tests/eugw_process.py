"""`eugw` in a process of its own: run to its end (`run_eugw`), or awaited while the test's
event loop keeps serving the gateway or the simulator the command talks to (`eugw`)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def _moves_the_clock(name: str) -> bool:
    # libfaketime, as tests/on_later_dates.sh uses it to run the suite on later dates.
    return name == "LD_PRELOAD" or name.startswith("FAKETIME")


def child_env(variables: Mapping[str, str] | None = None) -> dict[str, str]:
    """A bare environment for a command a test starts: PATH, `variables`, and what moves the
    clock, so the child lives on the same date as the test (none of the user's EUGW_*)."""
    clock = {name: value for name, value in os.environ.items() if _moves_the_clock(name)}
    return {"PATH": "/usr/bin:/bin", **clock, **(variables or {})}


def run_eugw(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """`eugw ARGS` as a user runs it, with only `env` of the EUGW_* variables (child_env),
    to its end: its exit status and text output; it fails the test after `timeout` seconds."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args],
        input=stdin,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=child_env(env),
    )


async def eugw(
    *args: str, data_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[int, str, str]:
    """Run `eugw ARGS` (with `EUGW_DATA_DIR` when given, and `env`): its exit status, output,
    errors."""
    env = child_env({**({"EUGW_DATA_DIR": str(data_dir)} if data_dir else {}), **(env or {})})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def create_token(env: Mapping[str, str], name: str, role: str) -> str:
    """A new API token from `eugw tokens create` (which must succeed) in `env`."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", "tokens", "create", "--name", name, "--role", role],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


@contextmanager
def served(
    env: Mapping[str, str], data: Path, pattern: str = r"API on (http://\S+),"
) -> Iterator[tuple[subprocess.Popen[bytes], re.Match[str]]]:
    """`eugw serve` in `env`, its output in `data`/serve.out and its log in `data`/serve.log,
    once it printed where it listens (`pattern`): the process and that match. It is
    terminated afterwards; one that stops or stays silent for 30 s fails the test."""
    said, log = data / "serve.out", data / "serve.log"
    with said.open("w") as out, log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve"], env=env, stdout=out, stderr=errors
        )
    try:
        deadline = time.monotonic() + 30
        while not (found := re.search(pattern, said.read_text())):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the gateway did not start in 30 s"
            time.sleep(0.1)  # polling a process we do not control, with a deadline
        yield process, found
    finally:
        process.terminate()
        process.wait(timeout=30)
