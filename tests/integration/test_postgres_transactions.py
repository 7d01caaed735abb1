"""PostgresDatabase's transactions on the real server: one PostgreSQL aborts to break a
deadlock is run again and gets through; one it aborts every time is reported by the real
name of what happened (GW-STORE-DEADLOCK, GW-STORE-SERIALIZATION), never as a server out
of reach; audit entries are chained at the end of their transaction, whatever order the
work appended them in."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from stores import POSTGRES, postgres_schema
from structlog.testing import capture_logs
from web_rig import new_message

from gateway.adapters.postgres_commit import Spoiled, Transaction
from gateway.adapters.postgres_db import RETRIES, Connection, PostgresDatabase
from gateway.adapters.postgres_store import PostgresStore
from gateway.adapters.sql_common import audit_from_row
from gateway.adapters.sql_tables import run_to_end
from gateway.broker.audit import AuditRecord, verify_chain
from gateway.errors import InputError, TransportError


@pytest.fixture
async def database() -> AsyncIterator[PostgresDatabase]:
    async with postgres_schema() as schema:
        database = await PostgresDatabase.open(POSTGRES, schema=schema)
        try:
            await database.transaction(_two_rows)
            yield database
        finally:
            await database.close()


async def _two_rows(conn: Connection) -> None:
    await conn.execute("CREATE TABLE pair (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    await conn.execute("INSERT INTO pair VALUES (1, 0), (2, 0)")


async def test_a_transaction_aborted_to_break_a_deadlock_is_run_again(
    database: PostgresDatabase,
) -> None:
    both_hold = asyncio.Barrier(2)
    attempts = {1: 0, 2: 0}

    def crossing(first: int, second: int):  # type: ignore[no-untyped-def]
        async def work(conn: Connection) -> int:
            attempts[first] += 1
            await conn.execute("UPDATE pair SET n = n + 1 WHERE id = %s", (first,))
            if attempts[first] == 1:  # the first time, each holds one row and wants the other
                await both_hold.wait()
            await conn.execute("UPDATE pair SET n = n + 1 WHERE id = %s", (second,))
            return first

        return work

    with capture_logs() as logs:
        done = await asyncio.wait_for(
            asyncio.gather(
                database.transaction(crossing(1, 2)), database.transaction(crossing(2, 1))
            ),
            30,
        )
    assert sorted(done) == [1, 2]
    assert sorted(attempts.values()) == [1, 2]  # PostgreSQL aborted one; it ran again

    async def read(conn: Connection) -> list[int]:
        cursor = await conn.execute("SELECT n FROM pair ORDER BY id")
        return [row["n"] for row in await cursor.fetchall()]

    assert await database.transaction(read) == [2, 2]  # each change once, none lost
    [retry] = [entry for entry in logs if entry.get("code") == "GW-STORE-DEADLOCK"]
    assert retry["log_level"] == "warning"


@pytest.mark.parametrize(
    ("sqlstate", "code"),
    [("40P01", "GW-STORE-DEADLOCK"), ("40001", "GW-STORE-SERIALIZATION")],
)
async def test_an_abort_that_never_ends_is_reported_by_its_name(
    database: PostgresDatabase, sqlstate: str, code: str
) -> None:
    runs = 0

    async def aborted(conn: Connection) -> None:
        nonlocal runs
        runs += 1
        await conn.execute(
            f"DO $$ BEGIN RAISE EXCEPTION 'aborted' USING ERRCODE = '{sqlstate}'; END $$"  # type: ignore[arg-type]
        )

    with pytest.raises(TransportError) as raised:
        await database.transaction(aborted)
    assert raised.value.code == code
    assert "not reachable" not in raised.value.message
    assert runs == RETRIES + 1


def _record(kind: str) -> AuditRecord:
    return AuditRecord(at=datetime.now(tz=UTC), kind=kind, subject="s", actor="test", detail={})


async def test_audit_entries_are_chained_at_the_end_of_their_transaction(
    database: PostgresDatabase,
) -> None:
    def work(transaction: Transaction) -> None:  # a unit of the group commit
        transaction.records.append(_record("test.first"))
        run_to_end(transaction.session.run("UPDATE pair SET n = 7 WHERE id = 1"))
        transaction.records.append(_record("test.second"))
        [row] = run_to_end(transaction.session.rows("SELECT count(*) AS n FROM audit"))
        assert row["n"] == 0  # nothing chained yet: the chain's lock is taken last

    await database.unit(work)

    async def trail(conn: Connection) -> list[object]:
        cursor = await conn.execute("SELECT * FROM audit ORDER BY seq")
        return [audit_from_row(row, lambda moment: moment) for row in await cursor.fetchall()]

    entries = await database.transaction(trail)
    assert [entry.kind for entry in entries] == ["test.first", "test.second"]  # type: ignore[attr-defined]
    assert verify_chain(entries) is None  # type: ignore[arg-type]


async def test_many_rows_written_as_one_statement_read_back_as_written(
    database: PostgresDatabase,
) -> None:
    """Several audit entries of a unit go to the server as one JSON array: text that
    quoting could spoil, other scripts and microseconds come back as they were hashed."""
    awkward = 'a "quoted" \\ back\\slash, {braces}, NULL, é 東京, tab\t and\nnewline'
    at = datetime(2026, 3, 17, 10, 30, 0, 123456, tzinfo=UTC)
    records = [
        AuditRecord(at=at, kind=f"test.{n}", subject=awkward, actor=f"{n}'s", detail={"v": awkward})
        for n in range(5)
    ]

    def work(transaction: Transaction) -> None:
        transaction.records.extend(records)

    await database.unit(work)

    async def trail(conn: Connection) -> list[object]:
        cursor = await conn.execute("SELECT * FROM audit ORDER BY seq")
        return [audit_from_row(row, lambda moment: moment) for row in await cursor.fetchall()]

    entries = await database.transaction(trail)
    assert [(e.kind, e.subject, e.actor, e.at) for e in entries] == [  # type: ignore[attr-defined]
        (r.kind, r.subject, r.actor, r.at) for r in records
    ]
    assert all(e.detail == {"v": awkward} for e in entries)  # type: ignore[attr-defined]
    assert verify_chain(entries) is None  # type: ignore[arg-type]


async def test_a_unit_that_fails_after_it_wrote_is_undone_alone_and_its_group_goes_on(
    database: PostgresDatabase,
) -> None:
    def insert(number: int):  # type: ignore[no-untyped-def]
        def work(transaction: Transaction) -> int:
            run_to_end(transaction.session.run("INSERT INTO pair VALUES (%(n)s, 0)", {"n": number}))
            return number

        return work

    def spoiled(transaction: Transaction) -> None:
        run_to_end(transaction.session.run("INSERT INTO pair VALUES (50, 0)"))
        raise Spoiled(InputError("GW-IN-JSON", "refused after writing"))

    def refused(_: Transaction) -> None:
        raise InputError("GW-IN-JSON", "refused before writing")

    outcomes = await asyncio.gather(
        database.unit(insert(10)),
        database.unit(spoiled),
        database.unit(refused),
        database.unit(insert(11)),
        return_exceptions=True,
    )
    assert outcomes[0] == 10
    assert outcomes[3] == 11
    assert isinstance(outcomes[1], InputError)
    assert str(outcomes[1]).endswith("refused after writing")
    assert isinstance(outcomes[2], InputError)

    async def ids(conn: Connection) -> list[int]:
        cursor = await conn.execute("SELECT id FROM pair ORDER BY id")
        return [row["id"] for row in await cursor.fetchall()]

    assert await database.transaction(ids) == [1, 2, 10, 11]  # nothing of the spoiled one


async def test_a_unit_that_does_not_run_what_was_sent_ahead_for_it_is_run_as_if_never_sent(
    database: PostgresDatabase,
) -> None:
    insert = "INSERT INTO pair VALUES (%(n)s, 0) ON CONFLICT DO NOTHING RETURNING id"
    runs: dict[int, int] = {}

    def inserting(number: int, *, how: str = "insert"):  # type: ignore[no-untyped-def]
        def work(transaction: Transaction) -> bool:
            runs[number] = runs.get(number, 0) + 1
            if how == "refuse":  # refuses before its insert, which was sent ahead
                raise InputError("GW-IN-JSON", "refused before its insert")
            if how == "skip":  # goes another way: no insert
                return False
            return bool(run_to_end(transaction.session.rows(insert, {"n": number})))

        return database.unit(work, ahead=[(insert, {"n": number})])

    outcomes = await asyncio.gather(
        inserting(10), inserting(20, how="refuse"), inserting(10), inserting(1),
        inserting(30, how="skip"), inserting(40),
        return_exceptions=True,
    )  # fmt: skip
    assert outcomes[0] is True
    assert isinstance(outcomes[1], InputError)
    assert outcomes[2] is False  # the key was taken by the first: answered as a repeat
    assert outcomes[3] is False  # row 1 was there before
    assert outcomes[4] is False
    assert outcomes[5] is True

    async def ids(conn: Connection) -> list[int]:
        cursor = await conn.execute("SELECT id FROM pair ORDER BY id")
        return [row["id"] for row in await cursor.fetchall()]

    assert await database.transaction(ids) == [1, 2, 10, 40]  # nothing of 20 or 30


async def test_two_writers_of_one_audit_chain_keep_it_whole(database: PostgresDatabase) -> None:
    """Each committer takes the head it committed last as the chain's head; when the other
    appended meanwhile, its insert fails on the key and the group is run again: the
    chain stays whole, every entry once, and nobody hears of it."""
    other = await PostgresDatabase.open(database.conninfo)

    def appending(kind: str):  # type: ignore[no-untyped-def]
        def work(transaction: Transaction) -> str:
            transaction.records.append(_record(kind))
            return kind

        return work

    try:
        kinds = []
        for round_ in range(6):  # alternating, so each finds the other appended since
            for name, writer in (("a", database), ("b", other)):
                kinds.append(await writer.unit(appending(f"test.{name}{round_}")))
        together = await asyncio.gather(
            *(w.unit(appending(f"test.c{n}")) for n in range(10) for w in (database, other))
        )
        kinds += together
    finally:
        await other.close()

    async def trail(conn: Connection) -> list[object]:
        cursor = await conn.execute("SELECT * FROM audit ORDER BY seq")
        return [audit_from_row(row, lambda moment: moment) for row in await cursor.fetchall()]

    entries = await database.transaction(trail)
    assert sorted(entry.kind for entry in entries) == sorted(kinds)  # type: ignore[attr-defined]
    assert [entry.seq for entry in entries] == list(range(1, len(kinds) + 1))  # type: ignore[attr-defined]
    assert verify_chain(entries) is None  # type: ignore[arg-type]


async def test_work_announced_in_one_schema_wakes_that_schemas_stores_only() -> None:
    """Two gateways on one schema wake each other; a store in another schema of the same
    database (another deployment, another test) is not woken by them."""
    async with postgres_schema() as ours, postgres_schema() as theirs:
        first = await PostgresStore.open(POSTGRES, schema=ours)
        second = await PostgresStore.open(POSTGRES, schema=ours)
        elsewhere = await PostgresStore.open(POSTGRES, schema=theirs)
        try:
            for store in (second, elsewhere):  # the wake-up every listener starts with
                await store.wait_for_work(at_most=0.5)
            waiting = {
                store: asyncio.create_task(store.wait_for_work(at_most=30))
                for store in (second, elsewhere)
            }
            await first.enqueue([new_message(1)], at=datetime.now(tz=UTC))
            await asyncio.wait_for(waiting[second], timeout=10)  # woken by the NOTIFY
            # What did not happen needs a window: a NOTIFY comes back within milliseconds.
            finished, _ = await asyncio.wait({waiting[elsewhere]}, timeout=1)
            assert not finished
            waiting[elsewhere].cancel()
        finally:
            for store in (first, second, elsewhere):
                await store.close()
