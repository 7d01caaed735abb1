"""`eugw` in a process of its own, awaited, while the test's event loop keeps serving (the
gateway or the simulator the command talks to)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path


async def eugw(*args: str, data_dir: Path | None = None) -> tuple[int, str, str]:
    """Run `eugw ARGS` (with `EUGW_DATA_DIR` when given): its exit status, output, errors."""
    env = {"PATH": "/usr/bin:/bin"} | ({"EUGW_DATA_DIR": str(data_dir)} if data_dir else {})
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway", *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()
