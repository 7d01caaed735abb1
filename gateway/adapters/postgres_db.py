"""One PostgreSQL database (optionally a schema of it), shared by the message and tracking
stores: their group commit (`postgres_commit`, on a thread of its own) and reading
threads, failures as ours, and the migrations of `migrations/` applied under an advisory
lock, through a small connection pool.

Lock order. Every transaction takes its locks in one order, so that two gateway processes
(or two groups of one) never wait on each other in a circle:

1. the rows it works on: a batch (`FOR UPDATE`), then message rows (`FOR UPDATE`; a
   group locks all the rows its units name first, in message id order; a claim takes
   many but `SKIP LOCKED`, so it never waits for one);
2. rows it inserts or changes beside them (submissions, inbound messages, tokens,
   tracking rows), which only wait for another transaction inserting the same key (a
   group's inserts sent ahead go one statement a table, in key order);
3. last, the audit chain's advisory lock: the entries a transaction appends are kept
   aside (`Transaction.records`) and chained in one step just before its COMMIT, so the lock is held
   for the commit alone, and never while a row lock is awaited.

Should PostgreSQL still abort a transaction to break a deadlock, or for a serialization
failure, the transaction is run again (a few times, after a short random pause) and, if
it never gets through, reported by its real name (GW-STORE-DEADLOCK,
GW-STORE-SERIALIZATION), not as a server out of reach.

Connections are not checked each time they are lent (a round trip every time): one a
server restart broke fails its first statement, the work is run again on a new one when
nothing can have been committed, and the pool replaces the connections returned broken.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import psycopg
import psycopg_pool
from psycopg import AsyncConnection, errors, sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from gateway.adapters.postgres_commit import (
    RETRIES,
    GroupCommitter,
    ThreadSession,
    Transaction,
    conflict_error,
    retry_pause,
    unavailable,
)
from gateway.adapters.sql_common import migrations
from gateway.adapters.sql_statements import POSTGRES, Statements
from gateway.adapters.sql_tables import Ahead
from gateway.errors import ConfigError
from gateway.logging import get_logger

__all__ = ["RETRIES", "Connection", "PostgresDatabase"]

T = TypeVar("T")
Connection = AsyncConnection[dict[str, Any]]
_CONNECT_TIMEOUT = 10.0  # seconds to wait for a connection from the pool
_MIGRATION_LOCK = 0x65756777  # "euw": one migrator at a time across processes
_SQL = Statements(POSTGRES)


class _Reconnect(Exception):  # noqa: N818 - not an error: the connection was dead, try anew
    """The connection was found broken before anything was committed on it."""


class PostgresDatabase:
    def __init__(self, pool: AsyncConnectionPool[Connection], conninfo: str) -> None:
        self._pool = pool
        self.conninfo = conninfo
        self._committer: GroupCommitter | None = None

    @classmethod
    async def open(
        cls, conninfo: str, *, schema: str | None = None, max_size: int = 8
    ) -> PostgresDatabase:
        """Connect, create `schema` if given, and apply pending migrations."""
        if schema is not None:
            conninfo = psycopg.conninfo.make_conninfo(conninfo, options=f"-c search_path={schema}")
        try:
            if schema is not None:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(
                        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
                    )
            # No check of each connection lent (a round trip every time): a connection a
            # server restart broke fails its first statement, and the work is run again on
            # a new one when nothing can have been committed (`_Reconnect`); the pool
            # replaces the connections returned broken.
            pool: AsyncConnectionPool[Connection] = AsyncConnectionPool(
                conninfo,
                min_size=2,
                max_size=max_size,
                kwargs={"row_factory": dict_row, "autocommit": True, "prepare_threshold": 2},
                open=False,
                reconnect_timeout=3600,
            )
            await pool.open(wait=True, timeout=10)
        except (psycopg.Error, TimeoutError) as error:
            raise ConfigError(
                "GW-STORE-OPEN", f"cannot connect to PostgreSQL: {error}".strip()
            ) from None
        database = cls(pool, conninfo)
        await database.transaction(_migrate)
        return database

    async def schema(self) -> str:
        """The schema the store's tables are in (the first of the search path)."""

        async def current(conn: Connection) -> str:
            cursor = await conn.execute("SELECT current_schema() AS name")
            row = await cursor.fetchone()
            return str(row["name"]) if row else "public"

        return await self.transaction(current)

    async def transaction(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """Run `work` in a transaction of its own on a pooled connection (the migrations)."""

        async def once() -> T:
            async with self._pool.connection(timeout=_CONNECT_TIMEOUT) as conn:
                committing = False
                try:
                    async with conn.transaction():
                        value = await work(conn)
                        committing = True
                except psycopg.OperationalError as error:
                    if conn.broken and not committing:  # dead before its COMMIT
                        raise _Reconnect from error
                    raise
                return value

        return await self._retried(once)

    async def read_on_thread(self, query: Callable[[ThreadSession], T]) -> T:
        """Run `query` (which never waits: `run_to_end`) on a reading thread with a
        connection of its own: no event loop between its statements."""
        value: T = await self._committing().read(query)
        return value

    async def unit(
        self,
        work: Callable[[Transaction], T],
        *,
        locks: Sequence[str] = (),
        ahead: Sequence[Ahead] = (),
    ) -> T:
        """Run `work` as one unit of the message store's group commit (`postgres_commit`):
        on the committer's thread, with the message rows named in `locks` locked for it
        and the statements of `ahead` answered."""
        value: T = await self._committing().run(work, locks=locks, ahead=ahead)
        return value

    def _committing(self) -> GroupCommitter:
        if self._committer is None:
            self._committer = GroupCommitter(self.conninfo)
        return self._committer

    async def _retried(self, once: Callable[[], Awaitable[T]]) -> T:
        """`once()`, again when PostgreSQL aborted it to break a deadlock (or for a
        serialization failure) or its connection was dead; its failures as ours."""
        reconnected = False
        for attempt in range(RETRIES + 1):
            try:
                return await once()
            except _Reconnect as dead:
                if reconnected:
                    raise unavailable(dead.__cause__ or dead) from None
                reconnected = True
            except (errors.DeadlockDetected, errors.SerializationFailure) as error:
                if attempt == RETRIES:
                    raise conflict_error(error) from None
                code = "GW-STORE-DEADLOCK"
                if isinstance(error, errors.SerializationFailure):
                    code = "GW-STORE-SERIALIZATION"
                get_logger().warning(
                    "a PostgreSQL transaction was aborted; it is run again",
                    code=code,
                    attempt=attempt + 1,
                )
                await asyncio.sleep(retry_pause(attempt))
            except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as error:
                raise unavailable(error) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def close(self) -> None:
        if self._committer is not None:
            committer, self._committer = self._committer, None
            await asyncio.to_thread(committer.close)
        await self._pool.close()


async def _migrate(conn: Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
    await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY)")
    cursor = await conn.execute("SELECT version FROM schema_version")
    applied = {row["version"] for row in await cursor.fetchall()}
    for migration in migrations("postgres"):
        if migration.version not in applied:
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO schema_version (version) VALUES (%s)", (migration.version,)
            )
