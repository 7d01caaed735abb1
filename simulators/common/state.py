"""The simulators' own SQLite state: received messages, their acks and what processing did.

A `SqliteFile` of the simulators' own: every call runs on one dedicated thread so
the event loop never waits on the disk, each as one transaction. The replies queued
for the gateway are kept here too (`simulators.common.outbox`). A message id is
stored once: a duplicate gets the first acknowledgement again and is not processed
a second time.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from gateway.domain.frozen import frozen
from simulators.common.database import SqliteFile

__all__ = ["Pending", "SimDb", "from_db", "to_db"]

T = TypeVar("T")


def to_db(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_db(text: Any) -> datetime:
    return datetime.strptime(str(text), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


@frozen
class Pending:
    """A received message waiting to be processed."""

    message_id: str
    endpoint: str
    sender: str
    message_type: str
    received_at: datetime
    signed_xml: bytes
    plan: dict[str, Any] | None


class SimDb:
    """One SQLite file holding every simulated endpoint's state."""

    def __init__(self, database: SqliteFile) -> None:
        self._database = database
        self.work = asyncio.Event()  # set when a message arrives, to wake the processor

    @classmethod
    async def open(cls, path: Path) -> SimDb:
        return cls(await SqliteFile.open(path, thread_name="sim-db", create=_create_schema))

    async def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run `work` in one transaction on the database thread."""
        return await self._database.run(work)

    async def receive(
        self,
        *,
        message_id: str,
        endpoint: str,
        sender: str,
        message_type: str,
        conversation_id: str,
        received_at: datetime,
        due_at: datetime,
        ack: bytes,
        signed_xml: bytes,
        plan: dict[str, Any] | None = None,
    ) -> tuple[bool, bytes]:
        """Store a received message once. Returns (new, the acknowledgement to give)."""

        def work(db: sqlite3.Connection) -> tuple[bool, bytes]:
            inserted = db.execute(
                "INSERT INTO received (message_id, endpoint, sender, message_type,"
                " conversation_id, received_at, due_at, state, ack, signed_xml, plan)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)"
                " ON CONFLICT (message_id) DO NOTHING",
                (
                    message_id,
                    endpoint,
                    sender,
                    message_type,
                    conversation_id,
                    to_db(received_at),
                    to_db(due_at),
                    ack,
                    signed_xml,
                    None if plan is None else json.dumps(plan, sort_keys=True),
                ),
            ).rowcount
            if inserted:
                return True, ack
            row = db.execute(
                "SELECT ack FROM received WHERE message_id = ?", (message_id,)
            ).fetchone()
            return False, bytes(row["ack"])

        new, answer = await self.run(work)
        if new:
            self.work.set()
        return new, answer

    async def due(self, now: datetime, limit: int = 16) -> list[Pending]:
        def work(db: sqlite3.Connection) -> list[Pending]:
            rows = db.execute(
                "SELECT * FROM received WHERE state = 'pending' AND due_at <= ?"
                " ORDER BY due_at, received_at LIMIT ?",
                (to_db(now), limit),
            ).fetchall()
            return [
                Pending(
                    message_id=row["message_id"],
                    endpoint=row["endpoint"],
                    sender=row["sender"],
                    message_type=row["message_type"],
                    received_at=from_db(row["received_at"]),
                    signed_xml=bytes(row["signed_xml"]),
                    plan=json.loads(row["plan"]) if row["plan"] else None,
                )
                for row in rows
            ]

        return await self.run(work)

    async def next_due(self) -> datetime | None:
        def work(db: sqlite3.Connection) -> datetime | None:
            row = db.execute("SELECT min(due_at) FROM received WHERE state = 'pending'").fetchone()
            return None if row[0] is None else from_db(row[0])

        return await self.run(work)

    async def finish(
        self,
        message_id: str,
        outcome: dict[str, Any],
        effects: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        """Apply what processing decided and mark the message done, in one transaction."""

        def work(db: sqlite3.Connection) -> None:
            if effects is not None:
                effects(db)
            db.execute(
                "UPDATE received SET state = 'done', outcome = ? WHERE message_id = ?",
                (json.dumps(outcome, sort_keys=True), message_id),
            )

        await self.run(work)

    async def received(self, endpoint: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """What was received (newest first), for testers: ids, types, state and outcome."""

        def work(db: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = db.execute(
                "SELECT message_id, endpoint, sender, message_type, conversation_id,"
                " received_at, state, outcome FROM received"
                " WHERE (:endpoint IS NULL OR endpoint = :endpoint)"
                " ORDER BY received_at DESC LIMIT :limit",
                {"endpoint": endpoint, "limit": limit},
            ).fetchall()
            return [
                {**dict(row), "outcome": json.loads(row["outcome"]) if row["outcome"] else None}
                for row in rows
            ]

        return await self.run(work)

    async def close(self) -> None:
        await self._database.close()


def _create_schema(db: sqlite3.Connection) -> None:
    db.executescript(resources.files("simulators.common").joinpath("schema.sql").read_text())
