"""One PostgreSQL database (optionally a schema of it), shared by the message and tracking
stores: a connection pool that survives a server restart, transactions whose failures are
ours, and the `.sql` migrations in `postgres/` applied under an advisory lock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
import psycopg_pool
from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from gateway.adapters.sql_common import migrations
from gateway.errors import ConfigError, TransportError

__all__ = ["Connection", "PostgresDatabase"]

T = TypeVar("T")
Connection = AsyncConnection[dict[str, Any]]
_CONNECT_TIMEOUT = 10.0  # seconds to wait for a connection from the pool
_MIGRATION_LOCK = 0x65756777  # "euw": one migrator at a time across processes


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
        try:
            async with self._pool.connection(timeout=_CONNECT_TIMEOUT) as conn, conn.transaction():
                return await work(conn)
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as error:
            # The server went away or is restarting: the caller may try again later;
            # the transaction was rolled back, so nothing half-done remains.
            raise TransportError(
                "GW-STORE-UNAVAILABLE", f"PostgreSQL is not reachable: {error}".strip()
            ) from None

    async def close(self) -> None:
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
