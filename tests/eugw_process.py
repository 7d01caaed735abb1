"""`eugw` in a process of its own, awaited, while the test's event loop keeps serving (the
gateway or the simulator the command talks to)."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from pathlib import Path


def _moves_the_clock(name: str) -> bool:
    # libfaketime, as tests/on_later_dates.sh uses it to run the suite on later dates.
    return name == "LD_PRELOAD" or name.startswith("FAKETIME")


def child_env(variables: Mapping[str, str] | None = None) -> dict[str, str]:
    """A bare environment for a command a test starts: PATH, `variables`, and what moves the
    clock, so the child lives on the same date as the test (none of the user's EUGW_*)."""
    clock = {name: value for name, value in os.environ.items() if _moves_the_clock(name)}
    return {"PATH": "/usr/bin:/bin", **clock, **(variables or {})}


async def eugw(*args: str, data_dir: Path | None = None) -> tuple[int, str, str]:
    """Run `eugw ARGS` (with `EUGW_DATA_DIR` when given): its exit status, output, errors."""
    env = child_env({"EUGW_DATA_DIR": str(data_dir)} if data_dir else None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
