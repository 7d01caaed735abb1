"""Deadline alerts over the stored cases and hits: the digest, the API's list, the metrics.

The running time limit of every open case and the report of every wrong hit,
split into overdue and due within a horizon by the pure `tracking.alerts`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from gateway.domain.frozen import frozen
from gateway.pipeline.services import Tracking
from gateway.ports import TrackingStore
from gateway.tracking.alerts import PendingDeadline, due_alerts
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import StoredCase, StoredHit
from gateway.tracking.schedule import CalendarOf, deadline_of

__all__ = ["Digest", "deadline_counts", "deadline_digest", "tracking_digest"]

ALL = 100_000  # more open cases than one gateway holds


@frozen
class Digest:
    """What is overdue and what falls due within the horizon, soonest first."""

    today: date
    within: int
    overdue: list[dict[str, Any]]
    due_soon: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "within_days": self.within,
            "overdue": self.overdue,
            "due_soon": self.due_soon,
        }


async def deadline_digest(
    store: TrackingStore,
    *,
    today: date,
    within: int,
    own_state: str,
    calendar_of: CalendarOf,
) -> Digest:
    """Overdue deadlines and those due within `within` days (today included)."""
    cases = {case.case_id: case for case in await store.cases(open_only=True, limit=ALL)}
    pending = []
    for case in cases.values():
        deadline = deadline_of(case, own_state=own_state, calendar_of=calendar_of)
        if deadline is not None:
            pending.append(PendingDeadline(subject=case.case_id, deadline=deadline))
    alerts = due_alerts(pending, today=today, horizon_days=within)
    reports = await _wrong_hit_reports(store)
    last = today + timedelta(days=within)
    return Digest(
        today=today,
        within=within,
        overdue=[_case_item(cases[item.subject], item, today) for item in alerts.overdue]
        + [_report_item(hit, today) for hit in reports if _due(hit) < today],
        due_soon=[_case_item(cases[item.subject], item, today) for item in alerts.due_soon]
        + [_report_item(hit, today) for hit in reports if today <= _due(hit) <= last],
    )


async def tracking_digest(tracking: Tracking, *, within: int) -> Digest:
    """The digest as of the tracking service's today, with its calendars."""
    return await deadline_digest(
        tracking.store,
        today=tracking.context.clock.today(),
        within=within,
        own_state=tracking.context.own_state,
        calendar_of=tracking.context.calendar_of,
    )


async def deadline_counts(tracking: Tracking, *, within: int) -> dict[str, int]:
    """For the metrics endpoint: deadlines overdue and due within `within` days, hits waiting."""
    digest = await tracking_digest(tracking, within=within)
    waiting = await tracking.store.hits(status=HitStatus.AWAITING_VERIFICATION, limit=ALL)
    return {
        "overdue": len(digest.overdue),
        "due_soon": len(digest.due_soon),
        "hits_awaiting_verification": len(waiting),
    }


async def _wrong_hit_reports(store: TrackingStore) -> list[StoredHit]:
    rejected = await store.hits(status=HitStatus.REJECTED, limit=ALL)
    return [hit for hit in rejected if hit.report_due is not None and hit.reported_at is None]


def _due(hit: StoredHit) -> date:
    return hit.report_due or date.max


def _case_item(case: StoredCase, item: PendingDeadline, today: date) -> dict[str, Any]:
    deadline = item.deadline
    return {
        "subject": f"case:{case.case_id}",
        "case_id": case.case_id,
        "state": case.state.value,
        "other_state": case.other_state,
        "days_left": item.days_left(today),
        **deadline.as_dict(),
    }


def _report_item(hit: StoredHit, today: date) -> dict[str, Any]:
    return {
        "subject": f"hit:{hit.hit_id}",
        "hit_id": hit.hit_id,
        "step": "wrong-hit-report",
        "deadline": _due(hit).isoformat(),
        "days_left": (_due(hit) - today).days,
        "legal_basis": hit.report_basis,
        "effect_if_missed": "the obligation to report a wrong hit is breached",
    }
