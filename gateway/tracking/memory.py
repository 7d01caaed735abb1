"""An in-memory tracking store: the contract's reference, and the fake for tests.

Exported from `gateway.testing`; it passes the same contract tests as the
SQLite and PostgreSQL tracking stores.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from gateway.errors import InputError
from gateway.tracking.cases import TERMINAL
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import CaseChange, CaseOpening, Result, StoredCase, StoredHit

__all__ = ["InMemoryTrackingStore", "case_conflict", "hit_conflict"]


def hit_conflict(hit_id: str) -> InputError:
    return InputError(
        "GW-HIT-ALREADY-VERIFIED",
        f"hit {hit_id} changed meanwhile; a verdict is given once",
        "status",
    )


def case_conflict(change: CaseChange) -> InputError:
    return InputError(
        "GW-CASE-CONFLICT",
        f"case {change.case_id} changed meanwhile: it is no longer "
        f"{change.from_state.value if change.from_state else 'new'}",
        "state",
    )


class InMemoryTrackingStore:
    """A `TrackingStore` in dictionaries (one process, nothing kept)."""

    def __init__(self) -> None:
        self._hits: dict[str, StoredHit] = {}
        self._cases: dict[str, StoredCase] = {}
        self._changes: list[CaseChange] = []
        self._results: dict[str, Result] = {}
        self._queued: set[str] = set()

    async def add_hit(self, hit: StoredHit, results: Sequence[Result]) -> bool:
        if hit.hit_id in self._hits:
            return False
        self._hits[hit.hit_id] = hit
        self._add_results(results)
        return True

    async def hit(self, hit_id: str) -> StoredHit | None:
        return self._hits.get(hit_id)

    async def hits(self, *, status: HitStatus | None = None, limit: int = 100) -> list[StoredHit]:
        found = [hit for hit in self._hits.values() if status is None or hit.status is status]
        return found[:limit]

    async def decide_hit(
        self,
        hit: StoredHit,
        *,
        results: Sequence[Result],
        opening: CaseOpening | None = None,
        expected: HitStatus = HitStatus.AWAITING_VERIFICATION,
    ) -> None:
        current = self._hits.get(hit.hit_id)
        if current is None or current.status is not expected:
            raise hit_conflict(hit.hit_id)
        if opening is not None and opening.case.case_id in self._cases:
            raise case_conflict(opening.change)
        self._hits[hit.hit_id] = hit
        if opening is not None:
            self._open(opening)
        self._add_results(results)

    async def add_case(self, opening: CaseOpening, results: Sequence[Result]) -> bool:
        if opening.case.case_id in self._cases:
            return False
        self._open(opening)
        self._add_results(results)
        return True

    def _open(self, opening: CaseOpening) -> None:
        self._cases[opening.case.case_id] = opening.case
        self._changes.append(opening.change)

    async def case(self, case_id: str) -> StoredCase | None:
        return self._cases.get(case_id)

    async def case_by_message(self, message_id: str) -> StoredCase | None:
        return next(
            (case for case in self._cases.values() if case.request_message_id == message_id), None
        )

    async def cases(self, *, open_only: bool = False, limit: int = 100) -> list[StoredCase]:
        found = [
            case for case in self._cases.values() if not (open_only and case.state in TERMINAL)
        ]
        return list(reversed(found))[:limit]

    async def move_case(
        self, case: StoredCase, change: CaseChange, results: Sequence[Result]
    ) -> None:
        current = self._cases.get(case.case_id)
        if current is None or current.state is not change.from_state:
            raise case_conflict(change)
        self._cases[case.case_id] = case
        self._changes.append(change)
        self._add_results(results)

    async def case_changes(self, case_id: str) -> list[CaseChange]:
        return [change for change in self._changes if change.case_id == case_id]

    async def add_results(self, results: Sequence[Result]) -> list[str]:
        return self._add_results(results)

    def _add_results(self, results: Sequence[Result]) -> list[str]:
        new = []
        for result in results:
            if result.result_id not in self._results:
                seq = len(self._results) + 1
                self._results[result.result_id] = dataclasses.replace(result, seq=seq)
                new.append(result.result_id)
        return new

    async def results(self, *, submitter: str, after: int = 0, limit: int = 100) -> list[Result]:
        found = [r for r in self._results.values() if r.submitter == submitter and r.seq > after]
        return found[:limit]

    async def result(self, result_id: str) -> Result | None:
        return self._results.get(result_id)

    async def unqueued_results(self, *, submitters: Sequence[str], limit: int) -> list[Result]:
        wanted = set(submitters)
        found = [
            result
            for result in self._results.values()
            if result.submitter in wanted and result.result_id not in self._queued
        ]
        return found[:limit]

    async def mark_queued(self, result_ids: Sequence[str], *, at: datetime) -> None:
        del at  # kept by the durable stores only
        self._queued.update(result_ids)

    async def close(self) -> None:
        return None
