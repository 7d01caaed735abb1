"""`eugw store check`: the whole store read and checked, for an operator who suspects damage.

SQLite: `PRAGMA integrity_check` (every page, every index against its table; slower than
the `quick_check` the gateway runs at each start), `foreign_key_check`, and the store's id
against its marker. PostgreSQL checks its own pages as it reads them (with data checksums
on): every table of the store is read through, the migrations are checked, and the
indexes are checked with `amcheck` when that extension is installed.
"""

from __future__ import annotations

import sqlite3
from dataclasses import field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from gateway.adapters.sql_common import migrations
from gateway.adapters.sqlite_files import integrity_problems, marker_path
from gateway.domain.frozen import frozen
from gateway.errors import ConfigError
from gateway.private_files import private_file

__all__ = ["StoreReport", "check_postgres", "check_sqlite"]

_Connection = psycopg.AsyncConnection[tuple[Any, ...]]


@frozen
class StoreReport:
    """What was checked, and every problem found (none: the store is whole)."""

    store: str
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return not self.problems


def check_sqlite(path: Path) -> StoreReport:
    """Read the whole SQLite store file (blocking)."""
    report = StoreReport(store=f"SQLite {path}")
    marker = marker_path(path)
    if not path.exists() or path.stat().st_size == 0:
        state = "missing" if not path.exists() else "empty"
        if marker.exists():
            report.problems.append(f"the store file is {state}; {marker.name} says it held data")
        else:
            report.problems.append(f"the store file is {state} (no store was made there yet)")
        return report
    for file in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
        if file.exists():
            private_file(file)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        report.problems.extend(integrity_problems(connection))
        report.checked.append("integrity_check and foreign_key_check")
        if report.whole:
            _check_identity(connection, marker, report)
    except sqlite3.DatabaseError as error:
        report.problems.append(f"SQLite cannot read the file: {error}")
    finally:
        connection.close()
    return report


def _check_identity(connection: sqlite3.Connection, marker: Path, report: StoreReport) -> None:
    try:
        row = connection.execute("SELECT store_id FROM store_identity LIMIT 1").fetchone()
    except sqlite3.OperationalError:
        row = None
    stored = None if row is None else str(row[0])
    if marker.exists():
        text = marker.read_text(encoding="utf-8", errors="replace")
        if stored is None or stored not in text:
            report.problems.append(
                f"{marker.name} names another store than the file holds ({stored or 'no id'})"
            )
            return
    report.checked.append(f"store id {stored or '(none yet)'}")


async def check_postgres(conninfo: str) -> StoreReport:
    """Read every table of the store in PostgreSQL, and its indexes with amcheck if present."""
    report = StoreReport(store="PostgreSQL")
    try:
        async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
            await _check_migrations(conn, report)
            tables = await _tables(conn)
            for table in tables:
                try:
                    await conn.execute(sql.SQL("SELECT count(*) FROM {}").format(table))
                except psycopg.DatabaseError as error:
                    report.problems.append(f"table {table.as_string(conn)}: {error}".strip())
            report.checked.append(f"{len(tables)} tables read through")
            await _check_indexes(conn, report)
    except psycopg.OperationalError as error:
        raise ConfigError(
            "GW-STORE-OPEN", f"cannot connect to PostgreSQL: {error}".strip()
        ) from None
    return report


async def _check_migrations(conn: _Connection, report: StoreReport) -> None:
    try:
        cursor = await conn.execute("SELECT version FROM schema_version")
    except psycopg.errors.UndefinedTable:
        report.problems.append("no store here: schema_version is missing")
        return
    applied = {row[0] for row in await cursor.fetchall()}
    missing = [m.name for m in migrations("postgres") if m.version not in applied]
    if missing:
        report.problems.append(f"migrations not applied: {', '.join(missing)}")
    report.checked.append(f"{len(applied)} migrations applied")


async def _tables(conn: _Connection) -> list[sql.Composed]:
    cursor = await conn.execute(
        "SELECT table_schema, table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 2"
    )
    rows = await cursor.fetchall()
    return [sql.SQL(".").join([sql.Identifier(s), sql.Identifier(t)]) for s, t in rows]


async def _check_indexes(conn: _Connection, report: StoreReport) -> None:
    cursor = await conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'")
    if await cursor.fetchone() is None:
        report.checked.append("indexes not checked (CREATE EXTENSION amcheck to check them)")
        return
    cursor = await conn.execute(
        "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE a.amname = 'btree' AND n.nspname = current_schema()"
    )
    indexes = [str(row[0]) for row in await cursor.fetchall()]
    for index in indexes:
        try:
            await conn.execute("SELECT bt_index_check(%s::regclass, true)", (index,))
        except psycopg.DatabaseError as error:
            report.problems.append(f"index {index}: {error}".strip())
    report.checked.append(f"{len(indexes)} indexes checked with amcheck")
