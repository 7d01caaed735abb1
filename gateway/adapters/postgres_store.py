"""The shared message store: PostgreSQL, for several gateway processes.

Rows are claimed with `FOR UPDATE SKIP LOCKED`, so workers in different
processes never take the same message; `NOTIFY eugw_outbox` wakes them when
work arrives. Migrations are the `.sql` files in `postgres/`, applied at
start under an advisory lock and recorded in `schema_version`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import psycopg

from gateway.adapters.postgres_db import Connection, PostgresDatabase, audit
from gateway.adapters.sql_batches import (
    BATCH_COLUMNS,
    batch_from_row,
    batch_values,
    rejection_from_row,
    rejection_values,
)
from gateway.adapters.sql_common import (
    BLOCKING_STATES,
    INBOUND_COLUMNS,
    MESSAGE_COLUMNS,
    MUTABLE_COLUMNS,
    PURGEABLE_STATES,
    SUBMISSION_COLUMNS,
    audit_from_row,
    audit_kind,
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
from gateway.broker.access import ApiToken
from gateway.broker.audit import (
    AuditEntry,
    AuditRecord,
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
from gateway.errors import TransportError
from gateway.ports import AuditFilter, InboundFilter, MessageFilter

__all__ = ["PostgresStore"]

T = TypeVar("T")
CHANNEL = "eugw_outbox"
_audit = audit  # the name the tracking store imports


def _same(moment: Any) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a timestamp, got {type(moment).__name__}")
    return moment


def _keep(moment: datetime) -> datetime:
    return moment


_INSERT_MESSAGE = (
    f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) "
    f"VALUES ({', '.join(f'%({column})s' for column in MESSAGE_COLUMNS)}) "
    "ON CONFLICT (message_id) DO NOTHING"
)
_UPDATE_MESSAGE = (
    f"UPDATE messages SET {', '.join(f'{column} = %({column})s' for column in MUTABLE_COLUMNS)} "
    "WHERE message_id = %(message_id)s"
)
_INSERT_CHANGE = (
    "INSERT INTO state_changes (message_id, at, from_state, to_state, event, detail) "
    "VALUES (%s, %s, %s, %s, %s, %s)"
)
_INSERT_SUBMISSION = (
    f"INSERT INTO submissions ({', '.join(SUBMISSION_COLUMNS)}) "
    f"VALUES ({', '.join(f'%({column})s' for column in SUBMISSION_COLUMNS)}) "
    "ON CONFLICT (submitter, idempotency_key) DO NOTHING"
)
_INSERT_INBOUND = (
    f"INSERT INTO inbound ({', '.join(INBOUND_COLUMNS)}) "
    f"VALUES ({', '.join(f'%({column})s' for column in INBOUND_COLUMNS)}) "
    "ON CONFLICT (message_id) DO NOTHING"
)
_DUE = """
SELECT * FROM messages AS m
WHERE (m.state = 'queued'
       OR (m.state = 'retry_wait' AND m.next_attempt_at <= %(now)s)
       OR (m.state = 'sending' AND m.lease_until <= %(now)s))
  AND (%(peer)s::text IS NULL OR m.peer = %(peer)s)
  AND (m.order_key IS NULL OR NOT EXISTS (
        SELECT 1 FROM messages AS e
        WHERE e.order_key = m.order_key AND e.seq < m.seq AND e.state = ANY(%(blocking)s)))
