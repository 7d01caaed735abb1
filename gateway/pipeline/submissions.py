"""Submissions: a national system's record in, signed Eurodac messages in the outbox.

decode (or map a source export) → domain rules → build → validate → sign →
queue, with the submission and its messages written in one transaction
under the submitter's idempotency key. Bad input is refused as a whole with
every problem found, recorded, and answered the same way if sent again.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import field, replace
from datetime import datetime
from typing import Any

from gateway.broker.outbox import Outbox
from gateway.broker.records import NewMessage, Submission, SubmissionStatus
from gateway.domain import CanonicalRecord, Problem, check_record
from gateway.domain.eurodac import Operation, implied_reason
from gateway.domain.frozen import frozen
from gateway.domain.requests import (
    DeletionReason,
    EurodacDataAction,
    EurodacStatusUpdate,
    MarkReason,
)
from gateway.domain.serialization import decode_record
from gateway.errors import ERROR_CODES, GatewayError, InputError
from gateway.messages import MESSAGE_TYPES, Message, new_envelope
from gateway.pipeline.cpu_work import CpuTools, CpuWork, SourceReader, ThreadWork
from gateway.pipeline.wire import CENTRAL_SYSTEM, Wire, peer_name
from gateway.ports import Clock
from gateway.validation.json_parsing import parse_json

__all__ = [
    "SourceReader",
    "SubmissionRequest",
    "Submissions",
    "eurodac_message",
    "prepare_submission",
    "problem_document",
]

MAX_RECORDS = 1000  # records in one submission; larger files go through batch upload


@frozen
class SubmissionRequest:
    submitter: str
    idempotency_key: str
    body: bytes
    source: str | None = None  # None: canonical JSON (one record or a list)
    format: str | None = None

    @property
    def digest(self) -> str:
        hashed = hashlib.sha256()
        for part in (self.source or "canonical", self.format or "", ""):
            hashed.update(part.encode() + b"\0")
        hashed.update(self.body)
        return hashed.hexdigest()


def problem_document(status: int, problems: list[Problem], **extra: Any) -> dict[str, Any]:
    """An RFC 9457 problem document carrying our code, sentence and field paths."""
    first = problems[0]
    return {
        "type": f"urn:eu-gateway:error:{first.code}",
        "title": ERROR_CODES.get(first.code, first.code),
        "status": status,
        "detail": first.message,
        "code": first.code,
        "problems": [
            {"code": problem.code, "message": problem.message, "path": problem.path}
            for problem in problems
        ],
        **extra,
    }


@frozen
class Submissions:
    """Accepts submissions and answers for their status."""

    outbox: Outbox
    wire: Wire
    clock: Clock
    executor: Executor
    sources: Mapping[str, SourceReader] = field(default_factory=dict)
    cpu: CpuWork | None = None  # where building and signing run (None: `executor`'s threads)
    _work: CpuWork = field(init=False, repr=False, compare=False)  # `cpu` or threads: once

    def __post_init__(self) -> None:
        object.__setattr__(self, "_work", self.cpu or ThreadWork(self._tools(), self.executor))

    async def submit(self, request: SubmissionRequest) -> Submission:
        """The submission recorded for this key: new, or the first one if the key was used."""
        store = self.outbox.store
        earlier = await store.submission_by_key(request.submitter, request.idempotency_key)
        if earlier is not None:
            return _same_request(earlier, request)
        if request.source is not None and request.source not in self.sources:
            known = ", ".join(sorted(self.sources)) or "none yet"
            raise InputError(
                "GW-IN-SOURCE", f"unknown source {request.source!r} (known: {known})", "source"
            )
        submission_id = str(uuid.uuid4())
        messages, problems = await self._work.run(prepare_submission, request, self.clock.now())
        now = self.clock.now()
        ids = () if problems else tuple(message.message_id for message in messages)
        if problems:
            status, http_status = SubmissionStatus.REJECTED, 422
            answer = problem_document(422, problems, submission_id=submission_id)
        else:
            status, http_status = SubmissionStatus.ACCEPTED, 202
            answer = {
                "submission_id": submission_id,
                "status": "accepted",
                "message_ids": list(ids),
                "links": {"self": f"/v1/submissions/{submission_id}"},
            }
        submission = Submission(
            submission_id=submission_id,
            submitter=request.submitter,
            idempotency_key=request.idempotency_key,
            request_digest=request.digest,
            status=status,
            http_status=http_status,
            response=json.dumps(answer),
            message_ids=ids,
            created_at=now,
        )
        messages = [replace(message, submission_id=submission_id) for message in messages]
        stored = await self.outbox.submit(submission, messages)
        return _same_request(stored, request) if stored is not submission else stored

    def prepare(self, request: SubmissionRequest) -> tuple[list[NewMessage], list[Problem]]:
        """Decode, check and sign here and now (CPU work: call it off the event loop)."""
        return prepare_submission(self._tools(), request, self.clock.now())

    def _tools(self) -> CpuTools:
        return CpuTools(wire=self.wire, sources=self.sources)

    def message_for(self, record: CanonicalRecord) -> tuple[NewMessage | None, list[Problem]]:
        """One record checked, built, validated and signed, or its problems (CPU work: call
        it off the event loop). Batch uploads queue records one at a time with it."""
        problems = check_record(record, today=self.clock.today())
        if record.transaction is None:
            problems.append(
                Problem(
                    code="GW-MSG-MISSING",
                    message="the record names no Eurodac transaction to send",
                    path="transaction",
                )
            )
        if problems:
            return None, problems
        try:
            return eurodac_message(self.wire, record, self.clock.now()), []
        except GatewayError as error:
            return None, [Problem(code=error.code, message=error.message, path=error.path)]


def prepare_submission(
    tools: CpuTools, request: SubmissionRequest, now: datetime
) -> tuple[list[NewMessage], list[Problem]]:
    """Decode, check and sign a submission's records as of `now` (a `CpuWork` task)."""
    records, problems = _records(tools, request)
    if problems:
        return [], problems
    for index, record in enumerate(records):
        where = f"[{index}]." if len(records) > 1 else ""
        problems += [
            Problem(code=p.code, message=p.message, path=f"{where}{p.path}")
            for p in check_record(record, today=now.date())
        ]
        if record.transaction is None:
            problems.append(
                Problem(
                    code="GW-MSG-MISSING",
                    message="the record names no Eurodac transaction to send",
                    path=f"{where}transaction",
                )
            )
    if problems:
        return [], problems
    messages: list[NewMessage] = []
    for index, record in enumerate(records):
        try:
            messages.append(eurodac_message(tools.wire, record, now))
        except GatewayError as error:
            where = f"[{index}]." if len(records) > 1 else ""
            problems.append(
                Problem(code=error.code, message=error.message, path=f"{where}{error.path}")
            )
    return ([], problems) if problems else (messages, [])


