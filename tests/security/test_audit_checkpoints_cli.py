"""`eugw audit` against a trail rewritten or cut short directly in the database, on SQLite
and PostgreSQL: the signed checkpoints outside the database show it, naming the first entry
that differs; a checkpoint line altered in its file is refused; xmlsec1 checks one on its own."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from audit_trails import rewritten
from psycopg import sql
from stores import POSTGRES

from gateway.app import open_store
from gateway.broker.audit import AuditEntry, AuditRecord
from gateway.cli import main
from gateway.security.demo import write_demo_pki
from gateway.settings import load_settings

CHECKPOINTS = Path("audit/checkpoints.log")


@dataclasses.dataclass
class Trail:
    """A gateway's data directory and its database, reached behind the gateway's back."""

    data_dir: Path
    kind: str
    schema: str = ""

    @property
    def checkpoints(self) -> Path:
        return self.data_dir / CHECKPOINTS

    def append(self, count: int) -> None:
        async def work() -> None:
            store = await open_store(load_settings(os.environ))
            try:
                head = await store.audit_head()
                start = head.seq if head else 0
                records = [
                    AuditRecord(
                        at=datetime.now(tz=UTC),
                        kind="token.created",
                        subject=f"t-{start + n}",
                        actor="admin",
                        detail={"n": start + n},
                    )
                    for n in range(1, count + 1)
                ]
                await store.append_audit(records)
            finally:
                await store.close()

        asyncio.run(work())

    def execute(self, statement: str, rows: list[tuple[object, ...]] | None = None) -> None:
        if self.kind == "sqlite":
            with sqlite3.connect(self.data_dir / "gateway.sqlite3") as db:
                db.executemany(statement.replace("%s", "?"), rows or [()])
            return
        options = f"-c search_path={self.schema}"
        with (
            psycopg.connect(POSTGRES, autocommit=True, options=options) as conn,
            conn.cursor() as cursor,
        ):
            cursor.executemany(statement, rows or [()])  # type: ignore[arg-type]

    def rewrite_from(self, seq: int) -> None:
        """Alter entry `seq` and recompute its hash and every later one, as someone who
        can write the database would: the hash chain holds again."""

        async def entries() -> list[AuditEntry]:
            store = await open_store(load_settings(os.environ))
            try:
                return list(await store.audit_entries(limit=100_000))
            finally:
                await store.close()

        changed = rewritten(asyncio.run(entries()), seq, actor="nobody")[seq - 1 :]
        rows = [(entry.actor, entry.prev_hash, entry.hash, entry.seq) for entry in changed]
        self.execute("UPDATE audit SET actor = %s, prev_hash = %s, hash = %s WHERE seq = %s", rows)


@pytest.fixture(params=["sqlite", "postgres"])
def trail(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Trail]:
    data_dir = tmp_path / "gateway"
    write_demo_pki(data_dir)
    monkeypatch.setenv("EUGW_DATA_DIR", str(data_dir))
    monkeypatch.setenv("EUGW_LOG_FORMAT", "json")
    if request.param == "sqlite":
        yield Trail(data_dir=data_dir, kind="sqlite")
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    monkeypatch.setenv(
        "EUGW_DATABASE_URL",
        f"postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}",
    )
    try:
        yield Trail(data_dir=data_dir, kind="postgres", schema=schema)
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    status = main(["audit", "verify", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _checkpoint(capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert main(["audit", "checkpoint"]) == 0
    return capsys.readouterr().out


def _checkpointed_trail(trail: Trail, capsys: pytest.CaptureFixture[str]) -> None:
    """25 entries, checkpoints of entries 10, 13 and 20."""
    trail.append(10)
    _checkpoint(capsys)
    trail.append(3)
    _checkpoint(capsys)
    trail.append(7)
    _checkpoint(capsys)
    trail.append(5)


def test_a_trail_and_its_checkpoints_that_agree_are_intact(
    trail: Trail, capsys: pytest.CaptureFixture[str]
) -> None:
    trail.append(4)
    status, out, _ = _verify(capsys)
    assert status == 0
    assert "nothing outside the database vouches for the trail" in out
    assert "intact" not in out
    line = _checkpoint(capsys)
    assert line.count("\n") == 1
    assert "<Sequence>4</Sequence>" in line
    assert trail.checkpoints.read_text() == line  # the same line, in the file
    assert trail.checkpoints.stat().st_mode & 0o777 == 0o600
    assert trail.checkpoints.parent.stat().st_mode & 0o777 == 0o700
    trail.append(2)
    status, out, _ = _verify(capsys)
    assert status == 0
    assert "audit trail intact: 6 entries" in out
    assert "1 signed checkpoint agrees" in out
    assert "entries 5 to 6 are vouched for by the hash chain only" in out


def test_an_entry_altered_and_rehashed_in_the_database_is_found(
    trail: Trail, capsys: pytest.CaptureFixture[str]
) -> None:
    _checkpointed_trail(trail, capsys)
    assert _verify(capsys)[0] == 0
    trail.rewrite_from(15)
    status, out, err = _verify(capsys, "--checkpoints", os.devnull)
    assert status == 0, err  # the hash chain alone holds: this is what it could not see
    assert "hash chain whole: 25 entries" in out
    status, out, err = _verify(capsys)
    assert status == 1
    assert err.startswith("GW-AUDIT-REWRITTEN: audit between entry 14 and entry 20: ")
    assert "(the checkpoint of entry 13 agrees)" in err
    assert "(at audit[14..20])" in err
    assert "GW-AUDIT-BROKEN" not in err
    assert out == ""


def test_an_edit_next_to_a_checkpoint_is_named_exactly(
    trail: Trail, capsys: pytest.CaptureFixture[str]
) -> None:
    trail.append(10)
    _checkpoint(capsys)
    trail.append(1)
    _checkpoint(capsys)
    trail.append(3)
    trail.rewrite_from(11)
    status, _, err = _verify(capsys)
    assert status == 1
    assert err.startswith(
        "GW-AUDIT-REWRITTEN: audit entry 11: it was altered and the hashes after it recomputed"
    )
    assert "(at audit[11])" in err


def test_a_tail_cut_off_in_the_database_is_found(
    trail: Trail, capsys: pytest.CaptureFixture[str]
) -> None:
    _checkpointed_trail(trail, capsys)
    trail.execute("DELETE FROM audit WHERE seq > 16")
    status, _, err = _verify(capsys)
    assert status == 1
    assert err.startswith(
        "GW-AUDIT-TRUNCATED: audit entry 17: it is missing, with every entry up to 20"
    )
    assert "the trail ends at entry 16 (its end was cut off)" in err
    assert "(at audit[17])" in err


def test_a_checkpoint_line_altered_to_fit_a_rewritten_trail_is_refused(
    trail: Trail, capsys: pytest.CaptureFixture[str]
) -> None:
    trail.append(5)
    line = _checkpoint(capsys)
    trail.rewrite_from(3)
    old = line.split("<Hash>")[1].split("</Hash>")[0]
    assert _verify(capsys)[2].startswith("GW-AUDIT-REWRITTEN: audit between entry 1 and entry 5")
    new_head = _head_hash(trail)
    trail.checkpoints.write_text(line.replace(old, new_head))
    status, _, err = _verify(capsys)
    assert status == 1
    assert err.startswith("GW-AUDIT-CHECKPOINT: checkpoint refused: GW-SIG-INVALID: ")
    assert f"(at {trail.checkpoints}:1)" in err
    assert "intact" not in err


def test_an_off_machine_copy_still_shows_the_rewrite_when_the_local_file_is_gone(
    trail: Trail, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _checkpointed_trail(trail, capsys)
    copy = tmp_path / "worm" / "checkpoints-copy.log"
    copy.parent.mkdir()
    assert main(["audit", "checkpoints", "--export", str(copy)]) == 0
    assert copy.read_bytes() == trail.checkpoints.read_bytes()
    capsys.readouterr()
    assert main(["audit", "checkpoints"]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert [row.split("\t")[0] for row in listing] == ["10", "13", "20"]
    assert all("\tdemand\tBE:gateway\t" in row for row in listing)
    trail.rewrite_from(5)
    trail.checkpoints.unlink()
    status, out, _ = _verify(capsys)
    assert status == 0
    assert "no checkpoint" in out
    status, _, err = _verify(capsys, "--checkpoints", str(copy))
    assert status == 1
    assert err.startswith("GW-AUDIT-REWRITTEN: audit between entry 1 and entry 10")


def test_a_missing_checkpoint_file_given_is_an_error(
    trail: Trail, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = _verify(capsys, "--checkpoints", str(tmp_path / "nope.log"))
    assert status == 1
    assert err.startswith("GW-IN-FILE: cannot read the file")


def _head_hash(trail: Trail) -> str:
    async def head() -> str:
        store = await open_store(load_settings(os.environ))
        try:
            entry = await store.audit_head()
            assert entry is not None
            return entry.hash
        finally:
            await store.close()

    return asyncio.run(head())


def test_xmlsec1_verifies_a_checkpoint_on_its_own(
    trail: Trail, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    xmlsec1 = shutil.which("xmlsec1")
    assert xmlsec1, "xmlsec1 is not installed: run `make system-deps`"
    trail.append(3)
    line = _checkpoint(capsys)
    document, ca = tmp_path / "checkpoint.xml", trail.data_dir / "trust" / "BE" / "ca.cert.pem"
    document.write_text(line)
    checked = subprocess.run(
        [xmlsec1, "--verify", "--trusted-pem", str(ca), str(document)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert checked.stderr.startswith("OK")
    document.write_text(line.replace("<Sequence>3<", "<Sequence>4<"))
    refused = subprocess.run(
        [xmlsec1, "--verify", "--trusted-pem", str(ca), str(document)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode != 0
