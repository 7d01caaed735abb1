"""Deadline alerts: what is due soon, what is overdue, and which silences became acceptances.

Pure: the caller passes the pending deadlines (acts not yet done), today's
date and the horizon. A deadline is met until the end of its day, so it is
overdue from the next day on.
"""

from __future__ import annotations

from datetime import date, timedelta

from gateway.domain.frozen import frozen
from gateway.tracking.deadlines import Deadline
from gateway.tracking.rules import Effect

__all__ = ["Alerts", "PendingDeadline", "TacitAcceptance", "due_alerts", "tacit_acceptances"]

# Silence after these time limits is an answer: acceptance, or confirmation of receipt.
_SILENCE_ACCEPTS = frozenset({Effect.TACIT_ACCEPTANCE, Effect.RECEIPT_CONFIRMED})


@frozen
class PendingDeadline:
    """A deadline whose act has not been done yet, for one subject (a case or a hit)."""

    subject: str
    deadline: Deadline

    def days_left(self, today: date) -> int:
        return (self.deadline.date - today).days


@frozen
class Alerts:
    """Overdue deadlines (oldest first) and those due within the horizon (soonest first)."""

    overdue: tuple[PendingDeadline, ...]
    due_soon: tuple[PendingDeadline, ...]


@frozen
class TacitAcceptance:
    """A reply deadline passed in silence: the request counts as accepted from `deemed_on`'s end."""

    subject: str
    deadline: Deadline

    @property
    def deemed_on(self) -> date:
        return self.deadline.date


def due_alerts(pending: list[PendingDeadline], *, today: date, horizon_days: int) -> Alerts:
    """Split pending deadlines into overdue and due within `horizon_days` (today included)."""
    if horizon_days < 0:
        raise ValueError("the horizon is zero days or more")
    last = today + timedelta(days=horizon_days)
    ordered = _by_date(pending)
    return Alerts(
        overdue=tuple(item for item in ordered if item.deadline.date < today),
        due_soon=tuple(item for item in ordered if today <= item.deadline.date <= last),
    )


def tacit_acceptances(
    pending: list[PendingDeadline], *, today: date
) -> tuple[TacitAcceptance, ...]:
    """Reply deadlines that passed without a reply, where the law makes silence an acceptance."""
    return tuple(
        TacitAcceptance(subject=item.subject, deadline=item.deadline)
        for item in _by_date(pending)
        if item.deadline.effect in _SILENCE_ACCEPTS and item.deadline.date < today
    )


def _by_date(pending: list[PendingDeadline]) -> list[PendingDeadline]:
    return sorted(pending, key=lambda item: (item.deadline.date, item.subject))
