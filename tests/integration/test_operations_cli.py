"""Operators' commands on a real SQLite store: tokens and the queue."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eugw_process import child_env, run_eugw

from gateway.adapters.sqlite_store import SqliteStore
from gateway.broker.records import NewMessage
from gateway.broker.states import Event
from gateway.cli import main
from gateway.security.demo import write_demo_pki


def _queue_one_dead(data_dir: Path) -> str:
    async def work() -> None:
        store = await SqliteStore.open(data_dir / "gateway.sqlite3")
        now = datetime.now(tz=UTC)
        message = NewMessage(
            message_id="m-1",
            peer="EU:eurodac",
            message_type="eurodac.enrolment",
            conversation_id="c-1",
            body=b"sealed",
        )
        await store.enqueue([message], at=now)
        await store.claim(worker="w", now=now, lease=timedelta(seconds=5), limit=1)
        await store.record("m-1", Event.GIVE_UP, at=now, worker="w", detail="GW-RMT-REFUSED: no")
        await store.close()

    asyncio.run(work())
    return "m-1"


def test_a_token_secret_is_shown_once_and_can_be_revoked(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tokens", "create", "--name", "evibel", "--role", "submitter"]) == 0
    secret = capsys.readouterr().out.strip()
    assert secret.startswith("eugw_")
    assert main(["tokens", "list"]) == 0
    listing = capsys.readouterr().out
    assert "evibel" in listing
    assert secret not in listing
    token_id = listing.split()[0]
    assert main(["tokens", "revoke", token_id]) == 0
    assert main(["tokens", "list"]) == 0
    assert "revoked" in capsys.readouterr().out
    assert main(["tokens", "revoke", "nope"]) == 1
    assert "GW-IN-NO-TOKEN" in capsys.readouterr().err


def test_an_operator_sees_a_dead_letter_and_releases_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    message_id = _queue_one_dead(data_dir)
    assert main(["queue"]) == 0
    assert "dead" in capsys.readouterr().out
    assert main(["queue", "list", "--state", "dead"]) == 0
    assert "GW-RMT-REFUSED" in capsys.readouterr().out
    assert main(["queue", "release", "--all-dead"]) == 0
    assert capsys.readouterr().out.split() == [message_id, "queued"]
    assert main(["queue", "show", message_id]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["state"] == "queued"
    assert [step["event"] for step in shown["timeline"]][-2:] == ["give_up", "release"]
    assert main(["queue", "cancel", "no-such-id"]) == 1
    assert "GW-BRK-UNKNOWN" in capsys.readouterr().err


def test_audit_verify_names_a_tampered_row(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _queue_one_dead(data_dir)
    assert main(["audit", "verify"]) == 0
    assert "hash chain whole: 7 entries" in capsys.readouterr().out  # 5 to queue, claim, give up
    assert main(["audit", "export", "--out", str(data_dir / "audit.jsonl")]) == 0
    lines = (data_dir / "audit.jsonl").read_text().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == list(range(1, 8))
    with sqlite3.connect(data_dir / "gateway.sqlite3") as db:
        db.execute("UPDATE audit SET actor = 'someone else' WHERE seq = 5")
    assert main(["audit", "verify"]) == 1
    assert "GW-AUDIT-BROKEN: audit entry 5: its content was altered" in capsys.readouterr().err


def test_serve_on_a_taken_port_says_so_and_exits_2(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_demo_pki(data_dir)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setenv("EUGW_API_PORT", str(taken.getsockname()[1]))
        monkeypatch.setenv("EUGW_INBOUND_PORT", "0")
        assert main(["serve"]) == 2
    error = capsys.readouterr().err
    assert "GW-CFG-INVALID: cannot listen on" in error
    assert "(at EUGW_API_PORT)" in error
    assert "Traceback" not in error


def _queued(data_dir: Path, count: int) -> None:
    async def work() -> None:
        store = await SqliteStore.open(data_dir / "gateway.sqlite3")
        now = datetime.now(tz=UTC)
        messages = [
            NewMessage(
                message_id=f"m-{i:05d}",
                peer="EU:eurodac",
                message_type="eurodac.enrolment",
                conversation_id=f"c-{i}",
                body=b"sealed",
            )
            for i in range(count)
        ]
        await store.enqueue(messages, at=now)
        await store.close()

    asyncio.run(work())


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    """`eugw queue list | head`: no traceback, no GW-INTERNAL; the status of a Unix tool whose
    reader went away (141)."""
    _queued(tmp_path, 1500)  # far more than a pipe holds
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "queue", "list", "--limit", "100000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=child_env({"EUGW_DATA_DIR": str(tmp_path)}),
    )  # fmt: skip
    assert process.stdout is not None
    assert process.stdout.readline().startswith("m-")
    process.stdout.close()
    _, err = process.communicate(timeout=60)
    assert (process.returncode, err) == (141, "")


def test_releasing_the_dead_letters_when_there_are_none_says_so(tmp_path: Path) -> None:
    _queued(tmp_path, 1)  # queued, not dead
    result = run_eugw("queue", "release", "--all-dead", cwd=tmp_path, env={"EUGW_DATA_DIR": "."})
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "no dead letters: nothing to release\n",
        "",
    )
    nothing = run_eugw("queue", "release", cwd=tmp_path, env={"EUGW_DATA_DIR": "."})
    assert nothing.returncode == 2
    assert nothing.stderr.startswith("GW-CFG-USAGE: name at least one message id, or --all-dead")


@pytest.mark.parametrize(
    "command",
    [
        ["queue"],
        ["queue", "list", "--state", "dead"],
        ["queue", "show", "m-1"],
        ["queue", "release", "--all-dead"],
        ["tokens", "list"],
        ["audit", "verify"],
        ["hits", "list"],
    ],
)
def test_a_command_reading_a_store_that_does_not_exist_creates_none(
    tmp_path: Path, command: list[str]
) -> None:
    """Without EUGW_DATA_DIR, in a fresh clone: an error naming the path and how to point at
    the right store (exit 2), and no var/gateway.sqlite3 made in the current directory."""
    result = run_eugw(*command, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith(
        "GW-CFG-NO-STORE: no gateway store at var/gateway.sqlite3 (the data directory is var: "
        "set EUGW_DATA_DIR (or data_dir in --config) to the gateway's"
    )
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_making_a_token_is_what_creates_a_store(tmp_path: Path) -> None:
    made = run_eugw("tokens", "create", "--name", "evibel", "--role", "submitter", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "var" / "gateway.sqlite3").is_file()
    assert run_eugw("queue", cwd=tmp_path).stdout == "the outbox is empty\n"


def test_signing_without_a_key_says_where_keys_are_looked_for_and_how_to_make_one(
    tmp_path: Path,
) -> None:
    record = Path(__file__).parents[2] / "mappings/samples/canonical/applicant-2026.json"
    result = run_eugw(
        "message", "build", "--type", "eurodac.enrolment", "--record", str(record), "--sign",
        cwd=tmp_path, env={"EUGW_DATA_DIR": str(tmp_path / "data")},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"GW-PKI-NO-KEY: no signing key in {tmp_path / 'data' / 'keys' / 'signing'} "
    )
    assert "eugw certs init DIR" in result.stderr
    assert "EUGW_ACTIVE_SIGNING_KEY" not in result.stderr


def test_certs_init_writes_beside_the_demo_and_replaces_a_pki_only_when_forced(
    tmp_path: Path,
) -> None:
    """The README's next step after `make demo`: `eugw certs init var`, var holding var/demo."""
    (tmp_path / "var" / "demo").mkdir(parents=True)
    (tmp_path / "var" / "demo" / "demo-token.txt").write_text("eugw_x\n")
    first = run_eugw("certs", "init", "var", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "var" / "keys" / "signing" / "be-gateway.key.pem").is_file()
    key = (tmp_path / "var" / "keys" / "signing" / "be-gateway.key.pem").read_bytes()
    again = run_eugw("certs", "init", "var", cwd=tmp_path)
    assert again.returncode == 2
    assert again.stderr.startswith("GW-CFG-USAGE: the directory already holds a PKI (keys/")
    assert (tmp_path / "var" / "keys" / "signing" / "be-gateway.key.pem").read_bytes() == key
    forced = run_eugw("certs", "init", "var", "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "var" / "keys" / "signing" / "be-gateway.key.pem").read_bytes() != key
    assert (tmp_path / "var" / "demo" / "demo-token.txt").read_text() == "eugw_x\n"


def test_the_token_variables_have_one_name_each_and_the_old_ones_still_work(
    tmp_path: Path,
) -> None:
    """EUGW_TOKEN is not a setting (it was refused as an unknown one); EUGW_SIM_TOKEN is read
    for the control API's token, with a deprecation warning."""
    record = Path(__file__).parents[2] / "mappings/samples/canonical/applicant-2026.json"
    checked = run_eugw("check-record", str(record), cwd=tmp_path, env={"EUGW_TOKEN": "eugw_x"})
    assert checked.returncode == 0, checked.stderr
    old = run_eugw(
        "sim", "faults", "show", "--control", "http://127.0.0.1:9", cwd=tmp_path,
        env={"EUGW_SIM_TOKEN": "secret"},
    )  # fmt: skip
    assert old.returncode == 1
    first, *_ = old.stderr.splitlines()
    assert first == (
        "eugw: warning: $EUGW_SIM_TOKEN is deprecated and will stop being read: "
        "set $EUGW_SIMULATOR_CONTROL_TOKEN instead"
    )
    new = run_eugw(
        "sim", "faults", "show", "--control", "http://127.0.0.1:9", cwd=tmp_path,
        env={"EUGW_SIMULATOR_CONTROL_TOKEN": "secret"},
    )  # fmt: skip
    assert new.returncode == 1
    assert "deprecated" not in new.stderr


def test_a_database_url_naming_no_store_is_refused_with_that_variable(tmp_path: Path) -> None:
    missing = tmp_path / "elsewhere" / "gateway.sqlite3"
    result = run_eugw("queue", cwd=tmp_path, env={"EUGW_DATABASE_URL": f"sqlite://{missing}"})
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"GW-CFG-NO-STORE: no gateway store at {missing} (set EUGW_DATABASE_URL"
    )
    assert not missing.parent.exists()
