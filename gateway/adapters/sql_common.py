"""What the SQLite and PostgreSQL stores share: migrations on disk and row mapping."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

from gateway.broker.memory import BLOCKING_ORDER, PURGEABLE
from gateway.broker.records import StateChange, StoredMessage
from gateway.broker.states import Event, MessageState

__all__ = [
    "BLOCKING_STATES",
    "MESSAGE_COLUMNS",
    "MUTABLE_COLUMNS",
    "PURGEABLE_STATES",
    "Migration",
    "message_from_row",
    "message_values",
    "migrations",
    "state_change_from_row",
]

MESSAGE_COLUMNS = (
    "message_id",
    "peer",
    "message_type",
    "conversation_id",
    "correlation_id",
    "order_key",
    "submission_id",
    "reference",
    "state",
    "attempts",
    "created_at",
    "updated_at",
    "first_attempt_at",
    "next_attempt_at",
    "lease_owner",
    "lease_until",
    "last_error",
    "body",
)
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
BLOCKING_STATES = tuple(sorted(state.value for state in BLOCKING_ORDER))
PURGEABLE_STATES = tuple(sorted(state.value for state in PURGEABLE))
_DATETIMES = frozenset(
    {"created_at", "updated_at", "first_attempt_at", "next_attempt_at", "lease_until"}
)
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


@dataclass(frozen=True, kw_only=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations(dialect: str) -> list[Migration]:
    """The `.sql` files next to the adapter of `dialect`, in version order."""
    folder = resources.files("gateway.adapters").joinpath(dialect)
    found = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append(
                Migration(
                    version=int(match.group(1)), name=entry.name, sql=entry.read_text("utf-8")
                )
            )
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
