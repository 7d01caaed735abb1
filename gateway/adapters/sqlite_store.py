"""The embedded message store: SQLite in WAL mode, a file in the data directory.

sqlite3 blocks, so every call runs on one dedicated thread: the event loop
never waits on the disk, and one connection serialises the transactions.
Writers use `BEGIN IMMEDIATE` so a claim and its state change are one unit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from gateway.adapters.sql_batches import (
    BATCH_COLUMNS,
    batch_from_row,
    batch_values,
    rejection_from_row,
    rejection_values,
)
from gateway.adapters.sql_common import (
    AUDIT_INSERT_COLUMNS,
    BLOCKING_STATES,
    INBOUND_COLUMNS,
    MESSAGE_COLUMNS,
    MUTABLE_COLUMNS,
    PURGEABLE_STATES,
    SUBMISSION_COLUMNS,
    audit_from_row,
    audit_kind,
    audit_values,
    inbound_from_row,
    inbound_values,
    message_from_row,
    message_values,
    state_change_from_row,
    submission_from_row,
    submission_values,
    token_from_row,
    token_values,
)
from gateway.adapters.sqlite_db import SqliteDatabase
from gateway.broker.access import ApiToken
from gateway.broker.audit import (
    GENESIS,
    AuditEntry,
    AuditRecord,
    chain,
    change_audit,
    inbound_audit,
    submission_audit,
    token_audit,
)
from gateway.broker.batch_records import Batch, BatchProgress, BatchRejection, BatchState
from gateway.broker.lifecycle import UnknownMessageError, apply_event, arrive
from gateway.broker.records import (
    InboundMessage,
    NewMessage,
    Receipt,
    StateChange,
    StoredMessage,
    Submission,
)
from gateway.broker.states import TRANSITIONS, Event, MessageState
from gateway.ports import AuditFilter, InboundFilter, MessageFilter

__all__ = ["SqliteStore"]

T = TypeVar("T")


def _to_db(moment: datetime) -> str:
    # One fixed format in UTC, so text order is time order.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _from_db(text: Any) -> datetime:
    return datetime.fromisoformat(str(text))  # the format above, with its Z: aware, in UTC


_INSERT_MESSAGE = (
    f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) "
    f"VALUES ({', '.join(':' + column for column in MESSAGE_COLUMNS)}) "
    "ON CONFLICT (message_id) DO NOTHING"
)
_UPDATE_MESSAGE = (
    f"UPDATE messages SET {', '.join(f'{column} = :{column}' for column in MUTABLE_COLUMNS)} "
    "WHERE message_id = :message_id"
)
_INSERT_CHANGE = (
    "INSERT INTO state_changes (message_id, at, from_state, to_state, event, detail) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_SUBMISSION = (
    f"INSERT INTO submissions ({', '.join(SUBMISSION_COLUMNS)}) "
    f"VALUES ({', '.join(':' + column for column in SUBMISSION_COLUMNS)}) "
    "ON CONFLICT (submitter, idempotency_key) DO NOTHING"
)
_INSERT_INBOUND = (
    f"INSERT INTO inbound ({', '.join(INBOUND_COLUMNS)}) "
    f"VALUES ({', '.join(':' + column for column in INBOUND_COLUMNS)}) "
    "ON CONFLICT (message_id) DO NOTHING"
)
_INSERT_AUDIT = (
    f"INSERT INTO audit ({', '.join(AUDIT_INSERT_COLUMNS)}) "
    f"VALUES ({', '.join(':' + column for column in AUDIT_INSERT_COLUMNS)})"
)
_BLOCKING = ", ".join(f"'{state}'" for state in BLOCKING_STATES)
_DUE = f"""
SELECT * FROM messages AS m
WHERE (m.state = 'queued'
       OR (m.state = 'retry_wait' AND m.next_attempt_at <= :now)
       OR (m.state = 'sending' AND m.lease_until <= :now))
  AND (:peer IS NULL OR m.peer = :peer)
  AND (m.order_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM messages AS e
        WHERE e.order_key = m.order_key AND e.seq < m.seq AND e.state IN ({_BLOCKING})))
