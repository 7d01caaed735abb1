"""The Central System's stored data sets: SQL over the simulator's database connection.

Each function takes the open connection of one transaction (`SimDb.run`).
Records are kept as the canonical JSON of what was transmitted.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import date, datetime
from typing import Any

from gateway.domain.eurodac import Regime
from gateway.domain.eurodac_law import StatusKind
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord, StatusUpdate
from gateway.domain.serialization import decode_record, encode
from simulators.common.state import from_db, to_db
from simulators.eurodac.rules import Comparison, StoredSummary, eligible

__all__ = [
    "Notification",
    "StoredRecord",
    "add_status",
    "candidates",
    "correct",
    "delete",
    "find",
    "insert",
    "link",
    "linked",
    "listing",
    "mark",
    "mark_notices",
    "notifications",
    "record_mark_notices",
]


@frozen
class StoredRecord:
    summary: StoredSummary
    regime: Regime
    captured_on: date
    record: CanonicalRecord
    transmitted_on: date
    status: tuple[StatusUpdate, ...] = ()


@frozen
class Notification:
    """The Central System tells a member state that linked data were erased in advance."""

    member_state: str
    reference: str
    deleted: str
    reason: str


def _summary(row: sqlite3.Row) -> StoredSummary:
    return StoredSummary(
        reference=row["reference"],
        member_state=row["member_state"],
        category=row["category"],
        expires_on=date.fromisoformat(row["expires_on"]),
        marked=bool(row["marked"]),
        deleted=row["deleted_at"] is not None,
        regime=Regime(row["regime"]),
        mark_reason=row["mark_reason"],
    )


def _stored(db: sqlite3.Connection, row: sqlite3.Row) -> StoredRecord:
    decoded = decode_record(json.loads(row["record_json"]))
    if decoded.value is None:  # only records this module wrote are stored
        raise ValueError(f"stored record {row['reference']} cannot be read: {decoded.problems}")
    return StoredRecord(
        summary=_summary(row),
        regime=Regime(row["regime"]),
        captured_on=date.fromisoformat(row["captured_on"]),
        record=decoded.value,
        transmitted_on=from_db(row["stored_at"]).date(),
        status=_status(db, row["reference"]),
    )


def _status(db: sqlite3.Connection, reference: str) -> tuple[StatusUpdate, ...]:
    rows = db.execute(
        "SELECT kind, on_day, member_state FROM eurodac_status WHERE reference = ? ORDER BY id",
        (reference,),
    ).fetchall()
    return tuple(
        StatusUpdate(
            kind=StatusKind(row["kind"]),
            on=date.fromisoformat(row["on_day"]),
            member_state=row["member_state"],
        )
        for row in rows
    )


def add_status(db: sqlite3.Connection, reference: str, update: StatusUpdate, at: datetime) -> None:
    """Add what happened to the person to a stored data set (a hit carries it)."""
    db.execute(
        "INSERT INTO eurodac_status (reference, kind, on_day, member_state, at)"
        " VALUES (?, ?, ?, ?, ?)",
        (reference, update.kind.value, update.on.isoformat(), update.member_state, to_db(at)),
    )


def find(db: sqlite3.Connection, reference: str) -> StoredSummary | None:
    row = db.execute("SELECT * FROM eurodac_records WHERE reference = ?", (reference,)).fetchone()
    return None if row is None else _summary(row)


def candidates(db: sqlite3.Connection, against: Comparison, on: date) -> list[StoredRecord]:
    """Data sets a comparison made on `on` takes in (`rules.eligible`: of the categories,
    not erased, not expired, marked where the law compares marked data only)."""
    marks = ", ".join("?" for _ in against.categories) or "NULL"
    rows = db.execute(
        f"SELECT * FROM eurodac_records WHERE deleted_at IS NULL AND expires_on > ?"  # noqa: S608 - placeholders only
        f" AND category IN ({marks}) ORDER BY stored_at",
        (on.isoformat(), *sorted(against.categories)),
    ).fetchall()
    found = [_stored(db, row) for row in rows]
    return [c for c in found if eligible(c.summary, against=against, on=on)]


def insert(
    db: sqlite3.Connection,
    record: CanonicalRecord,
    *,
    expires: date,
    stored_at: datetime,
    late: bool,
) -> bool:
    """Store a data set under its reference; False when the reference is already taken."""
    transaction = record.transaction
    biometrics = record.biometrics
    if transaction is None or biometrics is None:
        raise ValueError("a stored data set has a transaction and biometrics")
    return bool(
        db.execute(
            "INSERT INTO eurodac_records (reference, member_state, category, regime, captured_on,"
            " expires_on, stored_at, late, record_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (reference) DO NOTHING",
            (
                str(transaction.reference),
                transaction.reference.member_state,
                transaction.category,
                transaction.regime.value,
                biometrics.captured_on.isoformat(),
                expires.isoformat(),
                to_db(stored_at),
                int(late),
                json.dumps(encode(record)),
            ),
        ).rowcount
    )


def correct(db: sqlite3.Connection, record: CanonicalRecord) -> None:
    """Replace the transmitted data of a stored data set; its reference, dates and, when the
    correction carries none, its biometrics stay."""
    if record.transaction is None:
        raise ValueError("a correction names its reference")
    reference = str(record.transaction.reference)
    row = db.execute("SELECT * FROM eurodac_records WHERE reference = ?", (reference,)).fetchone()
    if row is None:
        return
    if record.biometrics is None:
        record = dataclasses.replace(record, biometrics=_stored(db, row).record.biometrics)
    db.execute(
        "UPDATE eurodac_records SET record_json = ? WHERE reference = ?",
        (json.dumps(encode(record)), reference),
    )


def link(db: sqlite3.Connection, reference: str, others: list[str]) -> None:
    """Remember that data sets were found to be of one person (both ways)."""
    pairs = [(reference, other) for other in others] + [(other, reference) for other in others]
    db.executemany("INSERT OR IGNORE INTO eurodac_links (reference, other) VALUES (?, ?)", pairs)


def mark(db: sqlite3.Connection, reference: str, *, marked: bool, reason: str) -> None:
    db.execute(
        "UPDATE eurodac_records SET marked = ?, mark_reason = ? WHERE reference = ?",
        (int(marked), reason if marked else None, reference),
    )


def delete(
    db: sqlite3.Connection, reference: str, *, reason: str, at: datetime
) -> list[Notification]:
    """Erase a data set in advance and notify the states of origin of data linked to it."""
    db.execute(
        "UPDATE eurodac_records SET deleted_at = ?, deletion_reason = ?, record_json = '{}'"
        " WHERE reference = ? AND deleted_at IS NULL",
        (to_db(at), reason, reference),
    )
    rows = db.execute(
        "SELECT r.reference, r.member_state FROM eurodac_links AS l"
        " JOIN eurodac_records AS r ON r.reference = l.other"
        " WHERE l.reference = ? AND r.deleted_at IS NULL ORDER BY r.reference",
        (reference,),
    ).fetchall()
    notices = [
        Notification(
            member_state=row["member_state"],
            reference=row["reference"],
            deleted=reference,
            reason=reason,
        )
        for row in rows
    ]
    db.executemany(
        "INSERT INTO eurodac_notifications (member_state, reference, deleted, reason, at)"
        " VALUES (?, ?, ?, ?, ?)",
        [(n.member_state, n.reference, n.deleted, n.reason, to_db(at)) for n in notices],
    )
    return notices


def linked(db: sqlite3.Connection, reference: str) -> list[StoredSummary]:
    """The data sets, not erased, a comparison found to be of the same person as `reference`."""
    rows = db.execute(
        "SELECT r.* FROM eurodac_links AS l JOIN eurodac_records AS r ON r.reference = l.other"
        " WHERE l.reference = ? AND r.deleted_at IS NULL ORDER BY r.reference",
        (reference,),
    ).fetchall()
    return [_summary(row) for row in rows]


def record_mark_notices(
    db: sqlite3.Connection, notices: list[tuple[StoredSummary, bool]], *, marked: str,
    reason: str, at: datetime,
) -> None:  # fmt: skip
    """Remember the notices of a marking: (the data set told about it, delivered or not)."""
    db.executemany(
        "INSERT INTO eurodac_mark_notices (member_state, reference, marked, reason, sent, at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            (s.member_state, s.reference, marked, reason, int(sent), to_db(at))
            for s, sent in notices
        ],
    )


def mark_notices(db: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT member_state, reference, marked, reason, sent, at FROM eurodac_mark_notices"
        " ORDER BY id"
    ).fetchall()
    return [{**dict(row), "sent": bool(row["sent"])} for row in rows]


def listing(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every data set's facts (no personal data), for testers."""
    rows = db.execute(
        "SELECT reference, member_state, category, regime, captured_on, expires_on, stored_at,"
        " marked, mark_reason, deleted_at, deletion_reason, late FROM eurodac_records"
        " ORDER BY stored_at"
    ).fetchall()
    return [{**dict(row), "marked": bool(row["marked"]), "late": bool(row["late"])} for row in rows]


def notifications(db: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = db.execute(
        "SELECT member_state, reference, deleted, reason, at FROM eurodac_notifications ORDER BY id"
    ).fetchall()
    return [dict(row) for row in rows]
