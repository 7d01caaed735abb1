"""The message store over SQL, once for SQLite and PostgreSQL: changes are the rules of
`gateway.broker.store_rules` over `SqlTables`, reads are the statements of
`sql_statements`; an `Engine` (`SqliteStore`, `PostgresStore`) runs them in its
transactions and wakes the dispatchers."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar, Unpack

from gateway.adapters.sql_batches import batch_from_row, rejection_from_row
from gateway.adapters.sql_common import (
    MESSAGE_COLUMNS,
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
)
from gateway.adapters.sql_statements import Statements
from gateway.adapters.sql_tables import Ahead, Row, Session, SqlTables
from gateway.broker import store_rules as rules
from gateway.broker.access import ApiToken
from gateway.broker.audit import AuditEntry, AuditRecord
from gateway.broker.batch_records import Batch, BatchProgress, BatchRejection, BatchState
from gateway.broker.lifecycle import arrive
from gateway.broker.records import (
    InboundMessage,
    NewMessage,
    Receipt,
    StateChange,
    StoredMessage,
    Submission,
)
from gateway.broker.states import Event, MessageState
from gateway.ports import AuditFilter, InboundFilter, MessageFilter

__all__ = ["Engine", "SqlStore"]

T = TypeVar("T")
Rule = Callable[[SqlTables], Coroutine[Any, Any, T]]
Query = Callable[[Session], Coroutine[Any, Any, T]]


class Engine(Protocol):
    """How one SQL engine runs the store's work: its statements, its transactions."""

    sql: Statements
    sends_ahead: bool  # whether `change` sends `ahead` (else the store need not name it)

    async def change(
        self, rule: Rule[T], *, locks: Sequence[str] = (), ahead: Sequence[Ahead] = ()
    ) -> T:
        """Run `rule` in a transaction, chain its audit records last, commit, and wake the
        dispatchers of every process if it says work arrived. `locks` are the message rows
        it will lock: an engine that commits rules in groups locks them first, in order.
        `ahead`: the inserts the rule begins with, which such an engine may send with
        those locks, one round trip for the group rather than one for each rule."""
        ...

    async def read(self, query: Query[T]) -> T: ...

    async def wait_for_work(self, *, at_most: float) -> None: ...

    async def check(self) -> None: ...

    async def close(self) -> None: ...