ORDER BY m.seq
LIMIT :limit
"""


class SqliteStore:
    """A `MessageStore` in one SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        self._work = asyncio.Event()  # in-process wake-up: one process uses this store

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        """Open (creating if needed) the database and apply pending migrations."""
        return cls(await SqliteDatabase.open(path, thread_name="sqlite-store"))

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await self._database.run(work)

    async def enqueue(self, messages: Sequence[NewMessage], *, at: datetime) -> list[str]:
        new = await self._run(lambda db: _enqueue(db, messages, at))
        if new:
            self._work.set()
        return new

    async def submit(self, submission: Submission, messages: Sequence[NewMessage]) -> Submission:
        def work(db: sqlite3.Connection) -> tuple[Submission, list[str]]:
            inserted = db.execute(_INSERT_SUBMISSION, submission_values(submission, _to_db))
            if inserted.rowcount:
                _audit(db, [submission_audit(submission)])
                return submission, _enqueue(db, messages, submission.created_at)
            earlier = _submission_by_key(db, submission.submitter, submission.idempotency_key)
            if earlier is None:
                raise UnknownMessageError(
                    submission.submission_id
                )  # cannot happen in one transaction
            return earlier, []

        stored, new = await self._run(work)
        if new:
            self._work.set()
        return stored

    async def submission(self, submission_id: str) -> Submission | None:
        def work(db: sqlite3.Connection) -> Submission | None:
            row = db.execute(
                "SELECT * FROM submissions WHERE submission_id = ?", (submission_id,)
            ).fetchone()
            return None if row is None else submission_from_row(row, _from_db)

        return await self._run(work)

    async def submission_by_key(self, submitter: str, idempotency_key: str) -> Submission | None:
        return await self._run(lambda db: _submission_by_key(db, submitter, idempotency_key))

    async def add_token(self, token: ApiToken, *, actor: str = "admin") -> None:
        values = token_values(token, _to_db)
        columns = ", ".join(values)
        placeholders = ", ".join(f":{column}" for column in values)

        def work(db: sqlite3.Connection) -> None:
            db.execute(f"INSERT INTO api_tokens ({columns}) VALUES ({placeholders})", values)
            _audit(db, [token_audit(token, "created", token.created_at, actor)])

        await self._run(work)

    async def token_by_digest(self, digest: str) -> ApiToken | None:
        def work(db: sqlite3.Connection) -> ApiToken | None:
            row = db.execute("SELECT * FROM api_tokens WHERE digest = ?", (digest,)).fetchone()
            return None if row is None else token_from_row(row, _from_db)

        return await self._run(work)

    async def tokens(self) -> list[ApiToken]:
        def work(db: sqlite3.Connection) -> list[ApiToken]:
            rows = db.execute("SELECT * FROM api_tokens ORDER BY created_at, token_id")
            return [token_from_row(row, _from_db) for row in rows.fetchall()]

        return await self._run(work)

    async def revoke_token(self, token_id: str, *, at: datetime, actor: str = "admin") -> bool:
        def work(db: sqlite3.Connection) -> bool:
            row = db.execute("SELECT * FROM api_tokens WHERE token_id = ?", (token_id,)).fetchone()
            if row is None:
                return False
            token = token_from_row(row, _from_db)
            if token.revoked_at is None:
                db.execute(
                    "UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?",
                    (_to_db(at), token_id),
                )
                _audit(db, [token_audit(token, "revoked", at, actor)])
            return True

        return await self._run(work)

    async def receive(self, inbound: InboundMessage, *, effect: Event | None) -> Receipt:
        def work(db: sqlite3.Connection) -> Receipt:
            new = bool(db.execute(_INSERT_INBOUND, inbound_values(inbound, _to_db)).rowcount)
            if new:
                _audit(db, [inbound_audit(inbound)])
            row = db.execute(
                "SELECT * FROM messages WHERE message_id = ?", (inbound.correlation_id,)
            ).fetchone()
            if row is None:
                return Receipt(new=new, correlated=None)
            if not new:  # seen before: nothing changes; the caller may act on it again
                return Receipt(new=False, correlated=message_from_row(row, _from_db))
            outbound = message_from_row(row, _from_db)
            if effect is not None and (outbound.state, effect) in TRANSITIONS:
                outbound = _apply(
                    db, outbound, effect, at=inbound.received_at, detail=inbound.message_id
                )
            return Receipt(new=True, correlated=outbound)

        return await self._run(work)

    async def inbound(self, message_id: str) -> InboundMessage | None:
        def work(db: sqlite3.Connection) -> InboundMessage | None:
            row = db.execute("SELECT * FROM inbound WHERE message_id = ?", (message_id,)).fetchone()
            return None if row is None else inbound_from_row(row, _from_db)

        return await self._run(work)

    async def find_inbound(self, query: InboundFilter) -> list[InboundMessage]:
        def work(db: sqlite3.Connection) -> list[InboundMessage]:
            rows = db.execute(
                "SELECT * FROM inbound WHERE (:peer IS NULL OR peer = :peer)"
                " AND (:type IS NULL OR message_type = :type)"
                " AND (:conversation IS NULL OR conversation_id = :conversation)"
                " AND (:ids IS NULL OR correlation_id IN (SELECT value FROM json_each(:ids)))"
                " AND (:since IS NULL OR received_at >= :since)"
                " AND (:until IS NULL OR received_at < :until)"
                " ORDER BY received_at DESC, message_id DESC LIMIT :limit OFFSET :offset",
                {
                    "peer": query.peer,
                    "type": query.message_type,
                    "conversation": query.conversation_id,
                    "ids": None
                    if query.correlation_ids is None
                    else json.dumps(list(query.correlation_ids)),
                    "since": _to_db(query.since) if query.since else None,
                    "until": _to_db(query.until) if query.until else None,
                    "limit": query.limit,
                    "offset": query.offset,
                },
            )
            return [inbound_from_row(row, _from_db) for row in rows.fetchall()]

        return await self._run(work)

    async def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int, peer: str | None = None
    ) -> list[StoredMessage]:
        def work(db: sqlite3.Connection) -> list[StoredMessage]:
            rows = db.execute(_DUE, {"now": _to_db(now), "peer": peer, "limit": limit})
            claimed = []
            for row in rows.fetchall():
                message = message_from_row(row, _from_db)
                if message.state is MessageState.SENDING:
                    message = _apply(
                        db, message, Event.LEASE_EXPIRED, at=now, detail="lease expired"
                    )
                claimed.append(
                    _apply(db, message, Event.CLAIM, at=now, worker=worker, lease_until=now + lease)
                )
            return claimed

        return await self._run(work)

    async def record(
        self,
        message_id: str,
        event: Event,
        *,
        at: datetime,
        worker: str | None = None,
        retry_at: datetime | None = None,
        detail: str = "",
        actor: str = "gateway",
    ) -> StoredMessage:
        def work(db: sqlite3.Connection) -> StoredMessage:
            row = db.execute(
                "SELECT * FROM messages WHERE message_id = ?", (message_id,)
            ).fetchone()
            if row is None:
                raise UnknownMessageError(message_id)
            message = message_from_row(row, _from_db)
            return _apply(
                db,
                message,
                event,
                at=at,
                worker=worker,
                retry_at=retry_at,
                detail=detail,
                actor=actor,
            )

        updated = await self._run(work)
        if updated.state is MessageState.QUEUED:
            self._work.set()
        return updated

    async def get(self, message_id: str) -> StoredMessage | None:
        def work(db: sqlite3.Connection) -> StoredMessage | None:
            row = db.execute(
                "SELECT * FROM messages WHERE message_id = ?", (message_id,)
            ).fetchone()
            return None if row is None else message_from_row(row, _from_db)

        return await self._run(work)

    async def timeline(self, message_id: str) -> list[StateChange]:
        def work(db: sqlite3.Connection) -> list[StateChange]:
            rows = db.execute(
                "SELECT * FROM state_changes WHERE message_id = ? ORDER BY id", (message_id,)
            )
            return [state_change_from_row(row, _from_db) for row in rows.fetchall()]

        return await self._run(work)

    async def find(self, query: MessageFilter) -> list[StoredMessage]:
        def work(db: sqlite3.Connection) -> list[StoredMessage]:
            rows = db.execute(
                "SELECT * FROM messages WHERE (:state IS NULL OR state = :state)"
                " AND (:peer IS NULL OR peer = :peer)"
                " AND (:reference IS NULL OR reference = :reference)"
                " AND (:conversation IS NULL OR conversation_id = :conversation)"
                " AND (:since IS NULL OR created_at >= :since)"
                " AND (:until IS NULL OR created_at < :until)"
                " AND (:type IS NULL OR message_type = :type)"
                " ORDER BY seq DESC LIMIT :limit OFFSET :offset",
                {
                    "state": query.state.value if query.state else None,
                    "peer": query.peer,
                    "reference": query.reference,
                    "conversation": query.conversation_id,
                    "since": _to_db(query.since) if query.since else None,
                    "until": _to_db(query.until) if query.until else None,
                    "type": query.message_type,
                    "limit": query.limit,
                    "offset": query.offset,
                },
            )
            return [message_from_row(row, _from_db) for row in rows.fetchall()]

        return await self._run(work)

    async def oldest_waiting(self) -> dict[str, datetime]:
        def work(db: sqlite3.Connection) -> dict[str, datetime]:
            rows = db.execute(
                "SELECT peer, min(created_at) FROM messages"
                " WHERE state IN ('queued', 'sending', 'retry_wait') GROUP BY peer"
            )
            return {peer: _from_db(oldest) for peer, oldest in rows.fetchall()}

        return await self._run(work)

    async def counts(self) -> dict[tuple[str, MessageState], int]:
        def work(db: sqlite3.Connection) -> dict[tuple[str, MessageState], int]:
            rows = db.execute("SELECT peer, state, count(*) FROM messages GROUP BY peer, state")
            return {(peer, MessageState(state)): count for peer, state, count in rows.fetchall()}

        return await self._run(work)

    async def purge_bodies(self, *, updated_before: datetime) -> int:
        states = ", ".join(f"'{state}'" for state in PURGEABLE_STATES)

        def work(db: sqlite3.Connection) -> int:
            cursor = db.execute(
                "UPDATE messages SET body = NULL WHERE body IS NOT NULL"
                f" AND state IN ({states}) AND updated_at < ?",
                (_to_db(updated_before),),
            )
            return cursor.rowcount

        return await self._run(work)

    async def next_due(self, *, peer: str | None = None) -> datetime | None:
        def work(db: sqlite3.Connection) -> datetime | None:
            row = db.execute(
                "SELECT min(CASE state WHEN 'retry_wait' THEN next_attempt_at"
                " ELSE lease_until END) FROM messages"
                " WHERE state IN ('retry_wait', 'sending') AND (:peer IS NULL OR peer = :peer)",
                {"peer": peer},
            ).fetchone()
            return None if row[0] is None else _from_db(row[0])

        return await self._run(work)

    async def wait_for_work(self, *, at_most: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(at_most):
                await self._work.wait()
        self._work.clear()

    async def append_audit(self, records: Sequence[AuditRecord]) -> None:
        await self._run(lambda db: _audit(db, records))

    async def audit_entries(self, *, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
        def work(db: sqlite3.Connection) -> list[AuditEntry]:
            rows = db.execute(
                "SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            )
            return [audit_from_row(row, _from_db) for row in rows.fetchall()]

        return await self._run(work)

    async def find_audit(self, query: AuditFilter) -> list[AuditEntry]:
        exact, prefix = audit_kind(query)

        def work(db: sqlite3.Connection) -> list[AuditEntry]:
            rows = db.execute(
                "SELECT * FROM audit WHERE (:kind IS NULL OR kind = :kind)"
                " AND (:prefix IS NULL OR kind LIKE :prefix ESCAPE '\\')"
                " AND (:actor IS NULL OR actor = :actor)"
                " AND (:subject IS NULL OR subject = :subject)"
                " AND (:since IS NULL OR at >= :since)"
                " AND (:until IS NULL OR at < :until)"
                " AND (:before IS NULL OR seq < :before)"
                " ORDER BY seq DESC LIMIT :limit",
                {
                    "kind": exact,
                    "prefix": prefix,
                    "actor": query.actor,
                    "subject": query.subject,
                    "since": _to_db(query.since) if query.since else None,
                    "until": _to_db(query.until) if query.until else None,
                    "before": query.before,
                    "limit": query.limit,
                },
            )
            return [audit_from_row(row, _from_db) for row in rows.fetchall()]

        return await self._run(work)

    async def audit_head(self) -> AuditEntry | None:
        def work(db: sqlite3.Connection) -> AuditEntry | None:
            row = db.execute("SELECT * FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            return None if row is None else audit_from_row(row, _from_db)

        return await self._run(work)

    async def check(self) -> None:
        await self._database.check()

    async def close(self) -> None:
        await self._database.close()

    # Batch uploads (migration 030).

    async def create_batch(self, batch: Batch) -> Batch:
        def work(db: sqlite3.Connection) -> Batch:
            if db.execute(_INSERT_BATCH, batch_values(batch, _to_db)).rowcount:
                return batch
            row = db.execute(
                "SELECT * FROM batches WHERE submitter = ? AND idempotency_key = ?",
                (batch.submitter, batch.idempotency_key),
            ).fetchone()
            return batch_from_row(row, _from_db)

        return await self._run(work)

    async def batch(self, batch_id: str) -> Batch | None:
        return await self._run(lambda db: _batch(db, batch_id))

    async def advance_batch(
        self,
        batch_id: str,
        progress: BatchProgress,
        messages: Sequence[NewMessage],
        *,
        at: datetime,
    ) -> Batch:
        def work(db: sqlite3.Connection) -> tuple[Batch, list[str]]:
            if _batch(db, batch_id) is None:
                raise UnknownMessageError(batch_id)
            new = _enqueue(db, messages, at)
            db.executemany(_INSERT_REJECTION, [rejection_values(r) for r in progress.rejections])
            db.execute(
                "UPDATE batches SET total = total + ?, mapped = mapped + ?,"
                " rejected = rejected + ?, queued = queued + ?, updated_at = ?"
                " WHERE batch_id = ?",
                (
                    progress.read,
                    progress.mapped,
                    len(progress.rejections),
                    len(new),
                    _to_db(at),
                    batch_id,
                ),
            )
            return _batch(db, batch_id), new  # type: ignore[return-value]  # found above

        updated, new = await self._run(work)
        if new:
            self._work.set()
        return updated

    async def finish_batch(
        self, batch_id: str, state: BatchState, *, at: datetime, error: str = ""
    ) -> Batch:
        def work(db: sqlite3.Connection) -> Batch:
            db.execute(
                "UPDATE batches SET state = ?, error = ?, updated_at = ? WHERE batch_id = ?",
                (state.value, error, _to_db(at), batch_id),
            )
            found = _batch(db, batch_id)
            if found is None:
                raise UnknownMessageError(batch_id)
            return found

        return await self._run(work)

    async def batch_rejections(
        self, batch_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[BatchRejection]:
        def work(db: sqlite3.Connection) -> list[BatchRejection]:
            rows = db.execute(
                "SELECT * FROM batch_rejections WHERE batch_id = ? ORDER BY record"
                " LIMIT ? OFFSET ?",
                (batch_id, limit, offset),
            )
            return [rejection_from_row(row) for row in rows.fetchall()]

        return await self._run(work)

    async def stale_batches(self, *, updated_before: datetime) -> list[Batch]:
        def work(db: sqlite3.Connection) -> list[Batch]:
            rows = db.execute(
                "SELECT * FROM batches WHERE state = 'running' AND updated_at < ?"
                " ORDER BY created_at",
                (_to_db(updated_before),),
            )
            return [batch_from_row(row, _from_db) for row in rows.fetchall()]

        return await self._run(work)

    async def take_over_batch(self, batch_id: str, *, seen: datetime, at: datetime) -> Batch | None:
        def work(db: sqlite3.Connection) -> Batch | None:
            taken = db.execute(
                "UPDATE batches SET updated_at = ? WHERE batch_id = ? AND state = 'running'"
                " AND updated_at = ?",
                (_to_db(at), batch_id, _to_db(seen)),
            ).rowcount
            return _batch(db, batch_id) if taken else None

        return await self._run(work)


_INSERT_BATCH = (
    f"INSERT INTO batches ({', '.join(BATCH_COLUMNS)}) "
    f"VALUES ({', '.join(':' + column for column in BATCH_COLUMNS)}) "
    "ON CONFLICT (submitter, idempotency_key) DO NOTHING"
)
_INSERT_REJECTION = (
    "INSERT INTO batch_rejections (batch_id, record, line, problems)"
    " VALUES (:batch_id, :record, :line, :problems) ON CONFLICT DO NOTHING"
)


def _batch(db: sqlite3.Connection, batch_id: str) -> Batch | None:
    row = db.execute("SELECT * FROM batches WHERE batch_id = ?", (batch_id,)).fetchone()
    return None if row is None else batch_from_row(row, _from_db)


def _submission_by_key(db: sqlite3.Connection, submitter: str, key: str) -> Submission | None:
    row = db.execute(
        "SELECT * FROM submissions WHERE submitter = ? AND idempotency_key = ?", (submitter, key)
    ).fetchone()
    return None if row is None else submission_from_row(row, _from_db)


def _enqueue(db: sqlite3.Connection, messages: Sequence[NewMessage], at: datetime) -> list[str]:
    new = []
    for message in messages:
        stored, changes = arrive(message, at=at)
        if db.execute(_INSERT_MESSAGE, message_values(stored, MESSAGE_COLUMNS, _to_db)).rowcount:
            _write_changes(db, changes)
            new.append(message.message_id)
    return new


def _apply(
    db: sqlite3.Connection,
    message: StoredMessage,
    event: Event,
    *,
    at: datetime,
    worker: str | None = None,
    lease_until: datetime | None = None,
    retry_at: datetime | None = None,
    detail: str = "",
    actor: str = "gateway",
) -> StoredMessage:
    updated, change = apply_event(
        message,
        event,
        at=at,
        worker=worker,
        lease_until=lease_until,
        retry_at=retry_at,
        detail=detail,
        actor=actor,
    )
    values = message_values(updated, MUTABLE_COLUMNS, _to_db)
    db.execute(_UPDATE_MESSAGE, {**values, "message_id": message.message_id})
    _write_changes(db, [change])
    return updated


def _audit(db: sqlite3.Connection, records: Sequence[AuditRecord]) -> None:
    """Append to the hash chain (SQLite has one writer at a time: no race on the head)."""
    row = db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (row[0], row[1]) if row else (0, GENESIS)
    for record in records:
        seq += 1
        entry = chain(record, seq=seq, prev_hash=prev)
        db.execute(_INSERT_AUDIT, audit_values(entry, _to_db))
        prev = entry.hash


def _write_changes(db: sqlite3.Connection, changes: Sequence[StateChange]) -> None:
    db.executemany(
        _INSERT_CHANGE,
        [
            (
                change.message_id,
                _to_db(change.at),
                change.from_state.value if change.from_state else None,
                change.to_state.value,
                change.event.value,
                change.detail,
            )
            for change in changes
        ],
    )
    _audit(db, [change_audit(change) for change in changes])
