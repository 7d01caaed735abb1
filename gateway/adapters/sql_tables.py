"""The rules' tables (`gateway.broker.store_rules.Tables`) over SQL, for SQLite and
PostgreSQL alike: each operation is one statement of `sql_statements`, run by a `Session`
of the engine (`SqliteSession` on the database's thread, `ThreadSession` on the
committer's). The audit chain is appended here too, for both engines and the tracking
store."""

from __future__ import annotations

from collections.abc import Coroutine, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol, TypeVar

from gateway.adapters.sql_batches import (
    batch_from_row,
    batch_values,
    rejection_values,
)
from gateway.adapters.sql_common import (
    MESSAGE_COLUMNS,
    MUTABLE_COLUMNS,
    audit_values,
    inbound_values,
    message_from_row,
    message_values,
    submission_from_row,
    submission_values,
    token_from_row,
    token_values,
)
from gateway.adapters.sql_statements import Statements
from gateway.broker.access import ApiToken
from gateway.broker.audit import GENESIS, AuditRecord, chain
from gateway.broker.batch_records import Batch, BatchRejection
from gateway.broker.records import InboundMessage, StateChange, StoredMessage, Submission

__all__ = ["Ahead", "AuditHead", "Row", "Session", "SqlTables", "chain_audit", "run_to_end"]

T = TypeVar("T")
Row = Mapping[str, Any]
# A statement a rule begins with whose answer no write of the transaction can change (an
# insert that only asks whether its key was new), with its parameters: an engine that
# commits in groups sends it with the group's first statements (`Engine.change`).
Ahead = tuple[str, Row]