ORDER BY m.seq
LIMIT %(limit)s
FOR UPDATE OF m SKIP LOCKED
"""


class PostgresStore:
    """A `MessageStore` in a PostgreSQL database (optionally in its own schema)."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database
        self._work = asyncio.Event()
        self._listener: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, conninfo: str, *, schema: str | None = None) -> PostgresStore:
        """Connect, create `schema` if given, and apply pending migrations."""
        store = cls(await PostgresDatabase.open(conninfo, schema=schema))
        store._listener = asyncio.create_task(store._listen(), name="postgres-store-listen")
        return store

    async def _transaction(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        return await self._database.transaction(work)

    async def _listen(self) -> None:
        """Set the work event whenever any process announces work."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self._database.conninfo, autocommit=True
                ) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    self._work.set()  # something may have arrived while we were not listening
                    async for _ in conn.notifies():
                        self._work.set()
            except psycopg.Error:
                await asyncio.sleep(1)  # the database went away; polling covers the gap

    async def wait_for_work(self, *, at_most: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(at_most):
                await self._work.wait()
        self._work.clear()

    async def enqueue(self, messages: Sequence[NewMessage], *, at: datetime) -> list[str]:
        return await self._transaction(lambda conn: _enqueue(conn, messages, at))

    async def submit(self, submission: Submission, messages: Sequence[NewMessage]) -> Submission:
        async def work(conn: Connection) -> Submission:
            cursor = await conn.execute(_INSERT_SUBMISSION, submission_values(submission, _keep))
            if cursor.rowcount:
                await _audit(conn, [submission_audit(submission)])
                await _enqueue(conn, messages, submission.created_at)
                return submission
            cursor = await conn.execute(
                "SELECT * FROM submissions WHERE submitter = %s AND idempotency_key = %s",
                (submission.submitter, submission.idempotency_key),
            )
            row = await cursor.fetchone()
            if row is None:  # the first one's transaction was rolled back meanwhile
                raise TransportError("GW-TRN-RETRY", "a concurrent submission failed; try again")
            return submission_from_row(row, _same)

        return await self._transaction(work)

    async def submission(self, submission_id: str) -> Submission | None:
        async def work(conn: Connection) -> Submission | None:
            cursor = await conn.execute(
                "SELECT * FROM submissions WHERE submission_id = %s", (submission_id,)
            )
            row = await cursor.fetchone()
            return None if row is None else submission_from_row(row, _same)

        return await self._transaction(work)

    async def submission_by_key(self, submitter: str, idempotency_key: str) -> Submission | None:
        async def work(conn: Connection) -> Submission | None:
            cursor = await conn.execute(
                "SELECT * FROM submissions WHERE submitter = %s AND idempotency_key = %s",
                (submitter, idempotency_key),
            )
            row = await cursor.fetchone()
            return None if row is None else submission_from_row(row, _same)

        return await self._transaction(work)

    async def add_token(self, token: ApiToken, *, actor: str = "admin") -> None:
        values = token_values(token, _keep)
        columns = ", ".join(values)
        placeholders = ", ".join(f"%({column})s" for column in values)

        async def work(conn: Connection) -> None:
            await conn.execute(
                f"INSERT INTO api_tokens ({columns}) VALUES ({placeholders})", values
            )
            await _audit(conn, [token_audit(token, "created", token.created_at, actor)])

        await self._transaction(work)

    async def token_by_digest(self, digest: str) -> ApiToken | None:
        async def work(conn: Connection) -> ApiToken | None:
            cursor = await conn.execute("SELECT * FROM api_tokens WHERE digest = %s", (digest,))
            row = await cursor.fetchone()
            return None if row is None else token_from_row(row, _same)

        return await self._transaction(work)

    async def tokens(self) -> list[ApiToken]:
        async def work(conn: Connection) -> list[ApiToken]:
            cursor = await conn.execute("SELECT * FROM api_tokens ORDER BY created_at, token_id")
            return [token_from_row(row, _same) for row in await cursor.fetchall()]

        return await self._transaction(work)

    async def revoke_token(self, token_id: str, *, at: datetime, actor: str = "admin") -> bool:
        async def work(conn: Connection) -> bool:
            cursor = await conn.execute(
                "SELECT * FROM api_tokens WHERE token_id = %s FOR UPDATE", (token_id,)
            )
            row = await cursor.fetchone()
            if row is None:
                return False
            token = token_from_row(row, _same)
            if token.revoked_at is None:
                await conn.execute(
                    "UPDATE api_tokens SET revoked_at = %s WHERE token_id = %s", (at, token_id)
                )
                await _audit(conn, [token_audit(token, "revoked", at, actor)])
            return True

        return await self._transaction(work)

    async def append_audit(self, records: Sequence[AuditRecord]) -> None:
        await self._transaction(lambda conn: _audit(conn, records))

    async def audit_entries(self, *, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
        async def work(conn: Connection) -> list[AuditEntry]:
            cursor = await conn.execute(
                "SELECT * FROM audit WHERE seq > %s ORDER BY seq LIMIT %s", (after, limit)
            )
            return [audit_from_row(row, _same) for row in await cursor.fetchall()]

        return await self._transaction(work)

    async def find_audit(self, query: AuditFilter) -> list[AuditEntry]:
        exact, prefix = audit_kind(query)

        async def work(conn: Connection) -> list[AuditEntry]:
            cursor = await conn.execute(
                "SELECT * FROM audit WHERE (%(kind)s::text IS NULL OR kind = %(kind)s)"
                " AND (%(prefix)s::text IS NULL OR kind LIKE %(prefix)s ESCAPE '\\')"
                " AND (%(actor)s::text IS NULL OR actor = %(actor)s)"
                " AND (%(subject)s::text IS NULL OR subject = %(subject)s)"
                " AND (%(since)s::timestamptz IS NULL OR at >= %(since)s)"
                " AND (%(until)s::timestamptz IS NULL OR at < %(until)s)"
                " AND (%(before)s::bigint IS NULL OR seq < %(before)s)"
                " ORDER BY seq DESC LIMIT %(limit)s",
                {
                    "kind": exact,
                    "prefix": prefix,
                    "actor": query.actor,
                    "subject": query.subject,
                    "since": query.since,
                    "until": query.until,
                    "before": query.before,
                    "limit": query.limit,
                },
            )
            return [audit_from_row(row, _same) for row in await cursor.fetchall()]

        return await self._transaction(work)

    async def audit_head(self) -> AuditEntry | None:
        async def work(conn: Connection) -> AuditEntry | None:
            cursor = await conn.execute("SELECT * FROM audit ORDER BY seq DESC LIMIT 1")
            row = await cursor.fetchone()
            return None if row is None else audit_from_row(row, _same)

        return await self._transaction(work)

    async def receive(self, inbound: InboundMessage, *, effect: Event | None) -> Receipt:
        async def work(conn: Connection) -> Receipt:
            # The message row first, the inbound row next, the audit chain last (lock order).
            cursor = await conn.execute(
                "SELECT * FROM messages WHERE message_id = %s FOR UPDATE",
                (inbound.correlation_id,),
            )
            row = await cursor.fetchone()
            cursor = await conn.execute(_INSERT_INBOUND, inbound_values(inbound, _keep))
            new = bool(cursor.rowcount)
            if new:
                await _audit(conn, [inbound_audit(inbound)])
            if row is None:
                return Receipt(new=new, correlated=None)
            if not new:  # seen before: nothing changes; the caller may act on it again
                return Receipt(new=False, correlated=message_from_row(row, _same))
            outbound = message_from_row(row, _same)
            if effect is not None and (outbound.state, effect) in TRANSITIONS:
                outbound = await _apply(
                    conn, outbound, effect, at=inbound.received_at, detail=inbound.message_id
                )
            return Receipt(new=True, correlated=outbound)

        return await self._transaction(work)

    async def inbound(self, message_id: str) -> InboundMessage | None:
        async def work(conn: Connection) -> InboundMessage | None:
            cursor = await conn.execute(
                "SELECT * FROM inbound WHERE message_id = %s", (message_id,)
            )
            row = await cursor.fetchone()
            return None if row is None else inbound_from_row(row, _same)

        return await self._transaction(work)

    async def find_inbound(self, query: InboundFilter) -> list[InboundMessage]:
        async def work(conn: Connection) -> list[InboundMessage]:
            cursor = await conn.execute(
                "SELECT * FROM inbound WHERE (%(peer)s::text IS NULL OR peer = %(peer)s)"
                " AND (%(type)s::text IS NULL OR message_type = %(type)s)"
                " AND (%(conversation)s::text IS NULL OR conversation_id = %(conversation)s)"
                " AND (%(ids)s::text[] IS NULL OR correlation_id = ANY(%(ids)s::text[]))"
                " AND (%(since)s::timestamptz IS NULL OR received_at >= %(since)s)"
                " AND (%(until)s::timestamptz IS NULL OR received_at < %(until)s)"
                " ORDER BY received_at DESC, message_id DESC LIMIT %(limit)s OFFSET %(offset)s",
                {
                    "peer": query.peer,
                    "type": query.message_type,
                    "conversation": query.conversation_id,
                    "ids": None if query.correlation_ids is None else list(query.correlation_ids),
                    "since": query.since,
                    "until": query.until,
                    "limit": query.limit,
                    "offset": query.offset,
                },
            )
            return [inbound_from_row(row, _same) for row in await cursor.fetchall()]

        return await self._transaction(work)

    async def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int, peer: str | None = None
    ) -> list[StoredMessage]:
        async def work(conn: Connection) -> list[StoredMessage]:
            cursor = await conn.execute(
                _DUE,
                {"now": now, "peer": peer, "limit": limit, "blocking": list(BLOCKING_STATES)},
            )
            claimed = []
            for row in await cursor.fetchall():
                message = message_from_row(row, _same)
                if message.state is MessageState.SENDING:
                    message = await _apply(
                        conn, message, Event.LEASE_EXPIRED, at=now, detail="lease expired"
                    )
                claimed.append(
                    await _apply(
                        conn, message, Event.CLAIM, at=now, worker=worker, lease_until=now + lease
                    )
                )
            return claimed

        return await self._transaction(work)

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
        async def work(conn: Connection) -> StoredMessage:
            cursor = await conn.execute(
                "SELECT * FROM messages WHERE message_id = %s FOR UPDATE", (message_id,)
            )
            row = await cursor.fetchone()
            if row is None:
                raise UnknownMessageError(message_id)
            updated = await _apply(
                conn,
                message_from_row(row, _same),
                event,
                at=at,
                worker=worker,
                retry_at=retry_at,
                detail=detail,
                actor=actor,
            )
            if updated.state is MessageState.QUEUED:
                await conn.execute(f"NOTIFY {CHANNEL}")
            return updated

        return await self._transaction(work)

    async def get(self, message_id: str) -> StoredMessage | None:
        async def work(conn: Connection) -> StoredMessage | None:
            cursor = await conn.execute(
                "SELECT * FROM messages WHERE message_id = %s", (message_id,)
            )
            row = await cursor.fetchone()
            return None if row is None else message_from_row(row, _same)

        return await self._transaction(work)

    async def timeline(self, message_id: str) -> list[StateChange]:
        async def work(conn: Connection) -> list[StateChange]:
            cursor = await conn.execute(
                "SELECT * FROM state_changes WHERE message_id = %s ORDER BY id", (message_id,)
            )
            return [state_change_from_row(row, _same) for row in await cursor.fetchall()]

        return await self._transaction(work)

    async def find(self, query: MessageFilter) -> list[StoredMessage]:
        async def work(conn: Connection) -> list[StoredMessage]:
            cursor = await conn.execute(
                "SELECT * FROM messages WHERE (%(state)s::text IS NULL OR state = %(state)s)"
                " AND (%(peer)s::text IS NULL OR peer = %(peer)s)"
                " AND (%(reference)s::text IS NULL OR reference = %(reference)s)"
                " AND (%(conversation)s::text IS NULL OR conversation_id = %(conversation)s)"
                " AND (%(since)s::timestamptz IS NULL OR created_at >= %(since)s)"
                " AND (%(until)s::timestamptz IS NULL OR created_at < %(until)s)"
                " AND (%(type)s::text IS NULL OR message_type = %(type)s)"
                " ORDER BY seq DESC LIMIT %(limit)s OFFSET %(offset)s",
                {
                    "state": query.state.value if query.state else None,
                    "peer": query.peer,
                    "reference": query.reference,
                    "conversation": query.conversation_id,
                    "since": query.since,
                    "until": query.until,
                    "type": query.message_type,
                    "limit": query.limit,
                    "offset": query.offset,
                },
            )
            return [message_from_row(row, _same) for row in await cursor.fetchall()]

        return await self._transaction(work)

    async def oldest_waiting(self) -> dict[str, datetime]:
        async def work(conn: Connection) -> dict[str, datetime]:
            cursor = await conn.execute(
                "SELECT peer, min(created_at) AS oldest FROM messages"
                " WHERE state IN ('queued', 'sending', 'retry_wait') GROUP BY peer"
            )
            return {row["peer"]: _same(row["oldest"]) for row in await cursor.fetchall()}

        return await self._transaction(work)

    async def counts(self) -> dict[tuple[str, MessageState], int]:
        async def work(conn: Connection) -> dict[tuple[str, MessageState], int]:
            cursor = await conn.execute(
                "SELECT peer, state, count(*) AS n FROM messages GROUP BY peer, state"
            )
            return {
                (row["peer"], MessageState(row["state"])): row["n"]
                for row in await cursor.fetchall()
            }

        return await self._transaction(work)

    async def purge_bodies(self, *, updated_before: datetime) -> int:
        async def work(conn: Connection) -> int:
            cursor = await conn.execute(
                "UPDATE messages SET body = NULL WHERE body IS NOT NULL"
                " AND state = ANY(%s) AND updated_at < %s",
                (list(PURGEABLE_STATES), updated_before),
            )
            return cursor.rowcount

        return await self._transaction(work)

    async def next_due(self, *, peer: str | None = None) -> datetime | None:
        async def work(conn: Connection) -> datetime | None:
            cursor = await conn.execute(
                "SELECT min(CASE state WHEN 'retry_wait' THEN next_attempt_at"
                " ELSE lease_until END) AS due FROM messages"
                " WHERE state IN ('retry_wait', 'sending')"
                " AND (%(peer)s::text IS NULL OR peer = %(peer)s)",
                {"peer": peer},
            )
            row = await cursor.fetchone()
            return None if row is None or row["due"] is None else _same(row["due"])

        return await self._transaction(work)

    async def check(self) -> None:
        async def work(conn: Connection) -> None:
            await conn.execute("SELECT 1")

        await self._transaction(work)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._database.close()

    # Batch uploads (migration 030).

    async def create_batch(self, batch: Batch) -> Batch:
        async def work(conn: Connection) -> Batch:
            cursor = await conn.execute(_INSERT_BATCH, batch_values(batch, _keep))
            if cursor.rowcount:
                return batch
            cursor = await conn.execute(
                "SELECT * FROM batches WHERE submitter = %s AND idempotency_key = %s",
                (batch.submitter, batch.idempotency_key),
            )
            row = await cursor.fetchone()
            if row is None:  # the first one's transaction was rolled back meanwhile
                raise TransportError("GW-TRN-RETRY", "a concurrent batch failed; try again")
            return batch_from_row(row, _same)

        return await self._transaction(work)

    async def batch(self, batch_id: str) -> Batch | None:
        return await self._transaction(lambda conn: _batch(conn, batch_id))

    async def advance_batch(
        self,
        batch_id: str,
        progress: BatchProgress,
        messages: Sequence[NewMessage],
        *,
        at: datetime,
    ) -> Batch:
        async def work(conn: Connection) -> Batch:
            cursor = await conn.execute(
                "SELECT batch_id FROM batches WHERE batch_id = %s FOR UPDATE", (batch_id,)
            )
            if await cursor.fetchone() is None:
                raise UnknownMessageError(batch_id)
            new = await _enqueue(conn, messages, at)
            async with conn.cursor() as many:
                await many.executemany(
                    _INSERT_REJECTION, [rejection_values(r) for r in progress.rejections]
                )
            await conn.execute(
                "UPDATE batches SET total = total + %s, mapped = mapped + %s,"
                " rejected = rejected + %s, queued = queued + %s, updated_at = %s"
                " WHERE batch_id = %s",
                (
                    progress.read,
                    progress.mapped,
                    len(progress.rejections),
                    len(new),
                    at,
                    batch_id,
                ),
            )
            return await _batch(conn, batch_id)  # type: ignore[return-value]  # locked above

        return await self._transaction(work)

    async def finish_batch(
        self, batch_id: str, state: BatchState, *, at: datetime, error: str = ""
    ) -> Batch:
        async def work(conn: Connection) -> Batch:
            await conn.execute(
                "UPDATE batches SET state = %s, error = %s, updated_at = %s WHERE batch_id = %s",
                (state.value, error, at, batch_id),
            )
            found = await _batch(conn, batch_id)
            if found is None:
                raise UnknownMessageError(batch_id)
            return found

        return await self._transaction(work)

    async def batch_rejections(
        self, batch_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[BatchRejection]:
        async def work(conn: Connection) -> list[BatchRejection]:
            cursor = await conn.execute(
                "SELECT * FROM batch_rejections WHERE batch_id = %s ORDER BY record"
                " LIMIT %s OFFSET %s",
                (batch_id, limit, offset),
            )
            return [rejection_from_row(row) for row in await cursor.fetchall()]

        return await self._transaction(work)

    async def stale_batches(self, *, updated_before: datetime) -> list[Batch]:
        async def work(conn: Connection) -> list[Batch]:
            cursor = await conn.execute(
                "SELECT * FROM batches WHERE state = 'running' AND updated_at < %s"
                " ORDER BY created_at",
                (updated_before,),
            )
            return [batch_from_row(row, _same) for row in await cursor.fetchall()]

        return await self._transaction(work)

    async def take_over_batch(self, batch_id: str, *, seen: datetime, at: datetime) -> Batch | None:
        async def work(conn: Connection) -> Batch | None:
            cursor = await conn.execute(
                "UPDATE batches SET updated_at = %s WHERE batch_id = %s AND state = 'running'"
                " AND updated_at = %s",
                (at, batch_id, seen),
            )
            return await _batch(conn, batch_id) if cursor.rowcount else None

        return await self._transaction(work)


_INSERT_BATCH = (
    f"INSERT INTO batches ({', '.join(BATCH_COLUMNS)}) "
    f"VALUES ({', '.join(f'%({column})s' for column in BATCH_COLUMNS)}) "
    "ON CONFLICT (submitter, idempotency_key) DO NOTHING"
)
_INSERT_REJECTION = (
    "INSERT INTO batch_rejections (batch_id, record, line, problems)"
    " VALUES (%(batch_id)s, %(record)s, %(line)s, %(problems)s) ON CONFLICT DO NOTHING"
)


async def _batch(conn: Connection, batch_id: str) -> Batch | None:
    cursor = await conn.execute("SELECT * FROM batches WHERE batch_id = %s", (batch_id,))
    row = await cursor.fetchone()
    return None if row is None else batch_from_row(row, _same)


async def _enqueue(conn: Connection, messages: Sequence[NewMessage], at: datetime) -> list[str]:
    new = []
    for message in messages:
        stored, changes = arrive(message, at=at)
        cursor = await conn.execute(_INSERT_MESSAGE, message_values(stored, MESSAGE_COLUMNS, _keep))
        if cursor.rowcount:
            await _write_changes(conn, changes)
            new.append(message.message_id)
    if new:
        await conn.execute(f"NOTIFY {CHANNEL}")
    return new


async def _apply(
    conn: Connection,
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
    values = message_values(updated, MUTABLE_COLUMNS, _keep)
    await conn.execute(_UPDATE_MESSAGE, {**values, "message_id": message.message_id})
    await _write_changes(conn, [change])
    return updated


async def _write_changes(conn: Connection, changes: Sequence[StateChange]) -> None:
    async with conn.cursor() as cursor:
        await cursor.executemany(
            _INSERT_CHANGE,
            [
                (
                    change.message_id,
                    change.at,
                    change.from_state.value if change.from_state else None,
                    change.to_state.value,
                    change.event.value,
                    change.detail,
                )
                for change in changes
            ],
        )
    await _audit(conn, [change_audit(change) for change in changes])
