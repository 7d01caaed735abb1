"""The Central System's notice of a marking by another member state: recorded, and told.

603/2013 Art 18(1) and 2024/1358 Art 31(1): when another member state of origin marks data
that produced a hit with ours, the Central System tells us, and we mark our corresponding
data set too. The inbound message is stored by the inbound pipeline; here it becomes a
result (`marking-notice`) for the system that submitted our data set (else the Dublin unit),
saying which data set, marked by whom, why, and what the law asks of us.
"""

from __future__ import annotations

from typing import Any

from gateway.domain.eurodac import Regime
from gateway.domain.eurodac_law import NOTICE_HOURS
from gateway.domain.frozen import frozen
from gateway.domain.replies import EurodacMarkingNotice
from gateway.messages import Message
from gateway.pipeline.casework.context import Context
from gateway.pipeline.casework.results import Results
from gateway.ports import MessageFilter
from gateway.tracking.records import ResultKind

__all__ = ["MarkingNotices", "marking_notice_view"]

_OURS = ("eurodac.enrolment", "eurodac.correct", "eurodac.status", "eurodac.mark")


def marking_notice_view(notice: EurodacMarkingNotice, regime: Regime) -> dict[str, Any]:
    """The result's content: no personal data, only references, states, dates and the law."""
    _, article = NOTICE_HOURS[regime]
    return {
        "reference": str(notice.reference),
        "marked": str(notice.marked),
        "marking_state": notice.marked.member_state,
        "reason": notice.reason,
        "marked_on": notice.marked_on.isoformat(),
        "legal_basis": f"Reg {regime.value} {article}",
        "to_do": f"mark the corresponding data set {notice.reference} (eurodac.mark)",
    }


@frozen
class MarkingNotices:
    """Marking notices from the Central System, told to whoever submitted our data set."""

    context: Context
    results: Results

    async def arrived(self, message: Message, notice: EurodacMarkingNotice) -> None:
        """A result for whoever submitted our data set (else the Dublin unit)."""
        context = self.context
        ours = await context.outbox.store.find(MessageFilter(reference=str(notice.reference)))
        source = next(
            (m for m in ours if m.message_type in _OURS and m.submission_id is not None), None
        )
        submitter = await context.submitter_of(source) or context.dublin_unit
        regime = Regime(message.envelope.regime.value)  # a Eurodac message's regime
        subject = str(message.envelope.message_id)
        view = marking_notice_view(notice, regime) | {"message_id": subject}
        await self.results.add(
            self.results.for_submitter(submitter, ResultKind.MARKING_NOTICE, subject, view)
        )
