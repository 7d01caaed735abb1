"""How hits, cases and results look to operators (API, CLI) and to the submitters.

No personal data: a hit shows references and its verdict, never the matched record.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from gateway.domain.record import CanonicalRecord
from gateway.domain.serialization import encode
from gateway.tracking.records import (
    CaseChange,
    Result,
    ResultKind,
    StoredCase,
    StoredHit,
    result_id,
)

__all__ = ["case_view", "history_view", "hit_view", "make_result", "registered_on"]


def hit_view(hit: StoredHit) -> dict[str, Any]:
    """What a hit looks like to its submitter and operators (no personal data)."""
    return {
        "hit_id": hit.hit_id,
        "status": hit.status.value,
        "reference": hit.reference,
        "matched": hit.matched,
        "received": hit.received.isoformat(),
        "decided_by": hit.decided_by,
        "reason": hit.reason,
        "proposal": None
        if hit.proposed_step is None
        else {
            "step": hit.proposed_step,
            "requested_state": hit.proposed_state,
            "deadline": encode(hit.proposal_deadline),
            "legal_basis": hit.proposal_basis,
        },
        "wrong_hit_report": None
        if hit.report_due is None
        else {
            "due": hit.report_due.isoformat(),
            "legal_basis": hit.report_basis,
            "reported_at": encode(hit.reported_at),
        },
    }


def case_view(case: StoredCase) -> dict[str, Any]:
    """A case as the API, the CLI and results show it."""
    return {
        "case_id": case.case_id,
        "direction": case.direction.value,
        "kind": case.kind.value,
        "regime": case.regime.value,
        "other_state": case.other_state,
        "state": case.state.value,
        "reference": case.reference,
        "hit_id": case.hit_id,
        "eurodac_reference": case.eurodac_reference,
        "request_message_id": case.request_message_id,
        "acknowledged_at": encode(case.acknowledged_at),
        "created_at": case.created_at.isoformat(),
        "updated_at": case.updated_at.isoformat(),
        # the facts the time limits depend on: the request's, then the person's situation
        "hit_based": case.hit_based,
        "urgent": case.urgent,
        "urgency_reason": case.urgency_reason,
        "request_detained": case.request_detained,
        "detained": case.detained,
        "detention_reason": case.detention_reason,
        "extension": case.extension.value if case.extension else None,
        "deadline": None
        if case.deadline is None
        else {
            "date": case.deadline.isoformat(),
            "step": case.deadline_step,
            "from": encode(case.deadline_from),
            "legal_basis": case.deadline_basis,
            "effect_if_missed": case.deadline_effect,
            "variant": case.deadline_variant,
            "state": case.deadline_state,
            "calendar": case.deadline_calendar,
        },
    }


def history_view(changes: list[CaseChange]) -> list[dict[str, Any]]:
    """A case's history as the API and the CLI show it: each change, and who made it."""
    return [
        {
            "at": change.at.isoformat(),
            "from": change.from_state.value if change.from_state else None,
            "to": change.to_state.value,
            "event": change.event.value if change.event else "opened",
            "detail": change.detail,
            "by": change.by,
        }
        for change in changes
    ]


def make_result(
    submitter: str,
    kind: ResultKind,
    subject: str,
    view: dict[str, Any],
    *,
    what: str = "",
    now: datetime,
) -> Result:
    """A result under its stable id: the same `kind`, `subject` and `what` give the same id."""
    identifier = result_id(kind, subject, what)
    payload = {
        "result_id": identifier,
        "kind": kind.value,
        "subject": subject,
        "at": now.isoformat(),
        "data": view,
    }
    return Result(
        result_id=identifier,
        submitter=submitter,
        kind=kind,
        subject=subject,
        created_at=now,
        payload=json.dumps(payload),
    )


def registered_on(record: CanonicalRecord | None) -> date | None:
    """The day the application was registered, or the nearest day a Eurodac message carries."""
    application = record.application if record else None
    if application is None:
        return None
    return application.registered_on or application.lodged_on or application.made_on
