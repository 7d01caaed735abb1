"""The content of a message from JSON, in the shape of the canonical model (described for
users by `gateway.cli._help.INPUT_HELP`, the epilog of `eugw message build --help`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from gateway.domain.eurodac import EurodacTransaction, Operation
from gateway.domain.problems import Problem
from gateway.domain.replies import Acknowledgement
from gateway.domain.requests import DeletionReason, EurodacDataAction, MarkReason
from gateway.domain.serialization import DecodeResult, decode
from gateway.errors import InputError
from gateway.messages.content import Content
from gateway.messages.registry import MessageType

__all__ = ["content_from_json"]

FORMAT = "GW-VAL-FORMAT"
TYPE = "GW-VAL-TYPE"


def content_from_json(kind: MessageType, data: object) -> Content:
    """The content a message of `kind` carries, or an `InputError` with every problem."""
    if kind.content is EurodacDataAction:
        return _data_action(kind, data)
    if kind.content is Acknowledgement:
        return _acknowledgement(data)
    decoded: DecodeResult[Content] = decode(kind.content, data)
    if decoded.value is None:
        raise InputError.from_problems(decoded.problems)
    return decoded.value


def _object(data: object) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InputError(TYPE, "expected object")
    return data


def _data_action(kind: MessageType, data: object) -> EurodacDataAction:
    fields = _object(data)
    decoded = decode(EurodacTransaction, fields.get("transaction"), "transaction")
    reasons = DeletionReason if kind.operation is Operation.DELETE else MarkReason
    problems = list(decoded.problems)
    unknown = set(fields) - {"transaction", "reason"}
    problems += [
        Problem(code="GW-VAL-UNKNOWN-FIELD", message=f"unknown field {key!r}", path=key)
        for key in sorted(unknown)
    ]
    reason: MarkReason | DeletionReason | None = None
    try:
        reason = reasons(str(fields.get("reason")))
    except ValueError:
        allowed = ", ".join(repr(member.value) for member in reasons)
        problems.append(Problem(code="GW-VAL-ENUM", message=f"one of {allowed}", path="reason"))
    if problems or decoded.value is None or reason is None:
        raise InputError.from_problems(problems)
    try:
        return EurodacDataAction(transaction=decoded.value, reason=reason)
    except ValueError as error:
        raise InputError(FORMAT, str(error), "transaction.operation") from None


def _acknowledgement(data: object) -> Acknowledgement:
    fields = _object(data)
    try:
        message_id = uuid.UUID(str(fields.get("acknowledged_message_id")))
    except ValueError:
        raise InputError(FORMAT, "not a UUID", "acknowledged_message_id") from None
    try:
        received = datetime.fromisoformat(str(fields.get("received_at")))
    except ValueError:
        raise InputError(FORMAT, "not an ISO 8601 time", "received_at") from None
    if received.tzinfo is None:
        raise InputError(FORMAT, "the time needs its UTC offset", "received_at")
    return Acknowledgement(acknowledged_message_id=message_id, received_at=received)
