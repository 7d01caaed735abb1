"""Rows of the batch tables (migration 030), shared by the SQLite and PostgreSQL stores."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from gateway.broker.batch_records import Batch, BatchRejection, BatchState
from gateway.domain.problems import Problem

__all__ = [
    "BATCH_COLUMNS",
    "batch_from_row",
    "batch_values",
    "rejection_from_row",
    "rejection_values",
]

BATCH_COLUMNS = (
    "batch_id", "submitter", "idempotency_key", "request_digest", "source", "format", "state",
    "total", "mapped", "rejected", "queued", "error", "created_at", "updated_at",
)  # fmt: skip


def batch_values(batch: Batch, to_db: Callable[[datetime], Any]) -> dict[str, Any]:
    values = {column: getattr(batch, column) for column in BATCH_COLUMNS}
    values["state"] = batch.state.value
    values["created_at"] = to_db(batch.created_at)
    values["updated_at"] = to_db(batch.updated_at)
    return values


def batch_from_row(row: Mapping[str, Any], from_db: Callable[[Any], datetime]) -> Batch:
    return Batch(
        batch_id=row["batch_id"],
        submitter=row["submitter"],
        idempotency_key=row["idempotency_key"],
        request_digest=row["request_digest"],
        source=row["source"],
        format=row["format"],
        state=BatchState(row["state"]),
        total=row["total"],
        mapped=row["mapped"],
        rejected=row["rejected"],
        queued=row["queued"],
        error=row["error"],
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
    )


def rejection_values(rejection: BatchRejection) -> dict[str, Any]:
    problems = [{"code": p.code, "message": p.message, "path": p.path} for p in rejection.problems]
    return {
        "batch_id": rejection.batch_id,
        "record": rejection.record,
        "line": rejection.line,
        "problems": json.dumps(problems, ensure_ascii=False),
    }


def rejection_from_row(row: Mapping[str, Any]) -> BatchRejection:
    return BatchRejection(
        batch_id=row["batch_id"],
        record=row["record"],
        line=row["line"],
        problems=tuple(Problem(**problem) for problem in json.loads(row["problems"])),
    )
