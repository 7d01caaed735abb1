"""Operators' tracking commands on a real SQLite store: hits, cases, the deadline digest."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.adapters.sqlite_tracking import SqliteTrackingStore
from gateway.cli import main
from gateway.domain.dublin import DublinRegime
from gateway.tracking.cases import CaseKind, CaseState, Direction
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import CaseChange, CaseOpening, StoredCase, StoredHit


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EUGW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EUGW_LOG_FORMAT", "json")
    return tmp_path


def _seed(data_dir: Path) -> datetime:
    """A pending hit and an incoming case whose reply period started 25 days ago."""
    now = datetime.now(tz=UTC)

    async def work() -> None:
        store = await SqliteTrackingStore.open(data_dir / "gateway.sqlite3")
        await store.add_hit(
            StoredHit(
                hit_id="h-1",
                inbound_message_id="i-1",
                source_message_id=None,
                submitter="evibel",
                reference="BE1000000000001",
                matched="NL1000000000002",
                received=now.date(),
                registered=now.date(),
                status=HitStatus.AWAITING_VERIFICATION,
                created_at=now,
                data=None,
            ),
            [],
        )
        started = now.date() - timedelta(days=25)
        case = StoredCase(
            case_id="c-1",
            direction=Direction.INCOMING,
            kind=CaseKind.TAKE_CHARGE,
            regime=DublinRegime.AMMR,
            other_state="NL",
            state=CaseState.REQUEST_RECEIVED,
            created_at=now,
            updated_at=now,
            reference="NL-77",
            deadline=started + timedelta(days=31),
            deadline_from=started,
            deadline_step="take-charge-reply",
            deadline_basis="Reg 2024/1351 Art 40(1)",
            deadline_effect="tacit-acceptance",
        )
        change = CaseChange(case_id="c-1", at=now, from_state=None, to_state=case.state, event=None)
        await store.add_case(CaseOpening(case=case, change=change), [])
        await store.close()

    asyncio.run(work())
    return now


def test_the_digest_lists_what_falls_due_with_its_basis(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(data_dir)
    assert main(["deadlines", "due", "--within", "40", "--format", "json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    [item] = digest["due_soon"]
    assert (item["case_id"], item["step"]) == ("c-1", "take-charge-reply")
    assert item["legal_basis"].startswith("Reg 2024/1351")
    assert item["days_left"] >= 0
    assert main(["deadlines", "due", "--within", "0"]) == 0
    table = capsys.readouterr().out
    assert "overdue: 0" in table
    assert "due soon: 0" in table
    assert main(["deadlines", "due", "--within", "-1"]) == 1
    assert "GW-DL-WITHIN" in capsys.readouterr().err


def test_hits_and_cases_are_listed_and_shown(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(data_dir)
    assert main(["hits", "list"]) == 0
    assert "h-1" in capsys.readouterr().out
    assert main(["hits", "list", "--state", "rejected"]) == 0
    assert "no rejected hits" in capsys.readouterr().out
    assert main(["cases", "list", "--open"]) == 0
    assert "request_received" in capsys.readouterr().out
    assert main(["cases", "show", "c-1"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [entry["event"] for entry in shown["history"]] == ["opened"]
    assert main(["cases", "show", "nope"]) == 1
    assert "GW-CASE-UNKNOWN" in capsys.readouterr().err


def test_the_tracking_tables_follow_a_sqlite_url_to_its_file(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = data_dir / "elsewhere"
    elsewhere.mkdir()
    _seed(elsewhere)
    monkeypatch.setenv("EUGW_DATABASE_URL", f"sqlite:///{elsewhere / 'gateway.sqlite3'}")
    assert main(["cases", "list"]) == 0
    assert "c-1" in capsys.readouterr().out
