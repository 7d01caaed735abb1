"""The shared tracking store: the message store's PostgreSQL database, its own tables.

Changes are compare-and-set updates (`WHERE state = <the state read>`), so two
gateway processes never both apply a verdict or a case change; a change and
its effects are one transaction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from gateway.adapters.postgres_db import Connection, PostgresDatabase
from gateway.adapters.postgres_store import _audit
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

__all__ = ["PostgresTrackingStore"]

T = TypeVar("T")
_TERMINAL = [state.value for state in sorted(TERMINAL)]


class PostgresTrackingStore:
    """A `TrackingStore` in the gateway's PostgreSQL database (optionally in a schema)."""

    def __init__(self, database: PostgresDatabase) -> None:
        self._database = database

    @classmethod
    async def open(cls, conninfo: str, *, schema: str | None = None) -> PostgresTrackingStore:
        """Connect, create `schema` if given, and apply pending migrations."""
        return cls(await PostgresDatabase.open(conninfo, schema=schema, max_size=4))

    async def _transaction(self, work: Callable[[Connection], Awaitable[T]]) -> T:
        return await self._database.transaction(work)

    async def add_hit(self, hit: StoredHit, results: Sequence[Result]) -> bool:
        async def work(conn: Connection) -> bool:
            cursor = await conn.execute(
                "INSERT INTO tracking_hits (hit_id, status, document) VALUES (%s, %s, %s)"
                " ON CONFLICT (hit_id) DO NOTHING",
                (hit.hit_id, hit.status.value, to_document(hit)),
            )
            if not cursor.rowcount:
                return False
            await _add_results(conn, results)
            await _audit(conn, [hit_audit(hit)])
            return True

        return await self._transaction(work)

    async def hit(self, hit_id: str) -> StoredHit | None:
        found = await self._documents(
            "SELECT document FROM tracking_hits WHERE hit_id = %s", (hit_id,)
        )
        return from_document(StoredHit, found[0]) if found else None

    async def hits(self, *, status: HitStatus | None = None, limit: int = 100) -> list[StoredHit]:
        found = await self._documents(
            "SELECT document FROM tracking_hits WHERE (%(status)s::text IS NULL"
            " OR status = %(status)s) ORDER BY seq LIMIT %(limit)s",
            {"status": status.value if status else None, "limit": limit},
        )
        return [from_document(StoredHit, document) for document in found]

    async def decide_hit(
        self,
        hit: StoredHit,
        *,
        results: Sequence[Result],
        opening: CaseOpening | None = None,
        expected: HitStatus = HitStatus.AWAITING_VERIFICATION,
    ) -> None:
        async def work(conn: Connection) -> None:
            cursor = await conn.execute(
                "UPDATE tracking_hits SET status = %s, document = %s"
                " WHERE hit_id = %s AND status = %s",
                (
                    hit.status.value,
                    to_document(hit),
                    hit.hit_id,
                    expected.value,
                ),
            )
            if not cursor.rowcount:
                raise hit_conflict(hit.hit_id)
            await _audit(conn, [hit_audit(hit)])
            if opening is not None and not await _open(conn, opening):
                raise case_conflict(opening.change)
            await _add_results(conn, results)

        await self._transaction(work)

    async def add_case(self, opening: CaseOpening, results: Sequence[Result]) -> bool:
        async def work(conn: Connection) -> bool:
            if not await _open(conn, opening):
                return False
            await _add_results(conn, results)
            return True

        return await self._transaction(work)

    async def case(self, case_id: str) -> StoredCase | None:
        found = await self._documents(
            "SELECT document FROM tracking_cases WHERE case_id = %s", (case_id,)
        )
        return from_document(StoredCase, found[0]) if found else None

    async def case_by_message(self, message_id: str) -> StoredCase | None:
        found = await self._documents(
            "SELECT document FROM tracking_cases WHERE request_message_id = %s"
            " ORDER BY seq LIMIT 1",
            (message_id,),
        )
        return from_document(StoredCase, found[0]) if found else None

    async def cases(self, *, open_only: bool = False, limit: int = 100) -> list[StoredCase]:
        found = await self._documents(
            "SELECT document FROM tracking_cases"
            " WHERE NOT (%(open_only)s AND state = ANY(%(terminal)s))"
            " ORDER BY seq DESC LIMIT %(limit)s",
            {"open_only": open_only, "terminal": _TERMINAL, "limit": limit},
        )
        return [from_document(StoredCase, document) for document in found]

    async def move_case(
        self, case: StoredCase, change: CaseChange, results: Sequence[Result]
    ) -> None:
        async def work(conn: Connection) -> None:
            cursor = await conn.execute(
                "UPDATE tracking_cases SET state = %s, document = %s"
                " WHERE case_id = %s AND state = %s",
                (
                    case.state.value,
                    to_document(case),
                    case.case_id,
                    change.from_state.value if change.from_state else None,
                ),
            )
            if not cursor.rowcount:
                raise case_conflict(change)
            await _add_change(conn, change)
            await _add_results(conn, results)

        await self._transaction(work)

    async def case_changes(self, case_id: str) -> list[CaseChange]:
        found = await self._documents(
            "SELECT document FROM tracking_case_changes WHERE case_id = %s ORDER BY id",
            (case_id,),
        )
        return [from_document(CaseChange, document) for document in found]

    async def add_results(self, results: Sequence[Result]) -> list[str]:
        return await self._transaction(lambda conn: _add_results(conn, results))

    async def results(self, *, submitter: str, after: int = 0, limit: int = 100) -> list[Result]:
        return await self._results(
            "submitter = %s AND seq > %s ORDER BY seq LIMIT %s", (submitter, after, limit)
        )

    async def result(self, result_id: str) -> Result | None:
        found = await self._results("result_id = %s", (result_id,))
        return found[0] if found else None

    async def unqueued_results(self, *, submitters: Sequence[str], limit: int) -> list[Result]:
        return await self._results(
            "queued_at IS NULL AND submitter = ANY(%s) ORDER BY seq LIMIT %s",
            (list(submitters), limit),
        )

    async def mark_queued(self, result_ids: Sequence[str], *, at: datetime) -> None:
        async def work(conn: Connection) -> None:
            await conn.execute(
                "UPDATE tracking_results SET queued_at = %s WHERE result_id = ANY(%s)",
                (at, list(result_ids)),
            )

        await self._transaction(work)

    async def close(self) -> None:
        await self._database.close()

    async def _documents(self, query: str, values: Any) -> list[str]:
        async def work(conn: Connection) -> list[str]:
            cursor = await conn.execute(query, values)
            return [row["document"] for row in await cursor.fetchall()]

        return await self._transaction(work)

    async def _results(self, where: str, values: tuple[object, ...]) -> list[Result]:
        async def work(conn: Connection) -> list[Result]:
            cursor = await conn.execute(
                f"SELECT seq, document FROM tracking_results WHERE {where}",  # noqa: S608 - fixed text
                values,
            )
            return [
                dataclasses.replace(from_document(Result, row["document"]), seq=row["seq"])
                for row in await cursor.fetchall()
            ]

        return await self._transaction(work)


async def _open(conn: Connection, opening: CaseOpening) -> bool:
    case = opening.case
    cursor = await conn.execute(
        "INSERT INTO tracking_cases (case_id, state, request_message_id, document)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (case_id) DO NOTHING",
        (case.case_id, case.state.value, case.request_message_id, to_document(case)),
    )
    if not cursor.rowcount:
        return False
    await _add_change(conn, opening.change)
    return True


async def _add_change(conn: Connection, change: CaseChange) -> None:
    await conn.execute(
        "INSERT INTO tracking_case_changes (case_id, document) VALUES (%s, %s)",
        (change.case_id, to_document(change)),
    )
    await _audit(conn, [case_audit(change)])


async def _add_results(conn: Connection, results: Sequence[Result]) -> list[str]:
    new = []
    for result in results:
        cursor = await conn.execute(
            "INSERT INTO tracking_results (result_id, submitter, document) VALUES (%s, %s, %s)"
            " ON CONFLICT (result_id) DO NOTHING",
            (result.result_id, result.submitter, to_document(result)),
        )
        if cursor.rowcount:
            new.append(result.result_id)
    return new
