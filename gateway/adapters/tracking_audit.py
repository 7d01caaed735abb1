"""Tracking's entries in the audit trail: hits received and judged, cases opened and moved.

Ids, states and who acted only; never the matched record's data. The tracking
stores append them in the transaction of the change they record.
"""

from __future__ import annotations

from datetime import datetime

from gateway.broker.audit import AuditRecord, move_detail
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import CaseChange, StoredHit

__all__ = ["case_audit", "hit_audit"]


def hit_audit(hit: StoredHit) -> AuditRecord:
    """A hit as it now stands: received, confirmed, rejected, or its wrong-hit report sent."""
    at: datetime | None
    if hit.reported_at is not None:
        kind, at, actor = "hit.reported", hit.reported_at, hit.reported_by
    elif hit.status is HitStatus.AWAITING_VERIFICATION:
        kind, at, actor = "hit.received", hit.created_at, None
    else:
        kind, at, actor = f"hit.{hit.status.value}", hit.decided_at, hit.decided_by
    return AuditRecord(
        at=at or hit.created_at,
        kind=kind,
        subject=hit.hit_id,
        actor=actor or "gateway",
        detail={
            "status": hit.status.value,
            "inbound_message_id": hit.inbound_message_id,
            "proposed_step": hit.proposed_step,
            "report_due": hit.report_due.isoformat() if hit.report_due else None,
        },
    )


def case_audit(change: CaseChange) -> AuditRecord:
    """One move of a case (or its opening)."""
    return AuditRecord(
        at=change.at,
        kind=f"case.{change.event.value if change.event else 'opened'}",
        subject=change.case_id,
        actor=change.by,
        detail=move_detail(change.from_state, change.to_state, change.detail),
    )
