"""A damaged or lost SQLite store is never silent: refused at open with its code, or, when
the damage is found at work, every unit of the group fails with a code, the database's
thread goes on, and the fault stays until it is over."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from damage import garbage_pages, settle, wake_readers

from gateway.adapters.sqlite_db import SqliteDatabase
from gateway.adapters.sqlite_files import marker_path
from gateway.errors import ConfigError, TransportError

ROWS = 2000  # several pages of rows, more than one leaf to damage


async def _filled(path: Path) -> SqliteDatabase:
    database = await SqliteDatabase.open(path, thread_name="test-db", migrate=_schema)

    def fill(db: sqlite3.Connection) -> None:
        db.executemany(
            "INSERT INTO item (name, note) VALUES (?, ?)",
            [(f"item-{n}", "x" * 100) for n in range(ROWS)],
        )

    await database.run(fill)
    return database


def _schema(db: sqlite3.Connection) -> None:
    db.executescript(
        "CREATE TABLE IF NOT EXISTS item (name TEXT PRIMARY KEY, note TEXT);"
        "CREATE TABLE IF NOT EXISTS parent (id INTEGER PRIMARY KEY);"
        "CREATE TABLE IF NOT EXISTS child (parent INTEGER REFERENCES parent (id)"
        " DEFERRABLE INITIALLY DEFERRED);"
    )


def _count(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT count(*), sum(length(note)) FROM item").fetchone()[0])


async def test_an_error_at_commit_fails_the_group_and_the_thread_goes_on(tmp_path: Path) -> None:
    database = await _filled(tmp_path / "store.sqlite3")
    try:
        # A deferred foreign key is checked at COMMIT: SQLite refuses the commit itself.
        orphan = asyncio.ensure_future(
            database.run(lambda db: db.execute("INSERT INTO child VALUES (7)"))
        )
        neighbour = asyncio.ensure_future(
            database.run(lambda db: db.execute("INSERT INTO item VALUES ('lost', '')"))
        )
        outcomes = await asyncio.gather(orphan, neighbour, return_exceptions=True)
        assert [type(outcome) for outcome in outcomes] == [TransportError, TransportError]
        assert {getattr(outcome, "code", None) for outcome in outcomes} == {"GW-STORE-FAILED"}
        assert "FOREIGN KEY" in str(outcomes[0])
        fault = database.fault
        assert fault is not None
        assert fault.code == "GW-STORE-FAILED"
        assert await asyncio.wait_for(database.run(_count), 5) == ROWS  # nothing of it held
        assert database.fault is not None  # a read says nothing of writes
        await database.check()  # readiness tries a write: it goes through, the fault is over
        assert database.fault is None
    finally:
        await database.close()


async def test_damage_found_at_work_fails_the_unit_and_every_later_one(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    database = await _filled(path)
    try:
        await asyncio.to_thread(garbage_pages, path, "item")
        await asyncio.to_thread(wake_readers, path)
        with pytest.raises(TransportError) as found:
            await asyncio.wait_for(database.run(_count), 5)
        assert found.value.code == "GW-STORE-CORRUPT"
        assert "malformed" in found.value.message
        ran: list[str] = []
        with pytest.raises(TransportError) as later:  # refused at once, not tried on the file
            await asyncio.wait_for(database.run(lambda db: ran.append("ran")), 5)
        assert later.value.code == "GW-STORE-CORRUPT"
        assert ran == []
        with pytest.raises(TransportError):
            await database.check()
    finally:
        await database.close()


async def test_a_damaged_page_is_refused_at_open(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    await (await _filled(path)).close()
    await asyncio.to_thread(garbage_pages, path, "item")
    with pytest.raises(ConfigError) as refused:
        await asyncio.wait_for(SqliteDatabase.open(path, migrate=_schema), 10)
    assert refused.value.code == "GW-STORE-CORRUPT"
    assert str(path) in refused.value.message


@pytest.mark.parametrize("size", [0, 50, 3 * 4096])
async def test_a_cut_file_is_refused_at_open(tmp_path: Path, size: int) -> None:
    path = tmp_path / "store.sqlite3"
    await (await _filled(path)).close()
    await asyncio.to_thread(settle, path)
    with path.open("r+b") as file:
        file.truncate(size)
    with pytest.raises(ConfigError) as refused:
        await asyncio.wait_for(SqliteDatabase.open(path, migrate=_schema), 10)
    expected = "GW-STORE-MISSING" if size == 0 else "GW-STORE-CORRUPT"
    assert refused.value.code == expected
    assert path.stat().st_size == size  # nothing was made again in its place


async def test_a_lost_store_file_is_refused_and_the_marker_names_the_store(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.sqlite3"
    await (await _filled(path)).close()
    marker = json.loads(marker_path(path).read_text())
    _lose(path)
    with pytest.raises(ConfigError) as refused:
        await SqliteDatabase.open(path, migrate=_schema)
    assert refused.value.code == "GW-STORE-MISSING"
    assert marker["store_id"] in refused.value.message
    assert not path.exists()
    marker_path(path).unlink()  # the operator's choice: an empty store
    fresh = await SqliteDatabase.open(path, migrate=_schema)
    try:
        assert await fresh.run(_count) == 0
    finally:
        await fresh.close()
    assert json.loads(marker_path(path).read_text())["store_id"] != marker["store_id"]


def _lose(path: Path) -> None:
    """Remove the store file and its -wal and -shm files, as a careless hand would."""
    for file in path.parent.glob(path.name + "*"):
        if file != marker_path(path):
            file.unlink()


async def test_another_stores_file_in_its_place_is_refused(tmp_path: Path) -> None:
    ours, theirs = tmp_path / "ours" / "store.sqlite3", tmp_path / "theirs" / "store.sqlite3"
    for path in (ours, theirs):
        await (await SqliteDatabase.open(path, migrate=_schema)).close()
    await asyncio.to_thread(settle, theirs)
    ours.unlink()
    ours.write_bytes(theirs.read_bytes())
    with pytest.raises(ConfigError) as refused:
        await SqliteDatabase.open(ours, migrate=_schema)
    assert refused.value.code == "GW-STORE-MISSING"


async def test_a_store_made_before_markers_gets_its_marker(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    with sqlite3.connect(path) as db:
        _schema(db)
        db.execute("INSERT INTO item VALUES ('kept', '')")
    assert not marker_path(path).exists()
    database = await SqliteDatabase.open(path, migrate=_schema)
    try:
        assert await database.run(_count) == 1
    finally:
        await database.close()
    assert marker_path(path).stat().st_mode & 0o777 == 0o600
    again = await SqliteDatabase.open(path, migrate=_schema)  # the marker and the id agree
    await again.close()
