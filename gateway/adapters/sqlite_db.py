"""One SQLite file on one dedicated thread, shared by the message and tracking stores.

sqlite3 blocks, so every call runs on a thread of its own: the event loop
never waits on the disk, and one connection serialises the transactions.
Migrations are the `.sql` files in `sqlite/`, applied at open, after the file
is checked (`gateway.adapters.sqlite_files`: a damaged or lost store is refused).

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
so a crash loses only changes nobody was told about.

If the database itself fails (any `sqlite3.Error`, at a statement or at the
commit), every unit of the group fails with one of our codes and nothing of
the group holds; the thread goes on with the next group. The failure is the
database's *fault* until it is over: a damaged file (GW-STORE-CORRUPT) for as
long as the process runs, every later unit refused at once; a busy, full or
failing disk (GW-STORE-UNAVAILABLE) or a statement SQLite refused
(GW-STORE-FAILED) until a write goes through again. Readiness reports it.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

from gateway.adapters.db_thread import DatabaseThread, Outcome, Unit
from gateway.adapters.sql_common import migrations
from gateway.adapters.sqlite_files import is_damage, open_checked
from gateway.errors import ConfigError, TransportError
from gateway.logging import get_logger

__all__ = ["SqliteDatabase", "SqliteSession", "StoreFault"]

T = TypeVar("T")

MAX_GROUP = 64  # units of work in one transaction: bounds the wait of the first
CLOSE_TIMEOUT = 10.0  # seconds to wait for the thread to close the connection


@dataclass(frozen=True, slots=True)
class StoreFault:
    """Why the database refuses work: its code, a sentence, and whether it lasts until the
    file is restored (damage) or only until a write goes through again."""

    code: str
    reason: str
    lasting: bool

    def error(self) -> TransportError:
        return TransportError(self.code, self.reason)


Work = Callable[[sqlite3.Connection], Any]


class SqliteDatabase:
    _shared: ClassVar[dict[Path, SqliteDatabase]] = {}  # this process's open files
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(
        self, connection: sqlite3.Connection, executor: ThreadPoolExecutor, path: Path
    ) -> None:
        self._db = connection
        self._executor = executor
        self._thread = DatabaseThread[Work](
            executor, self._run_group, name="SQLite", max_group=MAX_GROUP
        )
        self._users = 1
        self._path: Path | None = None
        self._file = path
        self._fault: StoreFault | None = None

    @classmethod
    async def open(
        cls,
        path: Path,
        *,
        thread_name: str = "sqlite",
        migrate: Callable[[sqlite3.Connection], None] | None = None,
    ) -> SqliteDatabase:
        """The file's database: the one this process has open already, or opened now
        (created if new, checked if not, in WAL mode, with pending migrations applied:
        the gateway's, or `migrate`'s for a file of another program, the simulators')."""
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
        try:
            connection = await asyncio.get_running_loop().run_in_executor(
                executor, lambda: open_checked(path, migrate=migrate)
            )
        except (sqlite3.Error, OSError) as error:
            executor.shutdown()
            raise ConfigError(
                "GW-STORE-OPEN", f"cannot open the SQLite store {path}: {error}"
            ) from None
        except BaseException:
            executor.shutdown()
            raise
        return cls(connection, executor, path)

    @property
    def fault(self) -> StoreFault | None:
        """Why the database refuses work now, if it does."""
        return self._fault

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` as one unit (all of its changes or none) on the database's thread;
        return once its transaction is committed. A failure of the database raises
        `TransportError` (GW-STORE-CORRUPT, GW-STORE-UNAVAILABLE, GW-STORE-FAILED)."""
        fault = self._fault
        if fault is not None and fault.lasting:
            raise fault.error()  # a damaged file: no more work on it
        value: T = await self._thread.run(work)
        return value

    async def check(self) -> None:
        """Raise the database's fault, if it has one and it is not over: with a passing
        fault, a write is tried (a no-op update) to see whether writes go through again."""
        fault = self._fault
        if fault is not None and fault.lasting:
            raise fault.error()

        def probe(db: sqlite3.Connection) -> None:
            if fault is not None:
                db.execute("UPDATE store_identity SET store_id = store_id")

        await self.run(probe)

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
        closing = asyncio.get_running_loop().run_in_executor(self._executor, self._db.close)
        try:
            await asyncio.wait_for(closing, CLOSE_TIMEOUT)
        except TimeoutError:  # the thread is stuck in SQLite (a hung disk): leave it
            get_logger().error(
                "the SQLite store did not close in time", file=str(self._file), code="timeout"
            )
            self._executor.shutdown(wait=False)
            return
        except sqlite3.Error as error:
            get_logger().warning(
                "closing the SQLite store failed", file=str(self._file), reason=str(error)
            )
        self._executor.shutdown()

    def _run_group(self, group: list[Unit[Work]]) -> list[Outcome]:
        """Each unit's (succeeded, value or exception), all committed in one transaction."""
        db = self._db
        fault = self._fault
        if fault is not None and fault.lasting:
            return [(False, fault.error()) for _ in group]
        outcomes: list[tuple[bool, Any]] = []
        changes = db.total_changes
        try:
            db.execute("BEGIN IMMEDIATE")
            for unit in group:
                outcomes.append(_run_unit(db, unit))
            db.execute("COMMIT")
        except sqlite3.Error as error:  # the database failed: nothing of the group holds
            self._rollback()
            fault = self._failed(error)
            return [(False, fault.error()) for _ in group]
        if self._fault is not None and db.total_changes > changes:  # a write went through
            get_logger().info("the SQLite store works again", file=str(self._file))
            self._fault = None
        return outcomes

    def _rollback(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error as error:
            get_logger().error(
                "rolling back the SQLite store failed", file=str(self._file), reason=str(error)
            )
        if self._db.in_transaction:  # the connection cannot be trusted with a new group
            self._fault = StoreFault(
                "GW-STORE-FAILED",
                f"the SQLite store {self._file} could not roll back a failed transaction; "
                "restart the gateway",
                lasting=True,
            )

    def _failed(self, error: sqlite3.Error) -> StoreFault:
        """The fault `error` means, recorded and logged when it is new."""
        name = getattr(error, "sqlite_errorname", type(error).__name__)
        if is_damage(error):
            fault = StoreFault(
                "GW-STORE-CORRUPT",
                f"the SQLite store {self._file} is damaged ({name}: {error}); nothing more is "
                "written to it: stop the gateway, run `eugw store check`, restore a backup",
                lasting=True,
            )
        elif isinstance(error, sqlite3.OperationalError):
            fault = StoreFault(
                "GW-STORE-UNAVAILABLE",
                f"the SQLite store failed ({name}: {error}); the work is tried again",
                lasting=False,
            )
        else:
            fault = StoreFault(
                "GW-STORE-FAILED",
                f"the SQLite store refused a change ({name}: {error}); nothing of the "
                "transaction was kept",
                lasting=False,
            )
        if self._fault is None or self._fault.lasting or self._fault.code != fault.code:
            get_logger().error(
                "the SQLite store failed",
                code=fault.code,
                reason=fault.reason,
                file=str(self._file),
            )
        if self._fault is None or not self._fault.lasting:
            self._fault = fault
        return self._fault


class SqliteSession:
    """`sql_tables.Session` on the database's thread: each call runs at once (its coroutine
    never waits), so a unit of work runs to its end without an event loop."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    async def rows(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> list[Mapping[str, Any]]:
        return cast(list[Mapping[str, Any]], self._db.execute(sql, params or {}).fetchall())

    async def run(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        self._db.execute(sql, params or {})

    async def run_many(self, sql: str, params: Sequence[Mapping[str, Any]]) -> None:
        self._db.executemany(sql, params)

    async def rows_many(
        self, sql: str, params: Sequence[Mapping[str, Any]]
    ) -> list[list[Mapping[str, Any]]]:
        return [await self.rows(sql, one) for one in params]


def _run_unit(db: sqlite3.Connection, unit: Unit[Work]) -> Outcome:
    db.execute("SAVEPOINT unit")
    try:
        value = unit.work(db)
    except sqlite3.Error:
        raise  # the database failed: the whole group is rolled back
    # The unit refused (bad input, lost lease): undo it alone; its caller gets the exception.
    except Exception as error:  # noqa: BLE001
        db.execute("ROLLBACK TO unit")
        db.execute("RELEASE unit")
        return False, error
    db.execute("RELEASE unit")
    return True, value


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
