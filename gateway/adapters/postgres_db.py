"""One PostgreSQL database (optionally a schema of it), shared by the message and tracking
stores: a connection pool that survives a server restart, transactions whose failures are
ours, and the `.sql` migrations in `postgres/` applied under an advisory lock.

Lock order. Every transaction takes its locks in one order, so that two gateway processes
(or two tasks of one) never wait on each other in a circle:

1. the row it works on: a batch (`FOR UPDATE`), then message rows (`FOR UPDATE`, one
   message at a time; a claim takes many but `SKIP LOCKED`, so it never waits for one);
2. rows it inserts or changes beside them (submissions, inbound messages, tokens,
   tracking rows), which only wait for another transaction inserting the same key;
3. last, the audit chain's advisory lock: the entries a transaction appends are kept
   aside (`audit`) and chained in one step just before its COMMIT, so the lock is held
   for the commit alone, and never while a row lock is awaited.

Should PostgreSQL still abort a transaction to break a deadlock, or for a serialization
failure, the transaction is run again (a few times, after a short random pause) and, if
it never gets through, reported by its real name (GW-STORE-DEADLOCK,
GW-STORE-SERIALIZATION), not as a server out of reach.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

import psycopg
import psycopg_pool
from psycopg import AsyncConnection, errors, sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from gateway.adapters.sql_common import migrations
from gateway.adapters.sql_statements import POSTGRES, Statements
from gateway.adapters.sql_tables import chain_audit
from gateway.broker.audit import AuditRecord
from gateway.errors import ConfigError, TransportError
from gateway.logging import get_logger

__all__ = ["RETRIES", "Connection", "PostgresDatabase", "PostgresSession", "audit"]

T = TypeVar("T")
Connection = AsyncConnection[dict[str, Any]]
_CONNECT_TIMEOUT = 10.0  # seconds to wait for a connection from the pool
_MIGRATION_LOCK = 0x65756777  # "euw": one migrator at a time across processes
RETRIES = 5  # a transaction PostgreSQL aborted (deadlock, serialization) is run again
_RETRY_PAUSE = 0.02  # seconds, doubled each time, times a random factor

_CONFLICTS: dict[type[psycopg.Error], tuple[str, str]] = {
    errors.DeadlockDetected: ("GW-STORE-DEADLOCK", "a deadlock"),
    errors.SerializationFailure: ("GW-STORE-SERIALIZATION", "a serialization failure"),
}
_SQL = Statements(POSTGRES)

_pending_audit: ContextVar[list[AuditRecord] | None] = ContextVar("pending_audit", default=None)


class PostgresDatabase:
    def __init__(self, pool: AsyncConnectionPool[Connection], conninfo: str) -> None:
        self._pool = pool
        self.conninfo = conninfo

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
            pool: AsyncConnectionPool[Connection] = AsyncConnectionPool(
                conninfo,
                min_size=1,
                max_size=max_size,
                kwargs={"row_factory": dict_row},
                open=False,
                check=AsyncConnectionPool.check_connection,  # drop connections a restart broke
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

    async def transaction(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        """Run `work` in one transaction, its audit entries chained at its end (see the lock
        order above); run it again when PostgreSQL aborted it to break a deadlock."""
        for attempt in range(RETRIES + 1):
            try:
                return await self._once(work)
            except (errors.DeadlockDetected, errors.SerializationFailure) as error:
                code, what = _CONFLICTS[type(error)]
                if attempt == RETRIES:
                    raise TransportError(
                        code,
                        f"PostgreSQL aborted the transaction {RETRIES + 1} times to resolve "
                        f"{what}: {error.diag.message_primary or error}",
                    ) from None
                get_logger().warning(
                    "a PostgreSQL transaction was aborted; it is run again",
                    code=code,
                    reason=what,
                    attempt=attempt + 1,
                )
                await asyncio.sleep(_RETRY_PAUSE * 2**attempt * (0.5 + random.random()))  # noqa: S311
            except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as error:
                # The server went away or is restarting: the caller may try again later;
                # the transaction was rolled back, so nothing half-done remains.
                raise TransportError(
                    "GW-STORE-UNAVAILABLE", f"PostgreSQL is not reachable: {error}".strip()
                ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        entries: list[AuditRecord] = []
        token = _pending_audit.set(entries)
        try:
            async with self._pool.connection(timeout=_CONNECT_TIMEOUT) as conn:
                async with conn.transaction():
                    value = await work(conn)
                    await _chain(conn, entries)
                return value
        finally:
            _pending_audit.reset(token)

    async def close(self) -> None:
        await self._pool.close()


async def audit(conn: Connection, records: Sequence[AuditRecord]) -> None:
    """Append `records` to the audit chain in the transaction of `conn`: at its end when it
    is one of `PostgresDatabase.transaction`'s (the lock order), else now."""
    pending = _pending_audit.get()
    if pending is None:
        await _chain(conn, records)
    else:
        pending.extend(records)


async def _chain(conn: Connection, records: Sequence[AuditRecord]) -> None:
    """Chain the records onto the trail's head; the lock serialises appenders across
    processes until the transaction ends."""
    await chain_audit(PostgresSession(conn), _SQL, records)


class PostgresSession:
    """`sql_tables.Session` on one connection, in its transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def rows(
        self, sql: str, params: Mapping[str, Any] | None = None
    ) -> list[Mapping[str, Any]]:
        cursor = await self._conn.execute(sql, params)
        return list(await cursor.fetchall())

    async def run(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        await self._conn.execute(sql, params)

    async def run_many(self, sql: str, params: Sequence[Mapping[str, Any]]) -> None:
        if params:
            async with self._conn.cursor() as cursor:
                await cursor.executemany(sql, params)

    async def rows_many(
        self, sql: str, params: Sequence[Mapping[str, Any]]
    ) -> list[list[Mapping[str, Any]]]:
        if not params:
            return []
        found: list[list[Mapping[str, Any]]] = []
        async with self._conn.cursor() as cursor:
            await cursor.executemany(sql, params, returning=True)
            while True:
                found.append(list(await cursor.fetchall()))
                if not cursor.nextset():
                    break
        return found


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
