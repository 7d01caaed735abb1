"""The embedded tracking store: the same SQLite file as the message store, its own tables.

Like `SqliteStore`, every call runs on one dedicated thread with its own
connection, and writers use `BEGIN IMMEDIATE`, so a change and its effects
(results, an opened case) are one transaction.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from gateway.adapters.sqlite_db import SqliteDatabase
from gateway.adapters.sqlite_store import _audit, _to_db
from gateway.adapters.tracking_audit import case_audit, hit_audit
from gateway.tracking.cases import TERMINAL
from gateway.tracking.hits import HitStatus
from gateway.tracking.memory import case_conflict, hit_conflict
from gateway.tracking.records import (
    CaseChange,
    CaseOpening,
    Result,
    StoredCase,
    StoredHit,
    from_document,
    to_document,
)

__all__ = ["SqliteTrackingStore"]

T = TypeVar("T")
_TERMINAL = ", ".join(f"'{state.value}'" for state in sorted(TERMINAL))


class SqliteTrackingStore:
    """A `TrackingStore` in the gateway's SQLite file."""

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database

    @classmethod
    async def open(cls, path: Path) -> SqliteTrackingStore:
        """Open (creating if needed) the database and apply pending migrations."""
        return cls(await SqliteDatabase.open(path, thread_name="sqlite-tracking"))

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        return await self._database.run(work)

    async def add_hit(self, hit: StoredHit, results: Sequence[Result]) -> bool:
        def work(db: sqlite3.Connection) -> bool:
            cursor = db.execute(
                "INSERT INTO tracking_hits (hit_id, status, document) VALUES (?, ?, ?)"
                " ON CONFLICT (hit_id) DO NOTHING",
                (hit.hit_id, hit.status.value, to_document(hit)),
            )
            if not cursor.rowcount:
                return False
            _add_results(db, results)
            _audit(db, [hit_audit(hit)])
            return True

        return await self._run(work)

    async def hit(self, hit_id: str) -> StoredHit | None:
        def work(db: sqlite3.Connection) -> StoredHit | None:
            row = db.execute(
                "SELECT document FROM tracking_hits WHERE hit_id = ?", (hit_id,)
            ).fetchone()
            return None if row is None else from_document(StoredHit, row[0])

        return await self._run(work)

    async def hits(self, *, status: HitStatus | None = None, limit: int = 100) -> list[StoredHit]:
        def work(db: sqlite3.Connection) -> list[StoredHit]:
            rows = db.execute(
                "SELECT document FROM tracking_hits WHERE (:status IS NULL OR status = :status)"
                " ORDER BY seq LIMIT :limit",
                {"status": status.value if status else None, "limit": limit},
            )
            return [from_document(StoredHit, row[0]) for row in rows.fetchall()]

        return await self._run(work)

    async def decide_hit(
        self,
        hit: StoredHit,
        *,
        results: Sequence[Result],
        opening: CaseOpening | None = None,
        expected: HitStatus = HitStatus.AWAITING_VERIFICATION,
    ) -> None:
        def work(db: sqlite3.Connection) -> None:
            cursor = db.execute(
                "UPDATE tracking_hits SET status = ?, document = ? WHERE hit_id = ? AND status = ?",
                (
                    hit.status.value,
                    to_document(hit),
                    hit.hit_id,
                    expected.value,
                ),
            )
            if not cursor.rowcount:
                raise hit_conflict(hit.hit_id)
            _audit(db, [hit_audit(hit)])
            if opening is not None and not _open(db, opening):
                raise case_conflict(opening.change)
            _add_results(db, results)

        await self._run(work)

    async def add_case(self, opening: CaseOpening, results: Sequence[Result]) -> bool:
        def work(db: sqlite3.Connection) -> bool:
            if not _open(db, opening):
                return False
            _add_results(db, results)
            return True

        return await self._run(work)

    async def case(self, case_id: str) -> StoredCase | None:
        return await self._one_case("case_id", case_id)

    async def case_by_message(self, message_id: str) -> StoredCase | None:
        return await self._one_case("request_message_id", message_id)

    async def _one_case(self, column: str, value: str) -> StoredCase | None:
        def work(db: sqlite3.Connection) -> StoredCase | None:
            row = db.execute(
                f"SELECT document FROM tracking_cases WHERE {column} = ? ORDER BY seq LIMIT 1",  # noqa: S608
                (value,),
            ).fetchone()
            return None if row is None else from_document(StoredCase, row[0])

        return await self._run(work)

    async def cases(self, *, open_only: bool = False, limit: int = 100) -> list[StoredCase]:
        def work(db: sqlite3.Connection) -> list[StoredCase]:
            rows = db.execute(
                "SELECT document FROM tracking_cases"  # noqa: S608 - fixed text
                f" WHERE NOT (:open_only AND state IN ({_TERMINAL}))"
                " ORDER BY seq DESC LIMIT :limit",
                {"open_only": open_only, "limit": limit},
            )
            return [from_document(StoredCase, row[0]) for row in rows.fetchall()]

        return await self._run(work)

    async def move_case(
        self, case: StoredCase, change: CaseChange, results: Sequence[Result]
    ) -> None:
        def work(db: sqlite3.Connection) -> None:
            cursor = db.execute(
                "UPDATE tracking_cases SET state = ?, document = ? WHERE case_id = ? AND state = ?",
                (
                    case.state.value,
                    to_document(case),
                    case.case_id,
                    change.from_state.value if change.from_state else None,
                ),
            )
            if not cursor.rowcount:
                raise case_conflict(change)
            _add_change(db, change)
            _add_results(db, results)

        await self._run(work)

    async def case_changes(self, case_id: str) -> list[CaseChange]:
        def work(db: sqlite3.Connection) -> list[CaseChange]:
            rows = db.execute(
                "SELECT document FROM tracking_case_changes WHERE case_id = ? ORDER BY id",
                (case_id,),
            )
            return [from_document(CaseChange, row[0]) for row in rows.fetchall()]

        return await self._run(work)

    async def add_results(self, results: Sequence[Result]) -> list[str]:
        return await self._run(lambda db: _add_results(db, results))

    async def results(self, *, submitter: str, after: int = 0, limit: int = 100) -> list[Result]:
        return await self._run(
            lambda db: _results(
                db,
                "submitter = ? AND seq > ? ORDER BY seq LIMIT ?",
                (submitter, after, limit),
            )
        )

    async def result(self, result_id: str) -> Result | None:
        found = await self._run(lambda db: _results(db, "result_id = ?", (result_id,)))
        return found[0] if found else None

    async def unqueued_results(self, *, submitters: Sequence[str], limit: int) -> list[Result]:
        if not submitters:
            return []
        marks = ", ".join("?" for _ in submitters)
        return await self._run(
            lambda db: _results(
                db,
                f"queued_at IS NULL AND submitter IN ({marks}) ORDER BY seq LIMIT ?",
                (*submitters, limit),
            )
        )

    async def mark_queued(self, result_ids: Sequence[str], *, at: datetime) -> None:
        await self._run(
            lambda db: db.executemany(
                "UPDATE tracking_results SET queued_at = ? WHERE result_id = ?",
                [(_to_db(at), result_id) for result_id in result_ids],
            )
        )

    async def close(self) -> None:
        await self._database.close()


