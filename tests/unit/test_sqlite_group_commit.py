"""Group commit in SqliteDatabase: units waiting together share one transaction, each
unit is all or nothing, and nobody hears of success before the commit."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest

from gateway.adapters.sqlite_db import SqliteDatabase
from gateway.errors import InputError, TransportError


@pytest.fixture
async def database(tmp_path: Path) -> SqliteDatabase:
    database = await SqliteDatabase.open(tmp_path / "group.sqlite3", thread_name="test-db")
    await database.run(lambda db: db.execute("CREATE TABLE item (name TEXT PRIMARY KEY)"))
    yield database
    await database.close()


def _insert(name: str):
    def work(db: sqlite3.Connection) -> str:
        db.execute("INSERT INTO item (name) VALUES (?)", (name,))
        return name

    return work


async def _names(database: SqliteDatabase) -> set[str]:
    rows = await database.run(lambda db: db.execute("SELECT name FROM item").fetchall())
    return {row[0] for row in rows}


async def _behind_a_held_unit(database: SqliteDatabase, *works):
    """Run `works` queued behind a unit that holds the database's thread, so that they
    are waiting together when it comes round; their outcomes (results or exceptions)."""
    held, release = threading.Event(), threading.Event()

    def hold(db: sqlite3.Connection) -> None:
        held.set()
        release.wait(10)

    first = asyncio.ensure_future(database.run(hold))
    await asyncio.get_running_loop().run_in_executor(None, held.wait, 10)
    waiting = [asyncio.ensure_future(database.run(work)) for work in works]
    await asyncio.sleep(0)
    release.set()
    await first
    return await asyncio.gather(*waiting, return_exceptions=True)


async def test_units_waiting_together_are_committed_by_one_commit(
    database: SqliteDatabase,
) -> None:
    statements: list[str] = []
    await database.run(lambda db: db.set_trace_callback(statements.append))
    names = [f"item-{number}" for number in range(20)]

    outcomes = await _behind_a_held_unit(database, *(_insert(name) for name in names))

    assert outcomes == names
    assert await _names(database) == set(names)
    transactions = "\n".join(statements).split("COMMIT")
    [together] = [text for text in transactions if "INSERT" in text]
    assert together.count("INSERT") == len(names)


async def test_a_unit_that_refuses_is_undone_alone(database: SqliteDatabase) -> None:
    def refuse(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO item (name) VALUES ('refused')")
        raise InputError("GW-IN-JSON", "refused on purpose")

    outcomes = await _behind_a_held_unit(database, _insert("before"), refuse, _insert("after"))

    assert outcomes[0] == "before"
    assert isinstance(outcomes[1], InputError)
    assert outcomes[2] == "after"
    assert await _names(database) == {"before", "after"}


async def test_a_database_failure_fails_every_unit_of_its_group(
    database: SqliteDatabase,
) -> None:
    def fail(db: sqlite3.Connection) -> None:
        db.execute("INSERT INTO no_such_table VALUES (1)")

    outcomes = await _behind_a_held_unit(database, _insert("lost"), fail, _insert("also lost"))

    assert all(isinstance(outcome, TransportError) for outcome in outcomes)
    assert {outcome.code for outcome in outcomes} == {"GW-STORE-UNAVAILABLE"}
    assert await _names(database) == set()
    assert await database.run(lambda db: db.in_transaction)  # the next group works


async def test_a_caller_that_stops_waiting_does_not_stop_the_unit(
    database: SqliteDatabase,
) -> None:
    held, release = threading.Event(), threading.Event()
    first = asyncio.ensure_future(database.run(lambda db: (held.set(), release.wait(10))))
    await asyncio.get_running_loop().run_in_executor(None, held.wait, 10)
    abandoned = asyncio.ensure_future(database.run(_insert("kept")))
    await asyncio.sleep(0)
    abandoned.cancel()
    release.set()
    await first

    assert await _names(database) == {"kept"}


async def test_one_file_is_one_database_in_a_process_until_its_last_user_closes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shared.sqlite3"
    first = await SqliteDatabase.open(path, thread_name="store")
    second = await SqliteDatabase.open(tmp_path / "." / "shared.sqlite3", thread_name="tracking")
    assert second is first  # one connection: no turns at the write lock between two
    await first.close()
    assert await second.run(lambda db: db.execute("SELECT 1").fetchone()[0]) == 1
    await second.close()
    third = await SqliteDatabase.open(path)
    assert third is not first  # the last close closed it; a new open opens anew
    await third.close()
