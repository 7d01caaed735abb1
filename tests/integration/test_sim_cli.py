"""`eugw sim run`, `faults`, `request` and `send` as a tester runs them."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import yarl
from eugw_process import child_env, eugw, run_eugw
from polling import eventually
from simkit import FakeGateway, StartSimulator

from gateway.domain.requests import ReexaminationRequest, TransferArrangement
from gateway.listen_ports import free_port
from gateway.messages import Message
from gateway.security.demo import write_demo_pki


def _wait_for_line(
    process: subprocess.Popen[str], text: str, within: float = 30
) -> tuple[list[str], threading.Thread]:
    """The process's output lines up to the first holding `text` (read on a thread, so the
    deadline holds however the pipe is buffered)."""
    assert process.stdout is not None
    stdout = process.stdout
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True)
    reader.start()
    seen: list[str] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            seen.append(lines.get(timeout=0.1))
        except queue.Empty:
            continue
        if text in seen[-1]:
            return seen, reader
    pytest.fail(f"no line with {text!r} in {seen}")


def test_run_the_simulators_and_switch_a_fault(tmp_path: Path) -> None:
    certs = tmp_path / "certs"
    write_demo_pki(certs)  # what `eugw certs init` writes
    port, control = free_port(), free_port()
    reader: threading.Thread | None = None
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "sim", "run", "--certs", str(certs),
         "--data-dir", str(tmp_path / "sim"), "--eurodac-port", str(port),
         "--dublinet-port", "0", "--control-port", str(control), "--peers", "NL,DE"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=child_env(),
    )  # fmt: skip
    try:
        lines, reader = _wait_for_line(process, "serving")
        text = "".join(lines)
        assert f"https://127.0.0.1:{port}/eurodac" in text
        # Each peer on a port of its own, and the gateway's setting that reaches them.
        [setting] = [line.split()[-1] for line in lines if "EUGW_DUBLINET_URL=" in line]
        listed = dict(
            item.split("=") for item in setting.removeprefix("EUGW_DUBLINET_URL=").split(",")
        )
        assert sorted(listed) == ["DE", "NL"]
        assert listed["DE"].endswith("/dublinet/DE")
        assert len({yarl.URL(url).port for url in listed.values()} | {port}) == 3
        assert f"DubliNet peer DE        {listed['DE']}" in text
        url = f"http://127.0.0.1:{control}"
        switched = run_eugw("sim", "faults", "set", "NL", "delay_ms=250", "ack_signature=corrupt",
                         "--control", url)  # fmt: skip
        assert switched.returncode == 0, switched.stderr
        assert json.loads(switched.stdout)["NL"]["delay_ms"] == 250
        shown = json.loads(run_eugw("sim", "faults", "show", "--control", url).stdout)
        assert shown["NL"]["ack_signature"] == "corrupt"
        bad = run_eugw("sim", "faults", "set", "NL", "explode=1", "--control", url)
        assert bad.returncode == 1
        assert bad.stderr.startswith("GW-SIM-FAULT")
        assert json.loads(run_eugw("sim", "inspect", "received", "--control", url).stdout) == []
        cleared = run_eugw("sim", "faults", "clear", "--control", url)
        assert json.loads(cleared.stdout) == {"cleared": "all"}
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        if reader is not None:
            reader.join(timeout=10)  # it has read to the end of the output
        assert process.stdout is not None
        process.stdout.close()


def test_a_peer_that_is_no_member_state_is_a_configuration_error(tmp_path: Path) -> None:
    result = run_eugw("sim", "run", "--peers", "NL,XX", "--data-dir", str(tmp_path / "sim"))
    assert result.returncode == 2
    assert result.stderr.startswith("GW-CFG-INVALID")
    assert "XX" in result.stderr


def test_missing_certificates_are_a_configuration_error(tmp_path: Path) -> None:
    result = run_eugw("sim", "run", "--certs", str(tmp_path), "--data-dir", str(tmp_path / "sim"))
    assert result.returncode == 2
    assert result.stderr.startswith("GW-SIM-CERTS")
    assert list(tmp_path.iterdir()) == []  # nothing written before the check


def test_the_shipped_scenarios_are_listed_and_a_run_needs_a_token() -> None:
    listed = run_eugw("sim", "scenario", "--list")
    assert listed.returncode == 0
    assert len(listed.stdout.splitlines()) >= 8
    assert "eurodac-2024-registered-in-nl-hit" in listed.stdout
    untokened = run_eugw("sim", "scenario", "eurodac-2024-registered-in-nl-hit")
    assert untokened.returncode == 2
    assert "token" in untokened.stderr


async def test_a_peer_makes_a_request_then_asks_again_and_arranges_the_transfer(
    start_simulator: StartSimulator, stand_in: FakeGateway, tmp_path: Path
) -> None:
    simulator = await start_simulator()
    control = ("--control", simulator.control_url)

    async def sim(command: str, *args: str, fields: object = None) -> dict[str, str]:
        """`eugw sim COMMAND ... --file FIELDS`: what the control API answered."""
        file = tmp_path / "fields.json"
        file.write_text(json.dumps(fields or {}))
        status, out, err = await eugw("sim", command, *args, "--file", str(file), *control)
        assert status == 0, err
        answer: dict[str, str] = json.loads(out)
        return answer

    request = await sim(
        "request", "--peer", "NL", "--type", "take-charge-request", "--reference", "NL-CLI-1"
    )
    assert (request["message_type"], request["national_reference"]) == (
        "dublinet.take-charge-request",
        "NL-CLI-1",
    )
    on_it = ("--peer", "NL", "--request", "NL-CLI-1")
    reasons = {"reasons": "The applicant's wife lives in Belgium."}
    asked = await sim("send", *on_it, "--type", "reexamination-request", fields=reasons)
    assert asked["conversation_id"] == request["conversation_id"]
    transfer = {"transfer_date": "2027-03-01", "mode": "escorted"}
    on_it = ("--peer", "nl", "--request", "NL-CLI-1")  # the state's code in any case
    arranged = await sim("send", *on_it, "--type", "transfer-arrangement", fields=transfer)

    def on_request() -> list[Message]:
        return stand_in.messages(correlation=uuid.UUID(request["message_id"]))

    await eventually(lambda: len(on_request()) == 2, within=20)
    by_id = {str(message.envelope.message_id): message for message in on_request()}
    reexamination = by_id[asked["message_id"]].content
    assert isinstance(reexamination, ReexaminationRequest)
    assert reexamination.reasons == "The applicant's wife lives in Belgium."
    assert reexamination.request_reference == "NL-CLI-1"
    arrangement = by_id[arranged["message_id"]].content
    assert isinstance(arrangement, TransferArrangement)
    assert (arrangement.transfer_date.isoformat(), arrangement.mode.value) == (
        "2027-03-01",
        "escorted",
    )
    assert {d.sender for d in stand_in.delivered} == {"NL:dublinet"}


async def test_a_message_on_no_request_is_refused_with_its_code(
    start_simulator: StartSimulator, tmp_path: Path
) -> None:
    simulator = await start_simulator()
    control = ("--control", simulator.control_url)
    status, _, err = await eugw(
        "sim", "send", "--peer", "FR", "--request", "FR-NEVER", "--type", "info-request", *control
    )
    assert status == 1
    assert err == "GW-SIM-CONTROL: FR made no request 'FR-NEVER' (at national_reference)\n"
    fields = tmp_path / "fields.json"
    fields.write_text(json.dumps({"national_reference": "FR-OTHER"}))
    status, _, err = await eugw(
        "sim", "send", "--peer", "FR", "--request", "FR-NEVER", "--type", "info-request",
        "--file", str(fields), *control,
    )  # fmt: skip
    assert status == 1
    assert err.startswith("GW-SIM-CONTROL: the file says national_reference 'FR-OTHER'")
    status, _, err = await eugw(
        "sim", "send", "--peer", "FR", "--request", "FR-NEVER", "--type", "reply", *control
    )
    assert status == 2
    assert "invalid choice: 'reply'" in err
    status, _, err = await eugw(
        "sim", "request", "--peer", "IT", "--type", "take-charge-request", *control
    )
    assert (status, err) == (1, "GW-SIM-CONTROL: no simulated DubliNet peer IT (at state)\n")
