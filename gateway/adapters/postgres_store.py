"""The shared message store: PostgreSQL, for several gateway processes.

The store's code is `SqlStore`'s (the rules of `gateway.broker.store_rules`, the
statements of `sql_statements`); here is how PostgreSQL runs it: in the transactions of
`PostgresDatabase` (its lock order, the audit chain last, deadlocks run again). Rows are
claimed with `FOR UPDATE SKIP LOCKED`, so workers in different processes never take the
same message; a NOTIFY on the schema's channel (`eugw_outbox:<schema>`, so that stores
in other schemas of the database are not woken) wakes them when work arrives. Migrations
are the `.sql` files of `migrations/`, applied at start under an advisory lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TypeVar

import psycopg

from gateway.adapters.postgres_commit import Spoiled, Transaction
from gateway.adapters.postgres_db import PostgresDatabase
from gateway.adapters.sql_statements import POSTGRES, Statements
from gateway.adapters.sql_store import Query, Rule, SqlStore
from gateway.adapters.sql_tables import Ahead, SqlTables, run_to_end
from gateway.broker.store_rules import WorkSignal

__all__ = ["CHANNEL", "PostgresEngine", "PostgresStore"]

T = TypeVar("T")
CHANNEL = "eugw_outbox"  # and the schema's name: `channel_of`
SQL = Statements(POSTGRES)


def channel_of(schema: str) -> str:
    """The quoted name of the channel announcing work in the store of `schema`."""
    name = f"{CHANNEL}:{schema}"
    return '"' + name.replace('"', '""') + '"'


class PostgresStore(SqlStore):
    """A `MessageStore` in a PostgreSQL database (optionally in its own schema)."""

    @classmethod
    async def open(cls, conninfo: str, *, schema: str | None = None) -> PostgresStore:
        """Connect, create `schema` if given, and apply pending migrations."""
        engine = await PostgresEngine.open(conninfo, schema=schema)
        engine.listen()
        return cls(engine)


class PostgresEngine:
    """How PostgreSQL runs the store's work: units in group commits, reads on threads."""

    sql = SQL
    sends_ahead = True  # with the group's row locks (`postgres_commit`)

    @classmethod
    async def open(cls, conninfo: str, *, schema: str | None = None) -> PostgresEngine:
        """Connect, create `schema` if given, and apply pending migrations."""
        database = await PostgresDatabase.open(conninfo, schema=schema)
        return cls(database, channel=channel_of(await database.schema()))

    def __init__(self, database: PostgresDatabase, *, channel: str) -> None:
        self._database = database
        self._channel = channel
        self._work = WorkSignal()
        self._listener: asyncio.Task[None] | None = None

    def listen(self) -> None:
        self._listener = asyncio.create_task(self._listen(), name="postgres-store-listen")

    async def change(
        self, rule: Rule[T], *, locks: Sequence[str] = (), ahead: Sequence[Ahead] = ()
    ) -> T:
        woken = False

        def work(transaction: Transaction) -> T:  # on the committer's thread
            nonlocal woken
            tables = SqlTables(transaction.session, SQL, transaction.locked)
            try:
                value = run_to_end(rule(tables))
            except psycopg.Error:
                raise
            except Exception as error:
                if tables.wrote:  # cannot be undone alone: the group is run without it
                    raise Spoiled(error) from error
                raise
            transaction.records.extend(tables.records)  # chained at the group's end
            if tables.woken:
                run_to_end(tables.session.run(f"NOTIFY {self._channel}"))  # once a group
                woken = True
            return value

        value = await self._database.unit(work, locks=locks, ahead=ahead)
        if woken:  # this process's dispatchers need not wait for the notification
            self._work.set()
        return value

    async def read(self, query: Query[T]) -> T:
        return await self._database.read_on_thread(lambda session: run_to_end(query(session)))

    async def _listen(self) -> None:
        """Set the work event whenever any process announces work."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._database.conninfo, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {self._channel}")
                    self._work.set()  # something may have arrived while we were not listening
                    async for _ in conn.notifies():
                        self._work.set()
            except psycopg.Error:
                await asyncio.sleep(1)  # the database went away; polling covers the gap

    async def wait_for_work(self, *, at_most: float) -> None:
        await self._work.wait(at_most=at_most)

    async def check(self) -> None:
        await self.read(lambda session: session.rows(SQL.check))

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._database.close()
