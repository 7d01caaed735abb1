"""What the SQLite and PostgreSQL stores share: migrations on disk and row mapping."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from importlib import resources
from typing import Any

from gateway.broker.access import ApiToken, Role
from gateway.broker.audit import AuditEntry
from gateway.broker.records import (
    InboundMessage,
    StateChange,
    StoredMessage,
    Submission,
    SubmissionStatus,
)
from gateway.broker.states import Event, MessageState
from gateway.broker.store_rules import BLOCKING_ORDER, PURGEABLE
from gateway.domain.frozen import frozen
from gateway.ports import AuditFilter

__all__ = [
    "AUDIT_INSERT_COLUMNS",
    "BLOCKING_STATES",
    "DIALECT_TYPES",
    "INBOUND_COLUMNS",
    "MESSAGE_COLUMNS",
    "MUTABLE_COLUMNS",
    "PURGEABLE_STATES",
    "SUBMISSION_COLUMNS",
    "Migration",
    "audit_from_row",
    "audit_kind",
    "audit_values",
    "inbound_from_row",
    "inbound_values",
    "message_from_row",
    "message_values",
    "migrations",
    "state_change_from_row",
    "submission_from_row",
    "submission_values",
    "token_from_row",
    "token_values",
]

# The columns the lifecycle changes (`gateway.broker.lifecycle`); the others are written
# once, when the message is queued (and the body cleared once, by the purge).
MUTABLE_COLUMNS = (
    "state",
    "attempts",
    "updated_at",
    "first_attempt_at",
    "next_attempt_at",
    "lease_owner",
    "lease_until",
    "last_error",
)
MESSAGE_COLUMNS = (
    "message_id",
    "peer",
    "message_type",
    "conversation_id",
    "correlation_id",
    "order_key",
    "submission_id",
    "reference",
    "created_at",
    "body",
    *MUTABLE_COLUMNS,
)
BLOCKING_STATES = tuple(sorted(state.value for state in BLOCKING_ORDER))
PURGEABLE_STATES = tuple(sorted(state.value for state in PURGEABLE))
_DATETIMES = frozenset(
    {"created_at", "updated_at", "first_attempt_at", "next_attempt_at", "lease_until"}
)
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


@frozen
class Migration:
    version: int
    name: str
    sql: str


# The migrations are written once (`migrations/NNN_name.sql`); the two engines differ only
# in these column types, named in braces there.
DIALECT_TYPES: dict[str, dict[str, str]] = {
    "sqlite": {
        "serial_key": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "identity_key": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "bigint": "INTEGER",
        "timestamp": "TEXT",  # ISO 8601 in UTC, as `sqlite_db` writes it
        "bytes": "BLOB",
    },
    "postgres": {
        "serial_key": "BIGSERIAL PRIMARY KEY",
        "identity_key": "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
        "bigint": "BIGINT",
        "timestamp": "TIMESTAMPTZ",
        "bytes": "BYTEA",
    },
}


def migrations(dialect: str) -> list[Migration]:
    """The migrations of `migrations/`, in version order, in the column types of `dialect`."""
    types = DIALECT_TYPES[dialect]
    folder = resources.files("gateway.adapters").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            sql = entry.read_text("utf-8").format_map(types)
            found.append(Migration(version=int(match.group(1)), name=entry.name, sql=sql))
    return sorted(found, key=lambda migration: migration.version)


def message_values(
    message: StoredMessage, columns: tuple[str, ...], to_db: Callable[[datetime], Any]
) -> dict[str, Any]:
    """The named columns of a message, as the database takes them."""
    values: dict[str, Any] = {}
    for column in columns:
        value = getattr(message, column)
        if isinstance(value, MessageState):
            value = value.value
        elif isinstance(value, datetime):
            value = to_db(value)
        values[column] = value
    return values


def message_from_row(row: Mapping[str, Any], from_db: Callable[[Any], datetime]) -> StoredMessage:
    fields = {column: row[column] for column in MESSAGE_COLUMNS}
    for column in _DATETIMES:
        if fields[column] is not None:
            fields[column] = from_db(fields[column])
    fields["state"] = MessageState(fields["state"])
    if fields["body"] is not None:
        fields["body"] = bytes(fields["body"])
    return StoredMessage(**fields)


def state_change_from_row(
    row: Mapping[str, Any], from_db: Callable[[Any], datetime]
) -> StateChange:
    return StateChange(
        message_id=row["message_id"],
        at=from_db(row["at"]),
        from_state=MessageState(row["from_state"]) if row["from_state"] else None,
        to_state=MessageState(row["to_state"]),
        event=Event(row["event"]),
        detail=row["detail"],
    )


SUBMISSION_COLUMNS = (
    "submission_id",
    "submitter",
    "idempotency_key",
    "request_digest",
    "status",
    "http_status",
    "response",
    "message_ids",
    "created_at",
)
INBOUND_COLUMNS = (
    "message_id",
    "peer",
    "message_type",
    "conversation_id",
    "correlation_id",
    "received_at",
    "body",
)


def submission_values(submission: Submission, to_db: Callable[[datetime], Any]) -> dict[str, Any]:
    return {
        "submission_id": submission.submission_id,
        "submitter": submission.submitter,
        "idempotency_key": submission.idempotency_key,
        "request_digest": submission.request_digest,
        "status": submission.status.value,
        "http_status": submission.http_status,
        "response": submission.response,
        "message_ids": json.dumps(list(submission.message_ids)),
        "created_at": to_db(submission.created_at),
    }


def submission_from_row(row: Mapping[str, Any], from_db: Callable[[Any], datetime]) -> Submission:
    return Submission(
        submission_id=row["submission_id"],
        submitter=row["submitter"],
        idempotency_key=row["idempotency_key"],
        request_digest=row["request_digest"],
        status=SubmissionStatus(row["status"]),
        http_status=row["http_status"],
        response=row["response"],
        message_ids=tuple(json.loads(row["message_ids"])),
        created_at=from_db(row["created_at"]),
    )


def inbound_values(inbound: InboundMessage, to_db: Callable[[datetime], Any]) -> dict[str, Any]:
    values = {column: getattr(inbound, column) for column in INBOUND_COLUMNS}
    values["received_at"] = to_db(inbound.received_at)
    return values


def inbound_from_row(row: Mapping[str, Any], from_db: Callable[[Any], datetime]) -> InboundMessage:
    fields = {column: row[column] for column in INBOUND_COLUMNS}
    fields["received_at"] = from_db(fields["received_at"])
    fields["body"] = bytes(fields["body"])
    return InboundMessage(**fields)


def token_values(token: ApiToken, to_db: Callable[[datetime], Any]) -> dict[str, Any]:
    return {
        "token_id": token.token_id,
        "name": token.name,
        "roles": ",".join(sorted(token.roles)),
        "digest": token.digest,
        "created_at": to_db(token.created_at),
        "revoked_at": to_db(token.revoked_at) if token.revoked_at else None,
    }


def token_from_row(row: Mapping[str, Any], from_db: Callable[[Any], datetime]) -> ApiToken:
    return ApiToken(
        token_id=row["token_id"],
        name=row["name"],
        roles=frozenset(Role(role) for role in row["roles"].split(",") if role),
        digest=row["digest"],
        created_at=from_db(row["created_at"]),
        revoked_at=from_db(row["revoked_at"]) if row["revoked_at"] else None,
    )


def audit_values(entry: AuditEntry, to_db: Callable[[datetime], Any]) -> dict[str, Any]:
    detail = json.dumps(entry.detail, sort_keys=True)
    return {**entry.fields(), "at": to_db(entry.at), "detail": detail}


def audit_from_row(row: Mapping[str, Any], from_db: Callable[[Any], datetime]) -> AuditEntry:
    return AuditEntry(
        seq=row["seq"],
        at=from_db(row["at"]),
        kind=row["kind"],
        subject=row["subject"],
        actor=row["actor"],
        detail=json.loads(row["detail"]),
        prev_hash=row["prev_hash"],
        hash=row["hash"],
    )


AUDIT_INSERT_COLUMNS = ("seq", "at", "kind", "subject", "actor", "detail", "prev_hash", "hash")


def audit_kind(query: AuditFilter) -> tuple[str | None, str | None]:
    """The kind an audit query names exactly, or the LIKE pattern of the kinds under its
    prefix (`case.`: every case entry), with LIKE's wildcards escaped by a backslash."""
    kind = query.kind
    if kind is None or not kind.endswith("."):
        return kind, None
    escaped = kind.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return None, escaped + "%"
