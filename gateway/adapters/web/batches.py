"""Batch upload routes: `POST /v1/batches` (a large source export) and `GET /v1/batches/{id}`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.adapters.web.auth import caller, requires
from gateway.adapters.web.configured import batches_of
from gateway.adapters.web.idempotency import required_idempotency_key
from gateway.adapters.web.limits import streams_body
from gateway.adapters.web.params import Number, Text, query
from gateway.adapters.web.problems import problem_response
from gateway.broker.access import Permission
from gateway.broker.batch_records import Batch, BatchRejection
from gateway.domain import Problem
from gateway.errors import InputError
from gateway.pipeline.batches import TOO_LARGE, BatchRequest

__all__ = ["add_routes", "batch_document"]

_READ_SIZE = 64 * 1024
_MAX_REJECTIONS = 1000
MAX_OFFSET = 1_000_000_000  # the stores take 64-bit integers
SOURCE = Text(
    name="source", max_length=64, code="GW-BATCH-SOURCE", description="evibel, actio, ..."
)
FORMAT = Text(
    name="format",
    max_length=16,
    code="GW-IN-FORMAT",
    description="the export's format: json, csv or fixed (default: the source's own)",
)
REJECTIONS_LIMIT = Number(
    name="rejections_limit", maximum=_MAX_REJECTIONS, description="default 100"
)
REJECTIONS_OFFSET = Number(name="rejections_offset", maximum=MAX_OFFSET)


def add_routes(app: web.Application) -> None:
    app.router.add_post("/v1/batches", upload_batch)
    app.router.add_get("/v1/batches/{batch_id}", batch_status)


def batch_document(batch: Batch, rejections: list[BatchRejection] | None = None) -> dict[str, Any]:
    """A batch's progress as the API shows it."""
    document: dict[str, Any] = {
        "batch_id": batch.batch_id,
        "source": batch.source,
        "format": batch.format,
        "state": batch.state.value,
        "done": batch.done,
        "total": batch.total,
        "mapped": batch.mapped,
        "rejected": batch.rejected,
        "queued": batch.queued,
        "error": batch.error or None,
        "created_at": batch.created_at.isoformat(),
        "updated_at": batch.updated_at.isoformat(),
        "links": {"self": f"/v1/batches/{batch.batch_id}"},
    }
    if rejections is not None:
        document["rejections"] = [
            {
                "record": rejection.record,
                "line": rejection.line,
                "problems": [
                    {"code": p.code, "message": p.message, "path": p.path}
                    for p in rejection.problems
                ],
            }
            for rejection in rejections
        ]
    return document


@requires(Permission.SUBMIT)
@query(SOURCE, FORMAT)
@streams_body
async def upload_batch(request: web.Request) -> web.Response:
    """202 with the batch id at once; the records are mapped and queued in the background.
    A repeated Idempotency-Key with the same file answers with the first batch."""
    key = required_idempotency_key(request)
    source = SOURCE.read(request)
    if not source:
        raise InputError("GW-BATCH-SOURCE", "a batch names its source (?source=...)", "source")
    try:
        batch, _ = await batches_of(request).upload(
            BatchRequest(
                submitter=caller(request).name,
                idempotency_key=key,
                source=source,
                format=FORMAT.read(request),
            ),
            request.content.iter_chunked(_READ_SIZE),
        )
    except InputError as error:
        if error.code != TOO_LARGE:
            raise
        return problem_response(413, [Problem(code=error.code, message=error.message, path="")])
    return web.json_response(
        batch_document(batch),
        status=202,
        headers={"Location": f"/v1/batches/{batch.batch_id}"},
    )


@requires(Permission.READ_SUBMISSIONS)
@query(REJECTIONS_LIMIT, REJECTIONS_OFFSET)
async def batch_status(request: web.Request) -> web.Response:
    """Progress (total, mapped, rejected, queued, done) and the rejected records' problems,
    paged with `?rejections_offset=` and `?rejections_limit=` (at most 1000)."""
    batches = batches_of(request)
    token = caller(request)
    batch = await batches.status(request.match_info["batch_id"])
    # A submitter sees only its own batches; operators and auditors see all.
    if batch is None or (batch.submitter != token.name and not token.may(Permission.READ_MESSAGES)):
        raise web.HTTPNotFound(text="no such batch")
    limit = REJECTIONS_LIMIT.value(request, 100)
    offset = REJECTIONS_OFFSET.value(request, 0)
    rejections = await batches.rejections(batch.batch_id, limit=limit, offset=offset)
    return web.json_response(batch_document(batch, rejections))