def _records(
    tools: CpuTools, request: SubmissionRequest
) -> tuple[list[CanonicalRecord], list[Problem]]:
    if request.source is not None:
        return tools.sources[request.source](request.body, request.format)
    try:
        data = parse_json(request.body)  # sized and its nesting measured before decoding
    except InputError as error:
        return [], error.problems
    items = data if isinstance(data, list) else [data]
    if not items or len(items) > MAX_RECORDS:
        message = f"a submission holds 1 to {MAX_RECORDS} records, not {len(items)}"
        return [], [Problem(code="GW-IN-SIZE", message=message, path="")]
    records: list[CanonicalRecord] = []
    problems: list[Problem] = []
    for index, item in enumerate(items):
        decoded = decode_record(item)
        where = f"[{index}]." if isinstance(data, list) else ""
        problems += [
            Problem(code=p.code, message=p.message, path=f"{where}{p.path}".rstrip("."))
            for p in decoded.problems
        ]
        if decoded.value is not None:
            records.append(decoded.value)
    return records, problems


def eurodac_message(wire: Wire, record: CanonicalRecord, now: datetime) -> NewMessage:
    """The record's Eurodac transaction, built, validated and signed as of `now`."""
    transaction = record.transaction
    if transaction is None:  # checked before; keeps the type checker informed
        raise InputError("GW-MSG-MISSING", "no Eurodac transaction", "transaction")
    kind = next(
        kind
        for kind in MESSAGE_TYPES.values()
        if kind.family == "eurodac" and kind.operation is transaction.operation
    )
    envelope = new_envelope(
        message_type=kind.name,
        regime=transaction.regime,
        sender=wire.us,
        recipient=CENTRAL_SYSTEM,
        now=now,
    )
    body = wire.signed(Message(envelope=envelope, content=_content_of(record)))
    return NewMessage(
        message_id=str(envelope.message_id),
        peer=peer_name(CENTRAL_SYSTEM),
        message_type=kind.name,
        conversation_id=str(envelope.conversation_id),
        body=body,
        reference=str(transaction.reference),
    )


def _content_of(
    record: CanonicalRecord,
) -> CanonicalRecord | EurodacDataAction | EurodacStatusUpdate:
    """What the message carries: the record; for a mark, an unmark or an advance deletion the
    action on the stored data; for a status transaction its update.

    The ground of an action is `transaction.reason`, else the one its national record stands
    for (`implied_reason`: a mark when protection is granted, Actio's decisions,
    `mappings/actio.md`; an unmark when it is withdrawn; an erasure on citizenship). The
    domain rules have checked that the law allows it (docs/law.md).
    """
    transaction = record.transaction
    if transaction is None:
        return record
    if transaction.operation is Operation.STATUS and record.status is not None:
        return EurodacStatusUpdate(transaction=transaction, update=record.status)
    if transaction.operation not in _ACTIONS:
        return record
    reason = str(implied_reason(transaction))
    action = replace(transaction, reason=None)
    if transaction.operation is Operation.DELETE:
        return EurodacDataAction(transaction=action, reason=DeletionReason(reason))
    return EurodacDataAction(transaction=action, reason=MarkReason(reason))


_ACTIONS = (Operation.MARK, Operation.UNMARK, Operation.DELETE)


def _same_request(earlier: Submission, request: SubmissionRequest) -> Submission:
    if earlier.request_digest != request.digest:
        raise InputError(
            "GW-IN-IDEMPOTENCY-CONFLICT",
            "this idempotency key was already used for a different request",
            "Idempotency-Key",
        )
    return earlier
