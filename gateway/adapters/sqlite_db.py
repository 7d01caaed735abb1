"""One SQLite file on one dedicated thread, shared by the message and tracking stores.

sqlite3 blocks, so every call runs on a thread of its own: the event loop
never waits on the disk, and one connection serialises the transactions.
Migrations are the `.sql` files in `sqlite/`, applied at open.

One file, one connection per process: the message store and the tracking store
opening the same file share one `SqliteDatabase` (counted; the last close
closes it). Two connections would take turns at the file's write lock, and the
one waiting sleeps in SQLite's busy handler (up to 100 ms a turn) while the
other commits.

Group commit: the work that is waiting when the thread comes round runs in
one `BEGIN IMMEDIATE` transaction, each unit in a savepoint of its own, and
one `COMMIT` (one fsync) makes them all durable. A unit that raises is
rolled back to its savepoint alone; its neighbours are unaffected. No
caller hears of success before the commit that makes its change durable,
so a crash loses only changes nobody was told about. If the database
itself fails (locked, disk full, I/O error), every unit of the group fails.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from gateway.adapters.sql_common import migrations
from gateway.errors import ConfigError, TransportError
from gateway.private_files import FOLDER_MODE, private_file

__all__ = ["SqliteDatabase"]

T = TypeVar("T")

MAX_GROUP = 64  # units of work in one transaction: bounds the wait of the first


@dataclass(frozen=True, slots=True)
class _Unit(Generic[T]):
    work: Callable[[sqlite3.Connection], T]
    future: asyncio.Future[T]
    loop: asyncio.AbstractEventLoop


class SqliteDatabase:
    _shared: ClassVar[dict[Path, SqliteDatabase]] = {}  # this process's open files
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, connection: sqlite3.Connection, executor: ThreadPoolExecutor) -> None:
        self._db = connection
        self._executor = executor
        self._pending: deque[_Unit[Any]] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._users = 1
        self._path: Path | None = None

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        thread_name: str = "sqlite",
        migrate: Callable[[sqlite3.Connection], None] | None = None,
    ) -> SqliteDatabase:
        """The file's database: the one this process has open already, or opened now
        (created if needed, in WAL mode, with pending migrations applied: the gateway's,
        or `migrate`'s for a file of another program, the simulators')."""
        key = Path(os.path.abspath(path))  # noqa: ASYNC240, PTH100  # getcwd only, no disk I/O
        with cls._shared_lock:
            database = cls._shared.get(key)
            if database is not None:
                database._users += 1
                return database
        opened = await cls._connect(path, thread_name=thread_name, migrate=migrate or _migrate)
        with cls._shared_lock:
            database = cls._shared.get(key)
            if database is None:  # nobody opened it meanwhile
                opened._path = key
                cls._shared[key] = opened
                return opened
            database._users += 1
        await opened._shut()
        return database

    @classmethod
    async def _connect(
        cls, path: Path, *, thread_name: str, migrate: Callable[[sqlite3.Connection], None]
    ) -> SqliteDatabase:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=thread_name)

        def connect() -> sqlite3.Connection:
            _private_database(path)
            connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
            connection.execute("PRAGMA busy_timeout = 5000")
            migrate(connection)
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
        """Run `work` as one unit (all of its changes or none) on the database's thread;
        return once its transaction is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        unit = _Unit(work, future, loop)
        with self._lock:
            self._pending.append(unit)
            start, self._draining = not self._draining, True
        if start:
            self._executor.submit(self._drain)
        try:
            return await future
        except sqlite3.OperationalError as error:  # locked, disk full, I/O error: rolled back
            raise TransportError(
                "GW-STORE-UNAVAILABLE", f"the SQLite store failed: {error}"
            ) from None

    async def close(self) -> None:
        """Let go of the database; the last of its users closes the connection."""
        with self._shared_lock:
            self._users -= 1
            if self._users:
                return
            if self._path is not None and self._shared.get(self._path) is self:
                del self._shared[self._path]
        await self._shut()

    async def _shut(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._db.close)
        self._executor.shutdown()

    def _drain(self) -> None:
        """On the database's thread: run waiting units in groups until none is left."""
        while True:
            with self._lock:
                if not self._pending:
                    self._draining = False
                    return
                group = [self._pending.popleft() for _ in range(min(MAX_GROUP, len(self._pending)))]
            settled: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
            for unit, outcome in zip(group, _run_group(self._db, group), strict=True):
                settled.setdefault(unit.loop, []).append((unit.future, outcome))
            for loop, outcomes in settled.items():  # one wake-up of each loop per group
                loop.call_soon_threadsafe(_settle_all, outcomes)


def _run_group(db: sqlite3.Connection, group: list[_Unit[Any]]) -> list[tuple[bool, Any]]:
    """Each unit's (succeeded, value or exception), all committed in one transaction."""
    outcomes: list[tuple[bool, Any]] = []
    try:
        db.execute("BEGIN IMMEDIATE")
        for unit in group:
            outcomes.append(_run_unit(db, unit))
        db.execute("COMMIT")
    except sqlite3.OperationalError as error:  # the database failed: nothing of it holds
        if db.in_transaction:
            db.execute("ROLLBACK")
        return [(False, error)] * len(group)
    return outcomes


def _run_unit(db: sqlite3.Connection, unit: _Unit[Any]) -> tuple[bool, Any]:
    db.execute("SAVEPOINT unit")
    try:
        value = unit.work(db)
    except sqlite3.OperationalError:
        raise  # the database failed: the whole group is rolled back
    # The unit refused (bad input, lost lease): undo it alone; its caller gets the exception.
    except Exception as error:  # noqa: BLE001
        db.execute("ROLLBACK TO unit")
        db.execute("RELEASE unit")
        return False, error
    db.execute("RELEASE unit")
    return True, value


def _settle_all(outcomes: list[tuple[asyncio.Future[Any], tuple[bool, Any]]]) -> None:
    for future, (succeeded, value) in outcomes:
        if future.cancelled():  # the caller stopped waiting; the unit ran all the same
            continue
        if succeeded:
            future.set_result(value)
        else:
            future.set_exception(value)


def _private_database(path: Path) -> None:
    """The file for this user only, in a folder made for this user only when it is new:
    SQLite gives the -wal and -shm files it makes the database file's mode, so they are
    0600 too (older ones are tightened)."""
    path.parent.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    for file in (path, *(path.with_name(path.name + suffix) for suffix in ("-wal", "-shm"))):
        if file == path or file.exists():
            private_file(file)


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
