"""Message contents from JSON: every problem with its code and field path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.domain.replies import Acknowledgement
from gateway.domain.requests import DeletionReason, EurodacDataAction
from gateway.errors import InputError
from gateway.messages import DublinSubmission, message_type
from gateway.messages.inputs import content_from_json

TRANSACTION = {
    "operation": "delete",
    "regime": "2024/1358",
    "category": 1,
    "reference": "BE198765430001",
}


def problems(name: str, data: Any) -> list[tuple[str, str]]:
    with pytest.raises(InputError) as caught:
        content_from_json(message_type(name), data)
    return [(problem.code, problem.path) for problem in caught.value.problems]


def test_a_deletion_with_its_reason() -> None:
    content = content_from_json(
        message_type("eurodac.delete"),
        {"transaction": TRANSACTION, "reason": "citizenship-acquired"},
    )
    assert isinstance(content, EurodacDataAction)
    assert content.reason is DeletionReason.CITIZENSHIP_ACQUIRED


def test_a_marking_refuses_a_deletion_reason_and_unknown_fields() -> None:
    mark = {**TRANSACTION, "operation": "mark"}
    data = {"transaction": mark, "reason": "citizenship-acquired", "note": "x"}
    assert problems("eurodac.mark", data) == [
        ("GW-VAL-UNKNOWN-FIELD", "note"),
        ("GW-VAL-ENUM", "reason"),
    ]


def test_a_transaction_problem_names_its_field() -> None:
    data = {"transaction": {**TRANSACTION, "category": "one"}, "reason": "citizenship-acquired"}
    assert problems("eurodac.delete", data) == [("GW-VAL-TYPE", "transaction.category")]


def test_an_acknowledgement() -> None:
    message_id = uuid.uuid4()
    content = content_from_json(
        message_type("dublinet.ack"),
        {"acknowledged_message_id": str(message_id), "received_at": "2026-09-15T10:00:00Z"},
    )
    assert content == Acknowledgement(
        acknowledged_message_id=message_id, received_at=datetime(2026, 9, 15, 10, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"acknowledged_message_id": "nope", "received_at": "2026-09-15T10:00:00Z"},
         "acknowledged_message_id"),
        ({"acknowledged_message_id": str(uuid.uuid4()), "received_at": "2026-09-15T10:00:00"},
         "received_at"),
    ],
)  # fmt: skip
def test_an_acknowledgement_needs_a_uuid_and_a_zoned_time(data: dict[str, str], path: str) -> None:
    assert problems("eurodac.ack", data) == [("GW-VAL-FORMAT", path)]


def test_a_dublin_request_reports_every_problem() -> None:
    data = {"record": {"person": {}}, "request": {"request_type": 9}}
    found = problems("dublinet.take-charge-request", data)
    assert ("GW-VAL-REQUIRED", "record.person.name") in found
    assert ("GW-VAL-ENUM", "request.request_type") in found
    assert ("GW-VAL-REQUIRED", "request.requested_state") in found


def test_a_dublin_request_decodes() -> None:
    data = {
        "record": {"person": {"name": {"family": "HADDAD"}}},
        "request": {
            "request_type": 3,
            "requesting_state": "BE",
            "requested_state": "FR",
            "national_reference": "BE-1",
            "legal_basis": "Art 34 Regulation (EU) No 604/2013",
        },
    }
    content = content_from_json(message_type("dublinet.info-request"), data)
    assert isinstance(content, DublinSubmission)
    assert content.request.requested_state == "FR"
