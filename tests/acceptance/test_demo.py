"""A new user's first command: the demo sets everything up and plays every shipped
scenario through the real gateway, simulators, sockets, TLS and signatures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from eugw_process import child_env


def test_the_demo_runs_every_scenario_and_passes(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "demo", "--once", "--api-port", "0",
         "--persons", "5", "--data-dir", str(tmp_path / "demo")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "all scenarios passed" in result.stdout
    assert result.stdout.count("Scenario:") >= 8
    assert "FAIL" not in result.stdout
    assert (tmp_path / "demo" / "samples" / "manifest.json").exists()
    assert (tmp_path / "demo" / "demo-token.txt").read_text().startswith("eugw_")
    audit = subprocess.run(
        [sys.executable, "-m", "gateway", "audit", "verify"],
        capture_output=True, text=True, timeout=60, check=False,
        env=child_env({"EUGW_DATA_DIR": str(tmp_path / "demo")}),
    )  # fmt: skip
    assert audit.returncode == 0, audit.stderr
    assert "audit trail intact" in audit.stdout
