"""The tracking store over SQL, once for SQLite and PostgreSQL: hits, Dublin cases and their
history, results for the submitters, in the message store's database, its own tables.

Each change runs as one unit of the message store's `Engine` (`SqliteEngine`: the file's
one thread; `PostgresEngine`: its group commit), so a change and its effects (results, an
opened case, audit entries chained last) are one transaction. Changes are compare-and-set
(`WHERE state = <the state read>`): two gateway processes never both apply a verdict or a
case change. Only constants of this module go into the text of a statement, never input.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway.adapters.postgres_store import PostgresEngine
from gateway.adapters.sql_statements import Dialect
from gateway.adapters.sql_store import Engine
from gateway.adapters.sql_tables import Row, Session, SqlTables
from gateway.adapters.sqlite_db import SqliteDatabase
from gateway.adapters.sqlite_store import SqliteEngine
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

__all__ = ["PostgresTrackingStore", "SqlTrackingStore", "SqliteTrackingStore"]

_TERMINAL = sorted(state.value for state in TERMINAL)


class _Statements:
    """The tracking store's SQL in one dialect."""

    def __init__(self, d: Dialect) -> None:
        p = d.p
        self.insert_hit = (
            "INSERT INTO tracking_hits (hit_id, status, document)"
            f" VALUES ({p('hit_id')}, {p('status')}, {p('document')})"
            " ON CONFLICT (hit_id) DO NOTHING RETURNING hit_id"
        )
        self.hit = f"SELECT document FROM tracking_hits WHERE hit_id = {p('hit_id')}"
        self.hits = (
            f"SELECT document FROM tracking_hits WHERE ({d.unset('status')}"
            f" OR status = {p('status')}) ORDER BY seq LIMIT {p('limit')}"
        )
        self.decide_hit = (
            f"UPDATE tracking_hits SET status = {p('status')}, document = {p('document')}"
            f" WHERE hit_id = {p('hit_id')} AND status = {p('expected')} RETURNING hit_id"
        )
        self.insert_case = (
            "INSERT INTO tracking_cases (case_id, state, request_message_id, document)"
            f" VALUES ({p('case_id')}, {p('state')}, {p('request_message_id')}, {p('document')})"
            " ON CONFLICT (case_id) DO NOTHING RETURNING case_id"
        )
        self.case_by = {
            column: f"SELECT document FROM tracking_cases WHERE {column} = {p('value')}"
            " ORDER BY seq LIMIT 1"
            for column in ("case_id", "request_message_id")
        }
        self.cases = (
            "SELECT document FROM tracking_cases"
            f" WHERE NOT ({p('open_only')} AND {d.in_list('state', 'terminal')})"
            f" ORDER BY seq DESC LIMIT {p('limit')}"
        )
        self.move_case = (
            f"UPDATE tracking_cases SET state = {p('state')}, document = {p('document')}"
            f" WHERE case_id = {p('case_id')} AND state = {p('from_state')} RETURNING case_id"
        )
        self.insert_change = (
            "INSERT INTO tracking_case_changes (case_id, document)"
            f" VALUES ({p('case_id')}, {p('document')})"
        )
        self.case_changes = (
            f"SELECT document FROM tracking_case_changes WHERE case_id = {p('case_id')} ORDER BY id"
        )
        self.insert_result = (
            "INSERT INTO tracking_results (result_id, submitter, document)"
            f" VALUES ({p('result_id')}, {p('submitter')}, {p('document')})"
            " ON CONFLICT (result_id) DO NOTHING RETURNING result_id"
        )
        columns = "SELECT seq, document FROM tracking_results"
        self.results = (
            f"{columns} WHERE submitter = {p('submitter')} AND seq > {p('after')}"
            f" ORDER BY seq LIMIT {p('limit')}"
        )
        self.result = f"{columns} WHERE result_id = {p('result_id')}"
        self.unqueued = (
            f"{columns} WHERE queued_at IS NULL AND {d.in_list('submitter', 'submitters')}"
            f" ORDER BY seq LIMIT {p('limit')}"
        )
        self.mark_queued = (
            f"UPDATE tracking_results SET queued_at = {p('at')}"
            f" WHERE {d.in_list('result_id', 'ids')}"
        )


