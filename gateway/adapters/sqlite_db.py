"""One SQLite file on one dedicated thread, shared by the message and tracking stores.

sqlite3 blocks, so every call runs on a thread of its own: the event loop
never waits on the disk, and one connection serialises the transactions.
Writers use `BEGIN IMMEDIATE`, so a change and its effects are one unit.
Migrations are the `.sql` files in `sqlite/`, applied at open.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from gateway.adapters.sql_common import migrations
from gateway.errors import ConfigError, TransportError

__all__ = ["SqliteDatabase"]

T = TypeVar("T")


class SqliteDatabase:
    def __init__(self, connection: sqlite3.Connection, executor: ThreadPoolExecutor) -> None:
        self._db = connection
        self._executor = executor

    @classmethod
    async def open(cls, path: Path, *, thread_name: str) -> SqliteDatabase:
        """Open (creating if needed) the file in WAL mode and apply pending migrations."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)

        def connect() -> sqlite3.Connection:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA busy_timeout = 5000")
            _migrate(connection)
            return connection

        try:
            connection = await asyncio.get_running_loop().run_in_executor(executor, connect)
        except sqlite3.Error as error:
            executor.shutdown()
            raise ConfigError(
                "GW-STORE-OPEN", f"cannot open the SQLite store {path}: {error}"
            ) from None
        return cls(connection, executor)

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one transaction on the database's thread."""
        try:
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, _in_transaction, self._db, work
            )
        except sqlite3.OperationalError as error:  # locked, disk full, I/O error: rolled back
            raise TransportError(
                "GW-STORE-UNAVAILABLE", f"the SQLite store failed: {error}"
            ) from None

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._db.close)
        self._executor.shutdown()


def _in_transaction(db: sqlite3.Connection, work: Callable[[sqlite3.Connection], T]) -> T:
    db.execute("BEGIN IMMEDIATE")
    try:
        result = work(db)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result


def _migrate(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
    applied = {row[0] for row in db.execute("SELECT version FROM schema_version")}
    for migration in migrations("sqlite"):
        if migration.version in applied:
            continue
        # executescript commits first; wrap each migration so it applies whole or not at all.
        db.executescript(
            f"BEGIN IMMEDIATE;\n{migration.sql}\n"
            f"INSERT INTO schema_version (version) VALUES ({migration.version});\nCOMMIT;"
        )
