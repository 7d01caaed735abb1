"""Operators' commands on a real SQLite store: tokens and the queue."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.adapters.sqlite_store import SqliteStore
from gateway.broker.records import NewMessage
from gateway.broker.states import Event
from gateway.cli import main


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
