"""The embedded message store: SQLite in WAL mode, a file in the data directory.

The store's code is `SqlStore`'s (the rules of `gateway.broker.store_rules`, the
statements of `sql_statements`); here is how SQLite runs it: every unit on the
database's one thread (`SqliteDatabase`, group commit), where a rule runs to its end
without an event loop, its audit entries chained at its end.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from gateway.adapters.sql_statements import SQLITE, Statements
from gateway.adapters.sql_store import Query, Rule, SqlStore
from gateway.adapters.sql_tables import Ahead, SqlTables, chain_audit, run_to_end
from gateway.adapters.sqlite_db import SqliteDatabase, SqliteSession
from gateway.broker.store_rules import WorkSignal

__all__ = ["SqliteEngine", "SqliteStore"]

T = TypeVar("T")
SQL = Statements(SQLITE)


class SqliteStore(SqlStore):
    """A `MessageStore` in one SQLite file."""

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        """Open (creating if needed) the database and apply pending migrations."""
        return cls(SqliteEngine(await SqliteDatabase.open(path, thread_name="sqlite-store")))


class SqliteEngine:
    """How SQLite runs the store's work: every unit on the file's one thread."""

    sql = SQL
    sends_ahead = False  # one writer on a local file: no round trips to save

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        self._work = WorkSignal()  # in-process wake-up: one process uses this store

    async def change(
        self, rule: Rule[T], *, locks: Sequence[str] = (), ahead: Sequence[Ahead] = ()
    ) -> T:
        # One writer: no row locks to take in order.
        def unit(db: sqlite3.Connection) -> tuple[T, bool]:
            tables = SqlTables(SqliteSession(db), SQL)
            value = run_to_end(rule(tables))
            run_to_end(chain_audit(tables.session, SQL, tables.records))
            return value, tables.woken

        value, woken = await self._database.run(unit)
        if woken:
            self._work.set()
        return value

    async def read(self, query: Query[T]) -> T:
        return await self._database.run(lambda db: run_to_end(query(SqliteSession(db))))

    async def wait_for_work(self, *, at_most: float) -> None:
        await self._work.wait(at_most=at_most)

    async def check(self) -> None:
        await self._database.check()

    async def close(self) -> None:
        await self._database.close()
