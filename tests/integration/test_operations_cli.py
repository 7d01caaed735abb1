"""Operators' commands on a real SQLite store: tokens and the queue."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.adapters.sqlite_store import SqliteStore
from gateway.broker.records import NewMessage
from gateway.broker.states import Event
from gateway.cli import main
from gateway.security.demo import write_demo_pki


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EUGW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EUGW_LOG_FORMAT", "json")
    return tmp_path


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