def _open(db: sqlite3.Connection, opening: CaseOpening) -> bool:
    case = opening.case
    cursor = db.execute(
        "INSERT INTO tracking_cases (case_id, state, request_message_id, document)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (case_id) DO NOTHING",
        (case.case_id, case.state.value, case.request_message_id, to_document(case)),
    )
    if not cursor.rowcount:
        return False
    _add_change(db, opening.change)
    return True


def _add_change(db: sqlite3.Connection, change: CaseChange) -> None:
    db.execute(
        "INSERT INTO tracking_case_changes (case_id, document) VALUES (?, ?)",
        (change.case_id, to_document(change)),
    )
    _audit(db, [case_audit(change)])


def _add_results(db: sqlite3.Connection, results: Sequence[Result]) -> list[str]:
    new = []
    for result in results:
        cursor = db.execute(
            "INSERT INTO tracking_results (result_id, submitter, document) VALUES (?, ?, ?)"
            " ON CONFLICT (result_id) DO NOTHING",
            (result.result_id, result.submitter, to_document(result)),
        )
        if cursor.rowcount:
            new.append(result.result_id)
    return new


def _results(db: sqlite3.Connection, where: str, values: tuple[object, ...]) -> list[Result]:
    query = f"SELECT seq, document FROM tracking_results WHERE {where}"  # noqa: S608
    rows = db.execute(query, values)
    return [_result(row[0], row[1]) for row in rows.fetchall()]


def _result(seq: int, document: str) -> Result:
    return dataclasses.replace(from_document(Result, document), seq=seq)
