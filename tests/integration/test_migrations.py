"""The migrations are written once for both engines (`gateway/adapters/migrations`): once
applied, SQLite and PostgreSQL hold the same tables, columns, nullability and indexes,
and differ only in the column types `DIALECT_TYPES` names."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg
from stores import POSTGRES, postgres_schema

from gateway.adapters.postgres_store import PostgresStore
from gateway.adapters.sql_common import DIALECT_TYPES, migrations
from gateway.adapters.sqlite_store import SqliteStore

Shape = dict[str, Any]

# SQLite's file of its own: which store the file holds (`sqlite_files`), not a migration's.
_SQLITE_ONLY = {"store_identity"}
# The type PostgreSQL reports for each type a migration names (information_schema).
_POSTGRES_REPORTS = {"BIGSERIAL": "bigint", "TIMESTAMPTZ": "timestamp with time zone"}


def test_every_placeholder_is_named_for_both_engines_and_nothing_is_left_in_braces() -> None:
    assert DIALECT_TYPES["sqlite"].keys() == DIALECT_TYPES["postgres"].keys()
    for dialect in DIALECT_TYPES:
        rendered = migrations(dialect)
        assert [m.version for m in rendered] == sorted({m.version for m in rendered})
        assert all("{" not in m.sql and "}" not in m.sql for m in rendered)


def _sqlite_shape(path: Path) -> Shape:
    db = sqlite3.connect(path)
    try:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        shape: Shape = {}
        for table in tables:
            columns = {
                name: {"type": kind, "nullable": not notnull and not pk}
                for _, name, kind, notnull, _, pk in db.execute(f"PRAGMA table_info({table})")
            }
            indexes = sorted(
                (name, bool(unique))
                for _, name, unique, origin, _ in db.execute(f"PRAGMA index_list({table})")
                if origin == "c"  # written in a migration, not made for a constraint
            )
            shape[table] = {"columns": columns, "indexes": indexes}
        return shape
    finally:
        db.close()


def _postgres_shape(schema: str) -> Shape:
    with psycopg.connect(POSTGRES) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name, data_type, is_nullable FROM"
            " information_schema.columns WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        indexes = conn.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s",
            (schema,),
        ).fetchall()
        constraints = {
            row[0]
            for row in conn.execute(
                "SELECT conname FROM pg_constraint c JOIN pg_namespace n"
                " ON n.oid = c.connamespace WHERE n.nspname = %s",
                (schema,),
            )
        }
    shape: Shape = {}
    for table, column, kind, nullable in columns:
        entry = shape.setdefault(table, {"columns": {}, "indexes": []})
        entry["columns"][column] = {"type": kind, "nullable": nullable == "YES"}
    for table, name, definition in indexes:
        if name not in constraints:  # written in a migration, not made for a constraint
            shape[table]["indexes"].append((name, definition.startswith("CREATE UNIQUE")))
    for entry in shape.values():
        entry["indexes"].sort()
    return shape


def _expected_postgres_type(sqlite_type: str) -> set[str]:
    """What PostgreSQL may report for a column SQLite reports as `sqlite_type`."""
    named = {
        pg
        for key, lite in DIALECT_TYPES["sqlite"].items()
        if lite.split()[0] == sqlite_type
        for pg in [DIALECT_TYPES["postgres"][key].split()[0]]
    }
    reported = {_POSTGRES_REPORTS.get(kind, kind.lower()) for kind in named}
    return reported | {sqlite_type.lower()}  # a type both engines share, written as it is


async def test_both_engines_hold_the_same_tables_columns_and_indexes(tmp_path: Path) -> None:
    sqlite_store = await SqliteStore.open(tmp_path / "gateway.sqlite3")
    await sqlite_store.close()
    async with postgres_schema() as schema:
        postgres_store = await PostgresStore.open(POSTGRES, schema=schema)
        await postgres_store.close()
        postgres = _postgres_shape(schema)
    sqlite = {
        table: shape
        for table, shape in _sqlite_shape(tmp_path / "gateway.sqlite3").items()
        if table not in _SQLITE_ONLY
    }

    assert sorted(sqlite) == sorted(postgres)
    assert len(sqlite) >= 10  # every migration ran (messages, audit, cases, batches...)
    for table, lite in sqlite.items():
        pg = postgres[table]
        assert lite["indexes"] == pg["indexes"], table
        assert sorted(lite["columns"]) == sorted(pg["columns"]), table
        for column, facts in lite["columns"].items():
            where = f"{table}.{column}"
            assert facts["nullable"] == pg["columns"][column]["nullable"], where
            assert pg["columns"][column]["type"] in _expected_postgres_type(facts["type"]), where
