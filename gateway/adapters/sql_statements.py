"""The message store's SQL, written once for SQLite and PostgreSQL.

Each statement is built from one text and the few things the two dialects say differently
(`Dialect`): how a parameter is written, how a NULL test of a parameter names its type,
row locks (`FOR UPDATE`, `SKIP LOCKED`: SQLite has one writer and no row locks), how a list
is passed, and how times are kept (UTC text in a fixed format, so that text order is time
order; `timestamptz`). Only constants of this module and of `sql_common` go into the text,
never input.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.adapters.sql_batches import BATCH_COLUMNS
from gateway.adapters.sql_common import (
    AUDIT_INSERT_COLUMNS,
    BLOCKING_STATES,
    INBOUND_COLUMNS,
    MESSAGE_COLUMNS,
    MUTABLE_COLUMNS,
    PURGEABLE_STATES,
    SUBMISSION_COLUMNS,
)
from gateway.domain.frozen import frozen

__all__ = ["POSTGRES", "SQLITE", "Bulk", "Dialect", "Statements"]

AUDIT_LOCK = 0x65756778  # PostgreSQL: one appender to the audit chain at a time
_BATCH_MUTABLE = ("state", "total", "mapped", "rejected", "queued", "error", "updated_at")
_TOKEN_COLUMNS = ("token_id", "name", "roles", "digest", "created_at", "revoked_at")
_WAITING = "('queued', 'sending', 'retry_wait')"
_CHANGE_COLUMNS = ("message_id", "at", "from_state", "to_state", "event", "detail")


def _text_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _from_text_time(text: Any) -> datetime:
    return datetime.fromisoformat(str(text))  # the format above, with its Z: aware, in UTC


def _keep_time(moment: datetime) -> datetime:
    return moment


def _timestamp(moment: Any) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"expected a timestamp, got {type(moment).__name__}")
    return moment


@frozen
class Dialect:
    """What SQLite and PostgreSQL say differently."""

    name: str
    to_db: Callable[[datetime], Any]
    from_db: Callable[[Any], datetime]
    placeholder: Callable[[str], str]
    typed: bool  # a NULL test of a parameter names the parameter's type
    lock_row: str  # after a SELECT of rows to change
    lock_due: str  # after the claim's SELECT: rows other transactions hold are skipped
    in_list: Callable[[str, str], str]  # `column` in the list parameter `name`
    list_value: Callable[[Sequence[str]], Any]  # the value of such a parameter
    audit_lock: str | None  # the statement that serialises appenders to the audit chain
    bulk: bool  # many rows of a statement are sent as arrays in one (`Bulk`), not one by one

    def p(self, name: str) -> str:
        return self.placeholder(name)

    def unset(self, name: str, kind: str = "text") -> str:
        """The test that the parameter `name` (of SQL type `kind`) is NULL."""
        return f"{self.p(name)}::{kind} IS NULL" if self.typed else f"{self.p(name)} IS NULL"

    def time(self, moment: datetime | None) -> Any:
        return None if moment is None else self.to_db(moment)


SQLITE = Dialect(
    name="sqlite",
    to_db=_text_time,
    from_db=_from_text_time,
    placeholder=lambda name: f":{name}",
    typed=False,
    lock_row="",
    lock_due="",
    in_list=lambda column, name: f"{column} IN (SELECT value FROM json_each(:{name}))",
    list_value=lambda values: json.dumps(list(values)),
    audit_lock=None,
    bulk=False,
)
POSTGRES = Dialect(
    name="postgresql",
    to_db=_keep_time,
    from_db=_timestamp,
    placeholder=lambda name: f"%({name})s",
    typed=True,
    lock_row=" FOR UPDATE",
    lock_due=" FOR UPDATE OF m SKIP LOCKED",
    in_list=lambda column, name: f"{column} = ANY(%({name})s::text[])",
    list_value=list,
    audit_lock=f"SELECT pg_advisory_xact_lock({AUDIT_LOCK})",
    bulk=True,
)


@frozen
class Bulk:
    """Many rows of a one-row statement as one statement over a JSON array of them
    (PostgreSQL's `json_to_recordset`): one execution on the server instead of one a row,
    and one parameter that Python's C JSON encoder writes (psycopg writes arrays element
    by element in Python). `key`: for an update, the column that names the row (the last
    of several updates of one row wins). `returning`: for an insert that does nothing on
    a conflict, the one column it returns of each row it inserted; its rows go in the
    order of the `conflict` columns (equal ones as they came), so that two transactions
    inserting the same keys wait for each other in one order, never in a circle."""

    sql: str
    columns: tuple[str, ...]
    key: str | None = None
    returning: str | None = None
    conflict: tuple[str, ...] = ()

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
        if self.key is not None:
            rows = list({row[self.key]: row for row in rows}.values())
        if self.conflict:
            rows = sorted(rows, key=lambda row: [row[column] for column in self.conflict])
        columns = self.columns
        records = [{column: row[column] for column in columns} for row in rows]
        return {"rows": json.dumps(records, default=_json_value, ensure_ascii=False)}

    def answers(
        self, rows: Sequence[Mapping[str, Any]], returned: Sequence[Mapping[str, Any]]
    ) -> list[list[Mapping[str, Any]]]:
        """What each row's own statement would have returned: its `returning` column if it
        was inserted (the first of the rows with that value), else nothing."""
        column = self.returning
        if column is None:
            raise TypeError("only an insert that returns a column has answers")
        inserted = {row[column] for row in returned}
        answers: list[list[Mapping[str, Any]]] = []
        for row in rows:
            value = row[column]
            answers.append([{column: value}] if value in inserted else [])
            inserted.discard(value)
        return answers


def _json_value(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()  # PostgreSQL reads it back to the microsecond
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(value).decode("ascii")  # decode(..., 'base64') in _records
    raise TypeError(f"{type(value).__name__} has no place in a bulk statement")


_TYPES = {
    "message_id": "text", "at": "timestamptz", "from_state": "text", "to_state": "text",
    "event": "text", "detail": "text", "seq": "bigint", "kind": "text", "subject": "text",
    "actor": "text", "prev_hash": "text", "hash": "text", "state": "text",
    "attempts": "integer", "updated_at": "timestamptz", "first_attempt_at": "timestamptz",
    "next_attempt_at": "timestamptz", "lease_owner": "text", "lease_until": "timestamptz",
    "last_error": "text", "peer": "text", "message_type": "text", "conversation_id": "text",
    "correlation_id": "text", "order_key": "text", "submission_id": "text",
    "reference": "text", "created_at": "timestamptz", "received_at": "timestamptz",
    "body": "bytea", "submitter": "text", "idempotency_key": "text",
    "request_digest": "text", "status": "text", "http_status": "integer",
    "response": "text", "message_ids": "text",
}  # fmt: skip


def _records(columns: Sequence[str]) -> str:
    """The rows of the JSON array as a table `v` (bytes come as base64 text)."""
    typed = ", ".join(
        f"{column} {'text' if _TYPES[column] == 'bytea' else _TYPES[column]}" for column in columns
    )
    return f"json_to_recordset(%(rows)s::json) AS v ({typed})"


def _values(columns: Sequence[str]) -> str:
    return ", ".join(
        f"decode(v.{column}, 'base64')" if _TYPES[column] == "bytea" else f"v.{column}"
        for column in columns
    )


def _bulk_insert(
    table: str, columns: Sequence[str], conflict: Sequence[str] = (), returning: str | None = None
) -> Bulk:
    names = ", ".join(columns)
    sql = f"INSERT INTO {table} ({names}) SELECT {_values(columns)} FROM {_records(columns)}"
    if conflict:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {returning}"
    return Bulk(sql=sql, columns=tuple(columns), returning=returning, conflict=tuple(conflict))


def _bulk_update(table: str, key: str, columns: Sequence[str]) -> Bulk:
    every = (*columns, key)
    changes = ", ".join(f"{column} = v.{column}" for column in columns)
    sql = f"UPDATE {table} AS t SET {changes} FROM {_records(every)} WHERE t.{key} = v.{key}"
    return Bulk(sql=sql, columns=every, key=key)


def _insert(d: Dialect, table: str, columns: Sequence[str], conflict: str = "") -> str:
    values = ", ".join(d.p(column) for column in columns)
    text = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})"
    return text + (f" ON CONFLICT ({conflict}) DO NOTHING" if conflict else "")


def _set(d: Dialect, columns: Sequence[str]) -> str:
    return ", ".join(f"{column} = {d.p(column)}" for column in columns)


class Statements:
    """Every statement of the message store, in one dialect."""

    def __init__(self, d: Dialect) -> None:
        self.dialect = d
        p, unset = d.p, d.unset
        blocking = ", ".join(f"'{state}'" for state in BLOCKING_STATES)
        purgeable = ", ".join(f"'{state}'" for state in PURGEABLE_STATES)
        # messages
        self.insert_message = (
            _insert(d, "messages", MESSAGE_COLUMNS, "message_id") + " RETURNING message_id"
        )
        self.update_message = (
            f"UPDATE messages SET {_set(d, MUTABLE_COLUMNS)} WHERE message_id = {p('message_id')}"
        )
        self.insert_change = _insert(d, "state_changes", _CHANGE_COLUMNS)
        self.message = f"SELECT * FROM messages WHERE message_id = {p('message_id')}"
        self.lock_message = self.message + d.lock_row
        self.lock_messages = (  # in one order, so that two groups never wait in a circle
            f"SELECT * FROM messages WHERE {d.in_list('message_id', 'ids')}"
            " ORDER BY message_id" + d.lock_row
        )
        self.due = (
            "SELECT * FROM messages AS m"
            f" WHERE (m.state = 'queued'"
            f" OR (m.state = 'retry_wait' AND m.next_attempt_at <= {p('now')})"
            f" OR (m.state = 'sending' AND m.lease_until <= {p('now')}))"
            f" AND ({unset('peer')} OR m.peer = {p('peer')})"
            " AND (m.order_key IS NULL OR NOT EXISTS (SELECT 1 FROM messages AS e"
            f" WHERE e.order_key = m.order_key AND e.seq < m.seq AND e.state IN ({blocking})))"
            f" ORDER BY m.seq LIMIT {p('limit')}" + d.lock_due
        )
        self.timeline = (
            f"SELECT * FROM state_changes WHERE message_id = {p('message_id')} ORDER BY id"
        )
        self.find = (
            f"SELECT * FROM messages WHERE ({unset('state')} OR state = {p('state')})"
            f" AND ({unset('peer')} OR peer = {p('peer')})"
            f" AND ({unset('reference')} OR reference = {p('reference')})"
            f" AND ({unset('conversation')} OR conversation_id = {p('conversation')})"
            f" AND ({unset('correlation')} OR correlation_id = {p('correlation')})"
            f" AND ({unset('since', 'timestamptz')} OR created_at >= {p('since')})"
            f" AND ({unset('until', 'timestamptz')} OR created_at < {p('until')})"
            f" AND ({unset('type')} OR message_type = {p('type')})"
            f" ORDER BY seq DESC LIMIT {p('limit')} OFFSET {p('offset')}"
        )
        self.oldest_waiting = (
            "SELECT peer, min(created_at) AS oldest FROM messages"
            f" WHERE state IN {_WAITING} GROUP BY peer"
        )
        self.counts = "SELECT peer, state, count(*) AS n FROM messages GROUP BY peer, state"
        self.purge_bodies = (
            "UPDATE messages SET body = NULL WHERE body IS NOT NULL"
            f" AND state IN ({purgeable}) AND updated_at < {p('before')} RETURNING message_id"
        )
        self.next_due = (
            "SELECT min(CASE state WHEN 'retry_wait' THEN next_attempt_at ELSE lease_until END)"
            " AS due FROM messages WHERE state IN ('retry_wait', 'sending')"
            f" AND ({unset('peer')} OR peer = {p('peer')})"
        )
        # submissions, inbound messages, tokens
        self.insert_submission = (
            _insert(d, "submissions", SUBMISSION_COLUMNS, "submitter, idempotency_key")
            + " RETURNING submission_id"
        )
        self.submission = f"SELECT * FROM submissions WHERE submission_id = {p('id')}"
        self.submission_by_key = (
            "SELECT * FROM submissions"
            f" WHERE submitter = {p('submitter')} AND idempotency_key = {p('key')}"
        )
        self.insert_inbound = (
            _insert(d, "inbound", INBOUND_COLUMNS, "message_id") + " RETURNING message_id"
        )
        self.inbound = f"SELECT * FROM inbound WHERE message_id = {p('id')}"
        self.find_inbound = (
            f"SELECT * FROM inbound WHERE ({unset('peer')} OR peer = {p('peer')})"
            f" AND ({unset('type')} OR message_type = {p('type')})"
            f" AND ({unset('conversation')} OR conversation_id = {p('conversation')})"
            f" AND ({unset('ids', 'text[]')} OR {d.in_list('correlation_id', 'ids')})"
            f" AND ({unset('since', 'timestamptz')} OR received_at >= {p('since')})"
            f" AND ({unset('until', 'timestamptz')} OR received_at < {p('until')})"
            " ORDER BY received_at DESC, message_id DESC"
            f" LIMIT {p('limit')} OFFSET {p('offset')}"
        )
        self.insert_token = _insert(d, "api_tokens", _TOKEN_COLUMNS)
        self.lock_token = f"SELECT * FROM api_tokens WHERE token_id = {p('id')}" + d.lock_row
        self.revoke_token = (
            f"UPDATE api_tokens SET revoked_at = {p('at')} WHERE token_id = {p('id')}"
        )
        self.token_by_digest = f"SELECT * FROM api_tokens WHERE digest = {p('digest')}"
        self.tokens = "SELECT * FROM api_tokens ORDER BY created_at, token_id"
        # the audit trail
        self.audit_lock = d.audit_lock
        self.audit_tail = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
        self.insert_audit = _insert(d, "audit", AUDIT_INSERT_COLUMNS)
        # the rows a transaction writes most, many at once where the dialect can
        self.bulk: dict[str, Bulk] = (
            {
                self.insert_change: _bulk_insert("state_changes", _CHANGE_COLUMNS),
                self.insert_audit: _bulk_insert("audit", AUDIT_INSERT_COLUMNS),
                self.update_message: _bulk_update("messages", "message_id", MUTABLE_COLUMNS),
                # the inserts sent ahead (SqlStore): each row's answer is its key if it is new
                self.insert_message: _bulk_insert(
                    "messages", MESSAGE_COLUMNS, ("message_id",), returning="message_id"
                ),
                self.insert_inbound: _bulk_insert(
                    "inbound", INBOUND_COLUMNS, ("message_id",), returning="message_id"
                ),
                self.insert_submission: _bulk_insert(
                    "submissions",
                    SUBMISSION_COLUMNS,
                    ("submitter", "idempotency_key"),
                    returning="submission_id",
                ),
            }
            if d.bulk
            else {}
        )
        self.audit_entries = (
            f"SELECT * FROM audit WHERE seq > {p('after')} ORDER BY seq LIMIT {p('limit')}"
        )
        self.audit_head = "SELECT * FROM audit ORDER BY seq DESC LIMIT 1"
        self.find_audit = (
            f"SELECT * FROM audit WHERE ({unset('kind')} OR kind = {p('kind')})"
            f" AND ({unset('prefix')} OR kind LIKE {p('prefix')} ESCAPE '\\')"
            f" AND ({unset('actor')} OR actor = {p('actor')})"
            f" AND ({unset('subject')} OR subject = {p('subject')})"
            f" AND ({unset('since', 'timestamptz')} OR at >= {p('since')})"
            f" AND ({unset('until', 'timestamptz')} OR at < {p('until')})"
            f" AND ({unset('before', 'bigint')} OR seq < {p('before')})"
            f" ORDER BY seq DESC LIMIT {p('limit')}"
        )
        # batch uploads
        self.insert_batch = (
            _insert(d, "batches", BATCH_COLUMNS, "submitter, idempotency_key")
            + " RETURNING batch_id"
        )
        self.batch = f"SELECT * FROM batches WHERE batch_id = {p('id')}"
        self.lock_batch = self.batch + d.lock_row
        self.batch_by_key = (
            f"SELECT * FROM batches WHERE submitter = {p('submitter')}"
            f" AND idempotency_key = {p('key')}"
        )
        self.update_batch = (
            f"UPDATE batches SET {_set(d, _BATCH_MUTABLE)} WHERE batch_id = {p('batch_id')}"
        )
        self.insert_rejection = _insert(
            d, "batch_rejections", ("batch_id", "record", "line", "problems"), "batch_id, record"
        )
        self.rejections = (
            f"SELECT * FROM batch_rejections WHERE batch_id = {p('id')} ORDER BY record"
            f" LIMIT {p('limit')} OFFSET {p('offset')}"
        )
        self.stale_batches = (
            "SELECT * FROM batches WHERE state = 'running'"
            f" AND updated_at < {p('before')} ORDER BY created_at"
        )
        self.check = "SELECT 1 AS answer"
