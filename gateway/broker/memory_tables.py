"""The in-memory store's rows and the rules' tables over them (`store_rules.Tables`): every
write is journalled, so that a rule that fails is undone whole."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from gateway.broker.access import ApiToken
from gateway.broker.audit import AuditEntry, AuditRecord
from gateway.broker.batch_records import Batch, BatchRejection
from gateway.broker.records import InboundMessage, StateChange, StoredMessage, Submission
from gateway.broker.store_rules import BLOCKING_ORDER, is_due

__all__ = ["MemoryTables", "Rows", "submission_by_key"]


@dataclass
class Rows:
    """What the in-memory store keeps."""

    messages: dict[str, StoredMessage] = field(default_factory=dict)  # in queue order
    timelines: dict[str, list[StateChange]] = field(default_factory=dict)
    submissions: dict[str, Submission] = field(default_factory=dict)
    inbound: dict[str, InboundMessage] = field(default_factory=dict)
    tokens: dict[str, ApiToken] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    batches: dict[str, Batch] = field(default_factory=dict)
    rejections: dict[str, dict[int, BatchRejection]] = field(default_factory=dict)


class MemoryTables:
    """`store_rules.Tables` over the store's dictionaries; every write can be undone."""

    def __init__(self, rows: Rows) -> None:
        self._rows = rows
        self._undo: list[Callable[[], Any]] = []
        self.records: list[AuditRecord] = []
        self.woken = False

    def undo(self) -> None:
        for step in reversed(self._undo):
            step()

    def _put(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        if key in table:
            old = table[key]
            self._undo.append(lambda: table.__setitem__(key, old))
        else:
            self._undo.append(lambda: table.pop(key))
        table[key] = value

    async def lock_message(self, message_id: str) -> StoredMessage | None:
        return self._rows.messages.get(message_id)

    async def lock_due(self, *, now: datetime, peer: str | None, limit: int) -> list[StoredMessage]:
        due: list[StoredMessage] = []
        held_back: set[str] = set()
        for message in self._rows.messages.values():  # insertion order = queue order
            if len(due) >= limit:
                break
            key = message.order_key
            if key is not None and key in held_back:
                continue
            if key is not None and message.state in BLOCKING_ORDER:
                held_back.add(key)
            if (peer is None or message.peer == peer) and is_due(message, now):
                due.append(message)
        return due

    async def insert_messages(self, messages: Sequence[StoredMessage]) -> set[str]:
        new = {m.message_id for m in messages if m.message_id not in self._rows.messages}
        for message in messages:
            if message.message_id in new:
                self._put(self._rows.messages, message.message_id, message)
                self._put(self._rows.timelines, message.message_id, [])
        return new

    async def update_messages(self, messages: Sequence[StoredMessage]) -> None:
        for message in messages:
            self._put(self._rows.messages, message.message_id, message)

    async def add_changes(self, changes: Sequence[StateChange]) -> None:
        for change in changes:
            timeline = self._rows.timelines[change.message_id]
            timeline.append(change)
            self._undo.append(timeline.pop)

    async def insert_submission(self, submission: Submission) -> bool:
        key = (submission.submitter, submission.idempotency_key)
        if submission_by_key(self._rows, *key) is not None:
            return False
        self._put(self._rows.submissions, submission.submission_id, submission)
        return True

    async def submission_by_key(self, submitter: str, key: str) -> Submission | None:
        return submission_by_key(self._rows, submitter, key)

    async def insert_inbound(self, inbound: InboundMessage) -> bool:
        if inbound.message_id in self._rows.inbound:
            return False
        self._put(self._rows.inbound, inbound.message_id, inbound)
        return True

    async def insert_token(self, token: ApiToken) -> None:
        self._put(self._rows.tokens, token.token_id, token)

    async def lock_token(self, token_id: str) -> ApiToken | None:
        return self._rows.tokens.get(token_id)

    async def revoke(self, token_id: str, *, at: datetime) -> None:
        self._put(self._rows.tokens, token_id, replace(self._rows.tokens[token_id], revoked_at=at))

    async def insert_batch(self, batch: Batch) -> bool:
        if await self.batch_by_key(batch.submitter, batch.idempotency_key) is not None:
            return False
        self._put(self._rows.batches, batch.batch_id, batch)
        self._put(self._rows.rejections, batch.batch_id, {})
        return True

    async def batch_by_key(self, submitter: str, key: str) -> Batch | None:
        return next(
            (
                batch
                for batch in self._rows.batches.values()
                if (batch.submitter, batch.idempotency_key) == (submitter, key)
            ),
            None,
        )

    async def lock_batch(self, batch_id: str) -> Batch | None:
        return self._rows.batches.get(batch_id)

    async def update_batch(self, batch: Batch) -> None:
        self._put(self._rows.batches, batch.batch_id, batch)

    async def add_rejections(self, rejections: Sequence[BatchRejection]) -> None:
        for rejection in rejections:
            kept = self._rows.rejections[rejection.batch_id]
            if rejection.record not in kept:
                self._put(kept, rejection.record, rejection)

    def audit(self, records: Sequence[AuditRecord]) -> None:
        self.records.extend(records)

    def wake(self) -> None:
        self.woken = True


def submission_by_key(rows: Rows, submitter: str, key: str) -> Submission | None:
    for submission in rows.submissions.values():
        if (submission.submitter, submission.idempotency_key) == (submitter, key):
            return submission
    return None
