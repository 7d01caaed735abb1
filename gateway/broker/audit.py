"""The audit trail: append-only, each entry holding the hash of the one before it.

What happened to every submission, message, reply and operator action, in
order, without personal data (ids, states, codes, names of systems and
operators only). Changing, removing or reordering a stored entry breaks the
chain at that entry, and `verify_chain` names it. The chain alone cannot show
a trail rewritten from some entry on with every later hash recomputed, nor an
end cut off: signed checkpoints kept outside the database do
(`gateway.broker.checkpoints`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from gateway.broker.access import ApiToken
from gateway.broker.records import InboundMessage, StateChange, Submission
from gateway.domain.frozen import frozen

__all__ = [
    "ENTRY_FIELDS",
    "GENESIS",
    "AuditEntry",
    "AuditRecord",
    "ChainBreak",
    "ChainCheck",
    "chain",
    "change_audit",
    "entry_hash",
    "inbound_audit",
    "move_detail",
    "submission_audit",
    "token_audit",
    "verify_chain",
]

GENESIS = "0" * 64


@frozen
class AuditRecord:
    """An event to append: what happened (`kind`), to what (`subject`), by whom (`actor`)."""

    at: datetime
    kind: str
    subject: str
    actor: str
    detail: Mapping[str, Any]


@frozen
class AuditEntry:
    seq: int
    at: datetime
    kind: str
    subject: str
    actor: str
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str

    def fields(self) -> dict[str, Any]:
        """The entry as a mapping of `ENTRY_FIELDS`, in their order (for a row or a line)."""
        return {name: getattr(self, name) for name in ENTRY_FIELDS}


# An audit entry's fields, in the order of the table, the exports and the console.
ENTRY_FIELDS = ("seq", "at", "kind", "subject", "actor", "detail", "prev_hash", "hash")


@frozen
class ChainBreak:
    seq: int
    reason: str


def entry_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    kind: str,
    subject: str,
    actor: str,
    detail: Mapping[str, Any],
) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON."""
    body = json.dumps(
        {
            "seq": seq,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "kind": kind,
            "subject": subject,
            "actor": actor,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}|{body}".encode()).hexdigest()


def chain(record: AuditRecord, *, seq: int, prev_hash: str) -> AuditEntry:
    """The entry that appends `record` after the entry whose hash is `prev_hash`."""
    digest = entry_hash(
        prev_hash,
        seq=seq,
        at=record.at,
        kind=record.kind,
        subject=record.subject,
        actor=record.actor,
        detail=record.detail,
    )
    return AuditEntry(
        seq=seq,
        at=record.at,
        kind=record.kind,
        subject=record.subject,
        actor=record.actor,
        detail=record.detail,
        prev_hash=prev_hash,
        hash=digest,
    )


class ChainCheck:
    """`verify_chain` one entry at a time, for a trail read page by page; after a break
    it goes on from the entry that broke it, so later entries are still compared."""

    def __init__(self) -> None:
        self._expected_seq = 1
        self._prev = GENESIS

    def add(self, entry: AuditEntry) -> ChainBreak | None:
        """Where `entry` breaks the chain, or None when it follows the entries before it."""
        expected_seq, prev = self._expected_seq, self._prev
        self._expected_seq, self._prev = entry.seq + 1, entry.hash
        if entry.seq != expected_seq:
            return ChainBreak(
                seq=entry.seq,
                reason=f"entry {expected_seq} is missing or out of order (found {entry.seq})",
            )
        if entry.prev_hash != prev:
            return ChainBreak(
                seq=entry.seq,
                reason="it does not follow the entry before it (reordered or removed)",
            )
        recomputed = entry_hash(
            prev,
            seq=entry.seq,
            at=entry.at,
            kind=entry.kind,
            subject=entry.subject,
            actor=entry.actor,
            detail=entry.detail,
        )
        if recomputed != entry.hash:
            return ChainBreak(seq=entry.seq, reason="its content was altered after it was written")
        return None


def verify_chain(entries: Iterable[AuditEntry]) -> ChainBreak | None:
    """The first entry where the chain is broken, or None when it is whole."""
    check = ChainCheck()
    for entry in entries:
        if (broken := check.add(entry)) is not None:
            return broken
    return None


def move_detail(from_state: StrEnum | None, to_state: StrEnum, note: str) -> dict[str, Any]:
    """The detail of an entry that records a move from one state to another (a message's,
    a case's): `from` is None for the first state."""
    return {
        "from": from_state.value if from_state else None,
        "to": to_state.value,
        "note": note,
    }


def change_audit(change: StateChange) -> AuditRecord:
    """The audit record of a message's state change."""
    return AuditRecord(
        at=change.at,
        kind=f"message.{change.event.value}",
        subject=change.message_id,
        actor=change.actor,
        detail=move_detail(change.from_state, change.to_state, change.detail),
    )


def submission_audit(submission: Submission) -> AuditRecord:
    return AuditRecord(
        at=submission.created_at,
        kind=f"submission.{submission.status.value}",
        subject=submission.submission_id,
        actor=submission.submitter,
        detail={"http_status": submission.http_status, "messages": list(submission.message_ids)},
    )


def inbound_audit(inbound: InboundMessage) -> AuditRecord:
    return AuditRecord(
        at=inbound.received_at,
        kind="inbound.received",
        subject=inbound.message_id,
        actor=inbound.peer,
        detail={
            "type": inbound.message_type,
            "correlation_id": inbound.correlation_id,
            "conversation_id": inbound.conversation_id,
        },
    )


def token_audit(token: ApiToken, kind: str, at: datetime, actor: str = "admin") -> AuditRecord:
    return AuditRecord(
        at=at,
        kind=f"token.{kind}",
        subject=token.token_id,
        actor=actor,
        detail={"name": token.name, "roles": sorted(token.roles)},
    )
