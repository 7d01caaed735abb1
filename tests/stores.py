"""Opening each message store for tests: a fresh database or schema per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from gateway.adapters.postgres_store import PostgresStore
from gateway.adapters.sqlite_store import SqliteStore
from gateway.ports import MessageStore
from gateway.testing import InMemoryStore

POSTGRES = os.environ.get(
    "EUGW_TEST_POSTGRES", "host=127.0.0.1 port=5432 user=postgres dbname=test"
)
KINDS = ("memory", "sqlite", "postgres")
DURABLE = ("sqlite", "postgres")


@asynccontextmanager
async def postgres_schema() -> AsyncIterator[str]:
    """A schema of its own for one test, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        yield schema
    finally:
        async with await psycopg.AsyncConnection.connect(POSTGRES, autocommit=True) as conn:
            await conn.execute(
                sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            )


@asynccontextmanager
async def postgres_url() -> AsyncIterator[str]:
    """The URL of a fresh PostgreSQL schema, for a gateway configured by `database_url`."""
    async with postgres_schema() as schema:
        async with await psycopg.AsyncConnection.connect(POSTGRES, autocommit=True) as conn:
            await conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        yield f"postgresql://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{schema}"


class StoreFactory:
    """Opens stores of one kind on the same data, as separate processes would."""

    def __init__(self, kind: str, directory: Path, schema: str) -> None:
        self.kind = kind
        self.sqlite_path = directory / "gateway.sqlite3"
        self.schema = schema
        self._memory = InMemoryStore()
        self._opened: list[MessageStore] = []

    async def open(self) -> MessageStore:
        store: MessageStore
        if self.kind == "memory":
            store = self._memory
        elif self.kind == "sqlite":
            store = await SqliteStore.open(self.sqlite_path)
        else:
            store = await PostgresStore.open(POSTGRES, schema=self.schema)
        self._opened.append(store)
        return store

    async def close_all(self) -> None:
        for store in self._opened:
            await store.close()
        self._opened.clear()


@asynccontextmanager
async def store_factory(kind: str, directory: Path) -> AsyncIterator[StoreFactory]:
    async with postgres_schema() as schema:
        factory = StoreFactory(kind, directory, schema)
        try:
            yield factory
        finally:
            await factory.close_all()