class SqlTrackingStore:
    """A `TrackingStore` in a SQL database: the same code for every engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._dialect = engine.sql.dialect
        self._sql = _Statements(self._dialect)

    # Changes: each one unit of the engine.

    async def add_hit(self, hit: StoredHit, results: Sequence[Result]) -> bool:
        async def change(tables: SqlTables) -> bool:
            added = await self._write(
                tables,
                self._sql.insert_hit,
                {"hit_id": hit.hit_id, "status": hit.status.value, "document": to_document(hit)},
            )
            if not added:
                return False
            tables.audit([hit_audit(hit)])
            await self._add_results(tables, results)
            return True

        return await self._engine.change(change)

    async def decide_hit(
        self,
        hit: StoredHit,
        *,
        results: Sequence[Result],
        opening: CaseOpening | None = None,
        expected: HitStatus = HitStatus.AWAITING_VERIFICATION,
    ) -> None:
        async def change(tables: SqlTables) -> None:
            decided = await self._write(
                tables,
                self._sql.decide_hit,
                {
                    "status": hit.status.value,
                    "document": to_document(hit),
                    "hit_id": hit.hit_id,
                    "expected": expected.value,
                },
            )
            if not decided:
                raise hit_conflict(hit.hit_id)
            tables.audit([hit_audit(hit)])
            if opening is not None and not await self._open(tables, opening):
                raise case_conflict(opening.change)
            await self._add_results(tables, results)

        await self._engine.change(change)

    async def add_case(self, opening: CaseOpening, results: Sequence[Result]) -> bool:
        async def change(tables: SqlTables) -> bool:
            if not await self._open(tables, opening):
                return False
            await self._add_results(tables, results)
            return True

        return await self._engine.change(change)

    async def move_case(
        self, case: StoredCase, change: CaseChange, results: Sequence[Result]
    ) -> None:
        async def move(tables: SqlTables) -> None:
            moved = await self._write(
                tables,
                self._sql.move_case,
                {
                    "state": case.state.value,
                    "document": to_document(case),
                    "case_id": case.case_id,
                    "from_state": change.from_state.value if change.from_state else None,
                },
            )
            if not moved:
                raise case_conflict(change)
            await self._add_change(tables, change)
            await self._add_results(tables, results)

        await self._engine.change(move)

    async def add_results(self, results: Sequence[Result]) -> list[str]:
        return await self._engine.change(lambda tables: self._add_results(tables, results))

    async def mark_queued(self, result_ids: Sequence[str], *, at: datetime) -> None:
        async def mark(tables: SqlTables) -> None:
            tables.wrote = True
            await tables.session.run(
                self._sql.mark_queued,
                {"at": self._dialect.to_db(at), "ids": self._dialect.list_value(result_ids)},
            )

        await self._engine.change(mark)

    # Reads.

    async def hit(self, hit_id: str) -> StoredHit | None:
        found = await self._documents(self._sql.hit, {"hit_id": hit_id})
        return from_document(StoredHit, found[0]) if found else None

    async def hits(self, *, status: HitStatus | None = None, limit: int = 100) -> list[StoredHit]:
        found = await self._documents(
            self._sql.hits, {"status": status.value if status else None, "limit": limit}
        )
        return [from_document(StoredHit, document) for document in found]

    async def case(self, case_id: str) -> StoredCase | None:
        found = await self._documents(self._sql.case_by["case_id"], {"value": case_id})
        return from_document(StoredCase, found[0]) if found else None

    async def case_by_message(self, message_id: str) -> StoredCase | None:
        found = await self._documents(
            self._sql.case_by["request_message_id"], {"value": message_id}
        )
        return from_document(StoredCase, found[0]) if found else None

    async def cases(self, *, open_only: bool = False, limit: int = 100) -> list[StoredCase]:
        found = await self._documents(
            self._sql.cases,
            {
                "open_only": open_only,
                "terminal": self._dialect.list_value(_TERMINAL),
                "limit": limit,
            },
        )
        return [from_document(StoredCase, document) for document in found]

    async def case_changes(self, case_id: str) -> list[CaseChange]:
        found = await self._documents(self._sql.case_changes, {"case_id": case_id})
        return [from_document(CaseChange, document) for document in found]

    async def results(self, *, submitter: str, after: int = 0, limit: int = 100) -> list[Result]:
        return await self._results(
            self._sql.results, {"submitter": submitter, "after": after, "limit": limit}
        )

    async def result(self, result_id: str) -> Result | None:
        found = await self._results(self._sql.result, {"result_id": result_id})
        return found[0] if found else None

    async def unqueued_results(self, *, submitters: Sequence[str], limit: int) -> list[Result]:
        if not submitters:
            return []
        return await self._results(
            self._sql.unqueued,
            {"submitters": self._dialect.list_value(submitters), "limit": limit},
        )

    async def close(self) -> None:
        await self._engine.close()

    # In a unit.

    @staticmethod
    async def _write(tables: SqlTables, sql: str, params: dict[str, Any]) -> bool:
        """Run an insert or a compare-and-set update; whether it touched its row."""
        rows = await tables.session.rows(sql, params)
        if rows:
            tables.wrote = True
        return bool(rows)

    async def _open(self, tables: SqlTables, opening: CaseOpening) -> bool:
        case = opening.case
        opened = await self._write(
            tables,
            self._sql.insert_case,
            {
                "case_id": case.case_id,
                "state": case.state.value,
                "request_message_id": case.request_message_id,
                "document": to_document(case),
            },
        )
        if opened:
            await self._add_change(tables, opening.change)
        return opened

    async def _add_change(self, tables: SqlTables, change: CaseChange) -> None:
        tables.wrote = True
        await tables.session.run(
            self._sql.insert_change, {"case_id": change.case_id, "document": to_document(change)}
        )
        tables.audit([case_audit(change)])

    async def _add_results(self, tables: SqlTables, results: Sequence[Result]) -> list[str]:
        new = []
        for result in results:
            values = {
                "result_id": result.result_id,
                "submitter": result.submitter,
                "document": to_document(result),
            }
            if await self._write(tables, self._sql.insert_result, values):
                new.append(result.result_id)
        return new

    # Reads, outside any change.

    async def _rows(self, sql: str, params: dict[str, Any]) -> list[Row]:
        async def query(session: Session) -> list[Row]:
            return await session.rows(sql, params)

        return await self._engine.read(query)

    async def _documents(self, sql: str, params: dict[str, Any]) -> list[str]:
        return [str(row["document"]) for row in await self._rows(sql, params)]

    async def _results(self, sql: str, params: dict[str, Any]) -> list[Result]:
        return [
            dataclasses.replace(from_document(Result, row["document"]), seq=int(row["seq"]))
            for row in await self._rows(sql, params)
        ]


class SqliteTrackingStore(SqlTrackingStore):
    """A `TrackingStore` in the gateway's SQLite file."""

    @classmethod
    async def open(cls, path: Path) -> SqliteTrackingStore:
        """Open (creating if needed) the database and apply pending migrations."""
        return cls(SqliteEngine(await SqliteDatabase.open(path, thread_name="sqlite-tracking")))


class PostgresTrackingStore(SqlTrackingStore):
    """A `TrackingStore` in the gateway's PostgreSQL database (optionally in a schema)."""

    @classmethod
    async def open(cls, conninfo: str, *, schema: str | None = None) -> PostgresTrackingStore:
        """Connect, create `schema` if given, and apply pending migrations."""
        return cls(await PostgresEngine.open(conninfo, schema=schema))