class SqlStore:
    """A `MessageStore` in a SQL database: the same code for every engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sql = engine.sql
        self._to_db = engine.sql.dialect.to_db
        self._from_db = engine.sql.dialect.from_db

    # Changes: the rules.

    async def enqueue(self, messages: Sequence[NewMessage], *, at: datetime) -> list[str]:
        ahead = self._arrivals(messages, at=at) if self._engine.sends_ahead else []
        return await self._engine.change(lambda t: rules.enqueue(t, messages, at), ahead=ahead)

    async def submit(self, submission: Submission, messages: Sequence[NewMessage]) -> Submission:
        # Its inserts, sent ahead by an engine that commits in groups; a repeated
        # submission inserts no message and is run again without them.
        ahead: list[Ahead] = []
        if self._engine.sends_ahead:
            ahead.append((self._sql.insert_submission, submission_values(submission, self._to_db)))
            ahead += self._arrivals(messages, at=submission.created_at)
        return await self._engine.change(
            lambda t: rules.submit(t, submission, messages), ahead=ahead
        )

    def _arrivals(self, messages: Sequence[NewMessage], *, at: datetime) -> list[Ahead]:
        """The inserts `rules.enqueue` begins with (each id once, the first)."""
        first: dict[str, NewMessage] = {}
        for message in messages:
            first.setdefault(message.message_id, message)
        return [
            (
                self._sql.insert_message,
                message_values(arrive(m, at=at)[0], MESSAGE_COLUMNS, self._to_db),
            )
            for m in first.values()
        ]

    async def receive(self, inbound: InboundMessage, *, effect: Event | None) -> Receipt:
        return await self._engine.change(
            lambda t: rules.receive(t, inbound, effect=effect),
            locks=[inbound.correlation_id] if inbound.correlation_id else [],
            ahead=[(self._sql.insert_inbound, inbound_values(inbound, self._to_db))]
            if self._engine.sends_ahead
            else [],
        )

    async def claim(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int, peer: str | None = None
    ) -> list[StoredMessage]:
        return await self._engine.change(
            lambda t: rules.claim(t, worker=worker, now=now, lease=lease, limit=limit, peer=peer)
        )

    async def record(
        self, message_id: str, event: Event, **details: Unpack[rules.EventDetails]
    ) -> StoredMessage:
        return await self._engine.change(
            lambda t: rules.record(t, message_id, event, **details), locks=[message_id]
        )

    async def add_token(self, token: ApiToken, *, actor: str = "admin") -> None:
        await self._engine.change(lambda t: rules.add_token(t, token, actor=actor))

    async def revoke_token(self, token_id: str, *, at: datetime, actor: str = "admin") -> bool:
        return await self._engine.change(
            lambda t: rules.revoke_token(t, token_id, at=at, actor=actor)
        )

    async def append_audit(self, records: Sequence[AuditRecord]) -> None:
        await self._engine.change(lambda t: rules.append_audit(t, records))

    async def create_batch(self, batch: Batch) -> Batch:
        return await self._engine.change(lambda t: rules.create_batch(t, batch))

    async def advance_batch(
        self,
        batch_id: str,
        progress: BatchProgress,
        messages: Sequence[NewMessage],
        *,
        at: datetime,
    ) -> Batch:
        return await self._engine.change(
            lambda t: rules.advance_batch(t, batch_id, progress, messages, at=at)
        )

    async def finish_batch(
        self, batch_id: str, state: BatchState, *, at: datetime, error: str = ""
    ) -> Batch:
        return await self._engine.change(
            lambda t: rules.finish_batch(t, batch_id, state, at=at, error=error)
        )

    async def take_over_batch(self, batch_id: str, *, seen: datetime, at: datetime) -> Batch | None:
        return await self._engine.change(
            lambda t: rules.take_over_batch(t, batch_id, seen=seen, at=at)
        )

    async def purge_bodies(self, *, updated_before: datetime) -> int:
        async def purge(tables: SqlTables) -> int:
            tables.wrote = True
            tables.locked.clear()  # bodies of locked rows may be gone: read them again
            before = {"before": self._to_db(updated_before)}
            return len(await tables.session.rows(self._sql.purge_bodies, before))

        return await self._engine.change(purge)

    # Reads.

    async def _rows(self, sql: str, params: dict[str, Any] | None = None) -> list[Row]:
        async def query(session: Session) -> list[Row]:
            return await session.rows(sql, params)

        return await self._engine.read(query)

    async def _one(self, sql: str, params: dict[str, Any]) -> Row | None:
        rows = await self._rows(sql, params)
        return rows[0] if rows else None

    async def get(self, message_id: str) -> StoredMessage | None:
        row = await self._one(self._sql.message, {"message_id": message_id})
        return None if row is None else message_from_row(row, self._from_db)

    async def timeline(self, message_id: str) -> list[StateChange]:
        rows = await self._rows(self._sql.timeline, {"message_id": message_id})
        return [state_change_from_row(row, self._from_db) for row in rows]

    async def find(self, query: MessageFilter) -> list[StoredMessage]:
        rows = await self._rows(
            self._sql.find,
            {
                "state": query.state.value if query.state else None,
                "peer": query.peer,
                "reference": query.reference,
                "conversation": query.conversation_id,
                "correlation": query.correlation_id,
                "since": self._sql.dialect.time(query.since),
                "until": self._sql.dialect.time(query.until),
                "type": query.message_type,
                "limit": query.limit,
                "offset": query.offset,
            },
        )
        return [message_from_row(row, self._from_db) for row in rows]

    async def oldest_waiting(self) -> dict[str, datetime]:
        rows = await self._rows(self._sql.oldest_waiting)
        return {str(row["peer"]): self._from_db(row["oldest"]) for row in rows}

    async def counts(self) -> dict[tuple[str, MessageState], int]:
        rows = await self._rows(self._sql.counts)
        return {(str(row["peer"]), MessageState(row["state"])): int(row["n"]) for row in rows}

    async def next_due(self, *, peer: str | None = None) -> datetime | None:
        row = await self._one(self._sql.next_due, {"peer": peer})
        return None if row is None or row["due"] is None else self._from_db(row["due"])

    async def submission(self, submission_id: str) -> Submission | None:
        row = await self._one(self._sql.submission, {"id": submission_id})
        return None if row is None else submission_from_row(row, self._from_db)

    async def submission_by_key(self, submitter: str, idempotency_key: str) -> Submission | None:
        row = await self._one(
            self._sql.submission_by_key, {"submitter": submitter, "key": idempotency_key}
        )
        return None if row is None else submission_from_row(row, self._from_db)

    async def inbound(self, message_id: str) -> InboundMessage | None:
        row = await self._one(self._sql.inbound, {"id": message_id})
        return None if row is None else inbound_from_row(row, self._from_db)

    async def find_inbound(self, query: InboundFilter) -> list[InboundMessage]:
        ids = query.correlation_ids
        rows = await self._rows(
            self._sql.find_inbound,
            {
                "peer": query.peer,
                "type": query.message_type,
                "conversation": query.conversation_id,
                "ids": None if ids is None else self._sql.dialect.list_value(ids),
                "since": self._sql.dialect.time(query.since),
                "until": self._sql.dialect.time(query.until),
                "limit": query.limit,
                "offset": query.offset,
            },
        )
        return [inbound_from_row(row, self._from_db) for row in rows]

    async def token_by_digest(self, digest: str) -> ApiToken | None:
        row = await self._one(self._sql.token_by_digest, {"digest": digest})
        return None if row is None else token_from_row(row, self._from_db)

    async def tokens(self) -> list[ApiToken]:
        return [token_from_row(row, self._from_db) for row in await self._rows(self._sql.tokens)]

    async def audit_entries(self, *, after: int = 0, limit: int = 1000) -> list[AuditEntry]:
        rows = await self._rows(self._sql.audit_entries, {"after": after, "limit": limit})
        return [audit_from_row(row, self._from_db) for row in rows]

    async def find_audit(self, query: AuditFilter) -> list[AuditEntry]:
        exact, prefix = audit_kind(query)
        rows = await self._rows(
            self._sql.find_audit,
            {
                "kind": exact,
                "prefix": prefix,
                "actor": query.actor,
                "subject": query.subject,
                "since": self._sql.dialect.time(query.since),
                "until": self._sql.dialect.time(query.until),
                "before": query.before,
                "limit": query.limit,
            },
        )
        return [audit_from_row(row, self._from_db) for row in rows]

    async def audit_head(self) -> AuditEntry | None:
        rows = await self._rows(self._sql.audit_head)
        return audit_from_row(rows[0], self._from_db) if rows else None

    async def batch(self, batch_id: str) -> Batch | None:
        row = await self._one(self._sql.batch, {"id": batch_id})
        return None if row is None else batch_from_row(row, self._from_db)

    async def batch_rejections(
        self, batch_id: str, *, limit: int = 100, offset: int = 0
    ) -> list[BatchRejection]:
        rows = await self._rows(
            self._sql.rejections, {"id": batch_id, "limit": limit, "offset": offset}
        )
        return [rejection_from_row(row) for row in rows]

    async def stale_batches(self, *, updated_before: datetime) -> list[Batch]:
        rows = await self._rows(self._sql.stale_batches, {"before": self._to_db(updated_before)})
        return [batch_from_row(row, self._from_db) for row in rows]

    async def wait_for_work(self, *, at_most: float) -> None:
        await self._engine.wait_for_work(at_most=at_most)

    async def check(self) -> None:
        await self._engine.check()

    async def close(self) -> None:
        await self._engine.close()
