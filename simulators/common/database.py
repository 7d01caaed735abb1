"""One SQLite file of the simulators, worked on by one thread of its own.

Every call is one transaction on that thread, so the event loop never waits on the
disk. A damaged file is refused when it is opened (`PRAGMA quick_check`), with
GW-STORE-CORRUPT, before any simulated party starts.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from gateway.errors import ConfigError

__all__ = ["SqliteFile"]

T = TypeVar("T")
_DAMAGE = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


class SqliteFile:
    """A SQLite database in WAL mode, each unit of work one transaction on its thread."""

    def __init__(self, connection: sqlite3.Connection, executor: ThreadPoolExecutor) -> None:
        self._db = connection
        self._executor = executor

    @classmethod
    async def open(
        cls, path: Path, *, create: Callable[[sqlite3.Connection], None], thread_name: str
    ) -> SqliteFile:
        """Open `path` (made if new, checked if not) and run `create` on it."""
        executor = ThreadPoolExecutor(1, thread_name_prefix=thread_name)
        loop = asyncio.get_running_loop()
        try:
            connection = await loop.run_in_executor(executor, _connect, path, create)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(connection, executor)

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one transaction on the database's thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._transaction, work)

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            result = work(self._db)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        return result

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._db.close)
        self._executor.shutdown(wait=True)


def _connect(path: Path, create: Callable[[sqlite3.Connection], None]) -> sqlite3.Connection:
    existed = path.exists() and path.stat().st_size > 0
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        if existed:
            _quick_check(connection, path)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA busy_timeout = 5000")
        create(connection)
    except sqlite3.DatabaseError as error:
        connection.close()
        code = getattr(error, "sqlite_errorcode", None)
        if code is None or code & 0xFF not in _DAMAGE:
            raise
        raise _damaged(path, str(error)) from None
    except BaseException:
        connection.close()
        raise
    return connection


def _quick_check(connection: sqlite3.Connection, path: Path) -> None:
    problems = [str(row[0]) for row in connection.execute("PRAGMA quick_check")]
    if problems != ["ok"]:
        raise _damaged(path, "; ".join(problems[:3]))


def _damaged(path: Path, reason: str) -> ConfigError:
    return ConfigError(
        "GW-STORE-CORRUPT",
        f"the simulators' state file {path} is damaged ({reason}): restore it from a "
        "backup, or remove it to start the simulated EU side afresh",
    )