class Session(Protocol):
    """Statements run in one transaction of an engine."""

    async def rows(self, sql: str, params: Mapping[str, Any] | None = None) -> list[Row]: ...

    async def run(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        """Run a statement whose result is not needed (it may be sent with the next ones)."""
        ...

    async def run_many(self, sql: str, params: Sequence[Mapping[str, Any]]) -> None: ...

    async def rows_many(self, sql: str, params: Sequence[Mapping[str, Any]]) -> list[list[Row]]:
        """The rows each parameter set returned (`INSERT ... RETURNING` of many rows)."""
        ...


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that awaits nothing outside its tables (a rule on SQLite's thread)
    to its end, without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a unit of work on SQLite's thread waited for something else")


class SqlTables:
    """`store_rules.Tables` in one transaction of a SQL engine."""

    def __init__(
        self,
        session: Session,
        sql: Statements,
        locked: dict[str, StoredMessage | None] | None = None,
    ) -> None:
        self.session = session
        self.sql = sql
        self._to_db = sql.dialect.to_db
        self._from_db = sql.dialect.from_db
        # Message rows this transaction holds locked already (a group's, locked first in
        # one order), as they are now: `lock_message` needs no statement for them.
        self.locked = locked if locked is not None else {}
        self.records: list[AuditRecord] = []
        self.woken = False
        self.wrote = False  # a rule that raises after it wrote cannot be undone alone

    async def lock_message(self, message_id: str) -> StoredMessage | None:
        if message_id in self.locked:
            return self.locked[message_id]
        rows = await self.session.rows(self.sql.lock_message, {"message_id": message_id})
        return message_from_row(rows[0], self._from_db) if rows else None

    async def lock_due(self, *, now: datetime, peer: str | None, limit: int) -> list[StoredMessage]:
        rows = await self.session.rows(
            self.sql.due, {"now": self._to_db(now), "peer": peer, "limit": limit}
        )
        return [message_from_row(row, self._from_db) for row in rows]

    async def insert_messages(self, messages: Sequence[StoredMessage]) -> set[str]:
        self.wrote = True
        values = [message_values(m, MESSAGE_COLUMNS, self._to_db) for m in messages]
        results = await self.session.rows_many(self.sql.insert_message, values)
        return {str(row["message_id"]) for rows in results for row in rows}

    async def update_messages(self, messages: Sequence[StoredMessage]) -> None:
        self.wrote = True
        for message in messages:
            if message.message_id in self.locked:
                self.locked[message.message_id] = message
        values = [
            {**message_values(m, MUTABLE_COLUMNS, self._to_db), "message_id": m.message_id}
            for m in messages
        ]
        await self.session.run_many(self.sql.update_message, values)

    async def add_changes(self, changes: Sequence[StateChange]) -> None:
        self.wrote = True
        if changes:
            await self.session.run_many(
                self.sql.insert_change,
                [
                    {
                        "message_id": change.message_id,
                        "at": self._to_db(change.at),
                        "from_state": change.from_state.value if change.from_state else None,
                        "to_state": change.to_state.value,
                        "event": change.event.value,
                        "detail": change.detail,
                    }
                    for change in changes
                ],
            )

    async def insert_submission(self, submission: Submission) -> bool:
        self.wrote = True
        values = submission_values(submission, self._to_db)
        return bool(await self.session.rows(self.sql.insert_submission, values))

    async def submission_by_key(self, submitter: str, key: str) -> Submission | None:
        rows = await self.session.rows(
            self.sql.submission_by_key, {"submitter": submitter, "key": key}
        )
        return submission_from_row(rows[0], self._from_db) if rows else None

    async def insert_inbound(self, inbound: InboundMessage) -> bool:
        self.wrote = True
        values = inbound_values(inbound, self._to_db)
        return bool(await self.session.rows(self.sql.insert_inbound, values))

    async def insert_token(self, token: ApiToken) -> None:
        self.wrote = True
        await self.session.run(self.sql.insert_token, token_values(token, self._to_db))

    async def lock_token(self, token_id: str) -> ApiToken | None:
        rows = await self.session.rows(self.sql.lock_token, {"id": token_id})
        return token_from_row(rows[0], self._from_db) if rows else None

    async def revoke(self, token_id: str, *, at: datetime) -> None:
        self.wrote = True
        await self.session.run(self.sql.revoke_token, {"id": token_id, "at": self._to_db(at)})

    async def insert_batch(self, batch: Batch) -> bool:
        self.wrote = True
        values = batch_values(batch, self._to_db)
        return bool(await self.session.rows(self.sql.insert_batch, values))

    async def batch_by_key(self, submitter: str, key: str) -> Batch | None:
        rows = await self.session.rows(self.sql.batch_by_key, {"submitter": submitter, "key": key})
        return batch_from_row(rows[0], self._from_db) if rows else None

    async def lock_batch(self, batch_id: str) -> Batch | None:
        rows = await self.session.rows(self.sql.lock_batch, {"id": batch_id})
        return batch_from_row(rows[0], self._from_db) if rows else None

    async def update_batch(self, batch: Batch) -> None:
        self.wrote = True
        values = batch_values(batch, self._to_db)
        await self.session.run(self.sql.update_batch, values)

    async def add_rejections(self, rejections: Sequence[BatchRejection]) -> None:
        self.wrote = True
        if rejections:
            await self.session.run_many(
                self.sql.insert_rejection, [rejection_values(r) for r in rejections]
            )

    def audit(self, records: Sequence[AuditRecord]) -> None:
        self.records.extend(records)

    def wake(self) -> None:
        self.woken = True


AuditHead = tuple[int, str]  # the last entry of the chain: its seq and hash


async def chain_audit(
    session: Session,
    sql: Statements,
    records: Sequence[AuditRecord],
    *,
    head: AuditHead | None = None,
) -> AuditHead | None:
    """Append `records` to the hash chain, in one step: take the chain's lock (PostgreSQL;
    SQLite has one writer), read its head, insert the entries; the new head.

    `head`, if given, is taken as the chain's head without reading it: the head this
    writer committed last. Should another writer have appended since, the first entry's
    seq is taken already and the insert fails on the audit table's key (PostgreSQL's
    committer then runs its group again reading the head): nothing is chained to an old
    head."""
    if not records:
        return head
    if sql.audit_lock is not None:
        await session.run(sql.audit_lock)
    if head is None:
        tail = await session.rows(sql.audit_tail)
        head = (int(tail[0]["seq"]), str(tail[0]["hash"])) if tail else (0, GENESIS)
    seq, prev = head
    values = []
    for record in records:
        seq += 1
        entry = chain(record, seq=seq, prev_hash=prev)
        values.append(audit_values(entry, sql.dialect.to_db))
        prev = entry.hash
    await session.run_many(sql.insert_audit, values)
    return seq, prev
