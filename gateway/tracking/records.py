"""What the tracking store keeps: hits, Dublin cases and their changes, results for submitters.

Flat frozen records with one JSON document form each (`to_document` /
`from_document`), so the SQLite, PostgreSQL and in-memory stores keep the
same thing. Personal data (a hit's matched record) arrives sealed.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import typing
import uuid
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, TypeVar

from gateway.domain.dublin import DublinRegime
from gateway.domain.frozen import frozen
from gateway.tracking.cases import CaseEvent, CaseKind, CaseState, Direction
from gateway.tracking.hits import HitStatus
from gateway.tracking.rules import Extension

__all__ = [
    "RESULT_NAMESPACE",
    "CaseChange",
    "CaseOpening",
    "Result",
    "ResultKind",
    "StoredCase",
    "StoredHit",
    "from_document",
    "result_id",
    "to_document",
]

RESULT_NAMESPACE = uuid.UUID("5b0c6f3e-8a4e-4d8e-9c53-3f1e2a7d0b11")

T = TypeVar("T")


class ResultKind(StrEnum):
    HIT = "hit"
    NO_HIT = "no-hit"
    ERROR = "error"
    REPLY = "reply"
    CASE_CHANGE = "case-change"
    DEADLINE_ALERT = "deadline-alert"
    UNMATCHED = "unmatched-message"  # a DubliNet message that fits no case, and why
    MARKING_NOTICE = "marking-notice"  # another state marked data that had a hit with ours


@frozen
class StoredHit:
    """One matched record of a Eurodac hit, awaiting or after an expert's verdict.

    `data` is the matched record as JSON, sealed; it is erased (None) when the
    hit is rejected. The proposal fields are set once the hit is confirmed.
    """

    hit_id: str
    inbound_message_id: str
    source_message_id: str | None  # our transaction the hit answers
    submitter: str | None
    reference: str  # our transaction's Eurodac reference
    matched: str  # the matched record's Eurodac reference
    received: date
    registered: date
    status: HitStatus
    created_at: datetime
    data: bytes | None
    decided_at: datetime | None = None
    decided_by: str | None = None
    reason: str | None = None
    proposed_step: str | None = None
    proposed_state: str | None = None
    proposal_deadline: date | None = None
    proposal_basis: str | None = None
    report_due: date | None = None  # a wrong hit's report, 3 working days
    report_basis: str | None = None
    reported_at: datetime | None = None  # when the wrong hit was reported
    reported_by: str | None = None


@frozen
class StoredCase:
    """A Dublin case, the facts its time limits depend on, and the limit running in its state.

    The request's facts (`hit_based`, `urgent`, `request_detained`) are fixed when the request
    is made and decide the reply limit; the person's situation (`detained`, `extension`)
    changes with the events an operator records and decides the transfer limit. Documents
    written before a field existed read with its default.
    """

    case_id: str
    direction: Direction
    kind: CaseKind
    regime: DublinRegime
    other_state: str
    state: CaseState
    created_at: datetime
    updated_at: datetime
    reference: str  # the DubliNet national reference
    submitter: str | None = None
    hit_id: str | None = None
    eurodac_reference: str | None = None
    request_message_id: str | None = None  # our request, or the request we received
    acknowledged_at: datetime | None = None
    hit_based: bool = False  # the request rests on a Eurodac hit (shorter periods)
    # an urgent reply was asked, and why (Reg 604/2013 Art 21(2) and 22(6))
    urgent: bool = False
    urgency_reason: str | None = None
    # the request was made for a detained person (Reg 604/2013 Art 28(3), 2024/1351 Art 45)
    request_detained: bool = False
    # the person is detained now for the transfer (Reg 604/2013 Art 28, 2024/1351 Art 44)
    detained: bool = False
    detention_reason: str | None = None
    # the transfer limit is extended (Reg 604/2013 Art 29(2), 2024/1351 Art 46(2))
    extension: Extension | None = None
    deadline: date | None = None
    deadline_from: date | None = None  # the day of the event that started it
    deadline_step: str | None = None
    deadline_basis: str | None = None
    deadline_effect: str | None = None
    deadline_variant: str | None = None  # the row of the rule table that gave the period
    deadline_state: str | None = None  # the member state that must act (its holidays count)
    deadline_calendar: str | None = None  # the holiday calendar the limit was counted with


@frozen
class CaseChange:
    """One row of a case's history, written with the change it records."""

    case_id: str
    at: datetime
    from_state: CaseState | None
    to_state: CaseState
    event: CaseEvent | None  # None: the case was opened
    detail: str = ""
    by: str = "gateway"  # who made the change: the gateway, a peer's message, an operator


@frozen
class CaseOpening:
    """A new case and the first row of its history."""

    case: StoredCase
    change: CaseChange


@frozen
class Result:
    """What the gateway tells a national system: at least once, under a stable id.

    `seq` orders a submitter's inbox; the store assigns it (0 before).
    """

    result_id: str
    submitter: str
    kind: ResultKind
    subject: str  # the hit, case or message it is about
    created_at: datetime
    payload: str  # JSON object
    seq: int = 0


def result_id(kind: ResultKind, subject: str, what: str = "") -> str:
    """The same result always gets the same id, so a repeat is recorded once."""
    return str(uuid.uuid5(RESULT_NAMESPACE, f"{kind.value}:{subject}:{what}"))


def to_document(record: object) -> str:
    """The record as one JSON object (dates ISO, enums by value, bytes base64)."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise TypeError("a record is a dataclass instance")
    return json.dumps(
        {field.name: _plain(getattr(record, field.name)) for field in dataclasses.fields(record)}
    )


def from_document(cls: type[T], document: str) -> T:
    """The record of `cls` a document of `to_document` describes."""
    data = json.loads(document)
    hints = typing.get_type_hints(cls)
    return cls(**{name: _typed(hints[name], value) for name, value in data.items()})


def _plain(value: object) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _typed(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
    kind = options[0] if options else kind
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is bytes:
        return base64.b64decode(value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    return value
