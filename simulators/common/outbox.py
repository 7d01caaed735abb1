"""The simulators' outbox: signed messages for the gateway, kept in their SQLite state until
the gateway acknowledges them, with when each is due and how its last attempt went.

States: `queued` (never tried), `retry_wait` (tried, due again at `due_at`),
`acknowledged` and `dead` (refused by the gateway, or out of attempts). A message
with an order key is not due while an earlier one of that key is still waiting.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from datetime import datetime

from gateway.domain.frozen import frozen
from simulators.common.state import SimDb, from_db, to_db

__all__ = ["Outbox", "OutboxEntry", "Queued"]

# Waiting, and not behind an earlier waiting message of its order key.
_DUE = (
    "SELECT * FROM outbox AS o WHERE state IN ('queued', 'retry_wait') AND (order_key IS NULL"
    " OR seq = (SELECT MIN(seq) FROM outbox AS e WHERE e.order_key = o.order_key"
    " AND e.state IN ('queued', 'retry_wait'))) AND due_at <= ? ORDER BY seq LIMIT ?"
)
_NEXT = (
    "SELECT message_id, due_at FROM outbox AS o WHERE state IN ('queued', 'retry_wait')"
    " AND (order_key IS NULL OR seq = (SELECT MIN(seq) FROM outbox AS e"
    " WHERE e.order_key = o.order_key AND e.state IN ('queued', 'retry_wait')))"
    " ORDER BY due_at LIMIT ?"
)


@frozen
class Queued:
    """A message to queue."""

    message_id: str
    route: str
    message_type: str
    body: bytes
    order_key: str | None = None


@frozen
class OutboxEntry:
    message_id: str
    route: str
    message_type: str
    state: str
    attempts: int
    first_attempt_at: datetime | None
    last_error: str | None
    body: bytes


class Outbox:
    """The `outbox` table of a `SimDb`."""

    def __init__(self, db: SimDb) -> None:
        self.db = db

    async def put(self, messages: Sequence[Queued], *, now: datetime) -> None:
        """Queue `messages` in this order (a message id already queued is left as it is)."""
        rows = [
            (m.message_id, m.route, m.message_type, m.order_key, m.body, to_db(now), to_db(now))
            for m in messages
        ]

        def work(db: sqlite3.Connection) -> None:
            db.executemany(
                "INSERT OR IGNORE INTO outbox (message_id, route, message_type, order_key, body,"
                " state, due_at, updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)",
                rows,
            )

        await self.db.run(work)

    async def due(
        self, *, now: datetime, limit: int, busy: Collection[str] = ()
    ) -> list[OutboxEntry]:
        """Up to `limit` messages due at `now`, oldest first, none of those in `busy`."""

        def work(db: sqlite3.Connection) -> list[OutboxEntry]:
            rows = db.execute(_DUE, (to_db(now), limit + len(busy))).fetchall()
            return [_entry(row) for row in rows if row["message_id"] not in busy][:limit]

        return await self.db.run(work)

    async def next_due(self, *, busy: Collection[str] = ()) -> datetime | None:
        """When the first message that may go next is due, but those in `busy` (None: none)."""

        def work(db: sqlite3.Connection) -> list[sqlite3.Row]:
            return db.execute(_NEXT, (len(busy) + 1,)).fetchall()

        rows = [row for row in await self.db.run(work) if row["message_id"] not in busy]
        return from_db(rows[0]["due_at"]) if rows else None

    async def record(
        self,
        message_id: str,
        state: str,
        *,
        now: datetime,
        due_at: datetime | None = None,
        error: str | None = None,
    ) -> None:
        """One attempt's outcome: `acknowledged`, `dead`, or `retry_wait` at `due_at`."""

        def work(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1,"
                " first_attempt_at = COALESCE(first_attempt_at, ?), due_at = ?,"
                " last_error = COALESCE(?, last_error), updated_at = ? WHERE message_id = ?",
                (
                    state,
                    to_db(now),
                    to_db(due_at or now),
                    error,
                    to_db(now),
                    message_id,
                ),
            )

        await self.db.run(work)

    async def get(self, message_id: str) -> OutboxEntry | None:
        rows = await self.db.run(
            lambda db: db.execute(
                "SELECT * FROM outbox WHERE message_id = ?", (message_id,)
            ).fetchall()
        )
        return _entry(rows[0]) if rows else None

    async def entries(self) -> list[OutboxEntry]:
        """Every message of the outbox, oldest first."""
        rows = await self.db.run(
            lambda db: db.execute("SELECT * FROM outbox ORDER BY seq").fetchall()
        )
        return [_entry(row) for row in rows]

    async def counts(self) -> dict[tuple[str, str], int]:
        """How many messages each route has in each state."""
        rows = await self.db.run(
            lambda db: db.execute(
                "SELECT route, state, COUNT(*) FROM outbox GROUP BY route, state ORDER BY 1, 2"
            ).fetchall()
        )
        return {(str(route), str(state)): int(n) for route, state, n in rows}


def _entry(row: sqlite3.Row) -> OutboxEntry:
    first = row["first_attempt_at"]
    return OutboxEntry(
        message_id=row["message_id"],
        route=row["route"],
        message_type=row["message_type"],
        state=row["state"],
        attempts=int(row["attempts"]),
        first_attempt_at=None if first is None else from_db(first),
        last_error=row["last_error"],
        body=bytes(row["body"]),
    )
