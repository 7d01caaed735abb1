"""What a simulated access point remembers of the requests it made, and the messages it
sends on them later: a re-examination request after the gateway's negative reply, a
transfer arrangement, pre-transfer information, a health certificate, information requests.

Each later message names the request's national reference and continues its conversation,
correlated with the request, as the gateway's own messages on a case do.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from datetime import date
from typing import Any

from gateway.domain.dublin import DublinRegime, DublinRequest
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.domain.requests import ReexaminationRequest, TransferArrangement, TransferMode
from gateway.domain.serialization import decode_record, encode
from gateway.errors import InputError
from gateway.messages import Content, DublinSubmission, Envelope, Party, message_type
from simulators.common.state import from_db, to_db

__all__ = ["FOLLOW_UP_TYPES", "Request", "follow_up_content", "follows_on", "recall", "remember"]

BAD_REQUEST = "GW-SIM-CONTROL"
FOLLOW_UP_TYPES = frozenset(
    {"dublinet.reexamination-request", "dublinet.transfer-arrangement",
     "dublinet.info-request", "dublinet.dependent-persons-request",
     "dublinet.minor-family-request", "dublinet.pre-transfer-information",
     "dublinet.health-certificate"}
)  # fmt: skip
_REEXAMINATION_REASONS = "The applicant's brother lives in the requested state (new evidence)."


@frozen
class Request:
    """A request the peer made: its envelope and what it was about."""

    envelope: Envelope
    national_reference: str
    record: CanonicalRecord


def remember(
    db: sqlite3.Connection, envelope: Envelope, *, reference: str, record: CanonicalRecord
) -> None:
    db.execute(
        "INSERT OR IGNORE INTO dublinet_requests (message_id, party, national_reference,"
        " conversation_id, message_type, regime, created_at, record_json)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(envelope.message_id),
            envelope.sender.authority,
            reference,
            str(envelope.conversation_id),
            envelope.message_type,
            envelope.regime.value,
            to_db(envelope.created_at),
            json.dumps(encode(record)),
        ),
    )


def recall(db: sqlite3.Connection, *, party: str, reference: str, gateway: Party) -> Request | None:
    """The latest request `party` made under `reference`, if any."""
    row = db.execute(
        "SELECT * FROM dublinet_requests WHERE party = ? AND national_reference = ?"
        " ORDER BY created_at DESC LIMIT 1",
        (party, reference),
    ).fetchone()
    if row is None:
        return None
    decoded = decode_record(json.loads(row["record_json"]))
    if decoded.value is None:  # only records this module wrote are stored
        raise ValueError(f"the record of request {row['message_id']} cannot be read")
    envelope = Envelope(
        message_id=uuid.UUID(row["message_id"]),
        conversation_id=uuid.UUID(row["conversation_id"]),
        sender=Party(authority=party, system="dublinet"),
        recipient=gateway,
        created_at=from_db(row["created_at"]),
        regime=DublinRegime(row["regime"]),
        message_type=row["message_type"],
    )
    return Request(envelope=envelope, national_reference=reference, record=decoded.value)


def follow_up_content(kind: str, request: Request, details: Mapping[str, Any]) -> Content:
    """The content of a message of `kind` on `request` (`details`: `reasons`,
    `transfer_date`, `arrival_place`, `mode`, `legal_basis`), or an `InputError`."""
    if kind not in FOLLOW_UP_TYPES:
        known = ", ".join(sorted(t.removeprefix("dublinet.") for t in FOLLOW_UP_TYPES))
        raise InputError(BAD_REQUEST, f"{kind} is not sent on a request (types: {known})", "type")
    me, them = request.envelope.sender.authority, request.envelope.recipient.authority
    reference = request.national_reference
    if kind == "dublinet.reexamination-request":
        return ReexaminationRequest(
            request_reference=reference,
            requesting_state=me,
            requested_state=them,
            reasons=str(details.get("reasons", _REEXAMINATION_REASONS)),
        )
    if kind == "dublinet.transfer-arrangement":
        try:
            return TransferArrangement(
                request_reference=reference,
                transferring_state=me,
                receiving_state=them,
                transfer_date=date.fromisoformat(str(details["transfer_date"])),
                arrival_place=str(details.get("arrival_place", "Brussels Airport")),
                mode=TransferMode(details.get("mode", TransferMode.CONTROLLED)),
            )
        except (KeyError, ValueError) as error:
            raise InputError(
                BAD_REQUEST, f"a transfer arrangement needs its details ({error})", "transfer_date"
            ) from None
    request_type = message_type(kind).request_type
    assert request_type is not None  # noqa: S101 - every other follow-up type is a request
    return DublinSubmission(
        request=DublinRequest(
            request_type=request_type,
            requesting_state=me,
            requested_state=them,
            national_reference=reference,
            legal_basis=str(details.get("legal_basis", "Regulation (EC) No 1560/2003")),
        ),
        record=request.record,
    )


def follows_on(kind: str) -> str:
    """The full type name of `kind` (`transfer-arrangement` or `dublinet.transfer-arrangement`)."""
    return kind if kind.startswith("dublinet.") else f"dublinet.{kind}"
