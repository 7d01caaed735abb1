"""Eurodac's answers to our searches: hits waiting for a fingerprint expert, the expert's
verdicts, and the case a confirmed hit proposes; a no-hit or an error becomes a result.

What a verdict means in law (the Dublin step a confirmed hit proposes, the report a wrong
hit is due) is `gateway.tracking.hits`.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from gateway.broker.records import StoredMessage
from gateway.domain.frozen import frozen
from gateway.domain.replies import EurodacErrorReply, EurodacHit, EurodacNoHit
from gateway.domain.serialization import encode
from gateway.errors import InputError
from gateway.messages import Message
from gateway.pipeline.casework.context import Context
from gateway.pipeline.casework.requests import Requests
from gateway.pipeline.casework.results import Results
from gateway.pipeline.casework.views import registered_on
from gateway.pipeline.outgoing import RequestFacts, core_hit, hit_id_of
from gateway.tracking import hits as hit_rules
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import CaseOpening, Result, ResultKind, StoredCase, StoredHit

__all__ = ["Hits", "Verdict"]


@frozen
class Verdict:
    """An expert's verdict as stored, and the case it opened (if any)."""

    hit: StoredHit
    case: StoredCase | None = None


@frozen
class Hits:
    """Hits on a `TrackingStore`, their data sealed with the outbox's body key ring."""

    context: Context
    results: Results
    requests: Requests

    async def hit(self, hit_id: str) -> StoredHit:
        stored = await self.context.store.hit(hit_id)
        if stored is None:
            raise InputError("GW-HIT-UNKNOWN", f"there is no hit {hit_id}", "hit_id")
        return stored

    def data(self, hit: StoredHit) -> dict[str, Any] | None:
        """The matched record's data, opened (for the expert), or None once erased."""
        if hit.data is None:
            return None
        opened = self.context.outbox.cipher.open(hit.data, message_id=hit.hit_id)
        data: dict[str, Any] = json.loads(opened)
        return data

    async def arrived(
        self, message: Message, hit: EurodacHit, source: StoredMessage | None
    ) -> None:
        """A hit per matched record of our search `source`, each waiting for an expert."""
        context = self.context
        submitter = await context.submitter_of(source)
        record = await context.record_of(source)
        now = context.clock.now()
        registered = registered_on(record) or now.date()
        for index, match in enumerate(hit.matches):
            hit_id = hit_id_of(str(message.envelope.message_id), index)
            data = json.dumps(encode(match)).encode()
            stored = StoredHit(
                hit_id=hit_id,
                inbound_message_id=str(message.envelope.message_id),
                source_message_id=source.message_id if source else None,
                submitter=submitter,
                reference=str(hit.reference),
                matched=str(match.reference),
                received=now.date(),
                registered=registered,
                status=HitStatus.AWAITING_VERIFICATION,
                created_at=now,
                data=context.outbox.cipher.seal(data, message_id=hit_id),
            )
            await context.store.add_hit(stored, self.results.of_hit(stored))
        self.results.written()

    async def answer_arrived(
        self,
        message: Message,
        content: EurodacNoHit | EurodacErrorReply,
        source: StoredMessage | None,
    ) -> None:
        """A no-hit or an error for our message `source`: a result for its submitter."""
        submitter = await self.context.submitter_of(source)
        kind = ResultKind.NO_HIT if isinstance(content, EurodacNoHit) else ResultKind.ERROR
        view: dict[str, Any] = {
            "reference": str(content.reference) if content.reference else None,
            "message_id": source.message_id if source else None,
        }
        if isinstance(content, EurodacErrorReply):
            view |= {"code": content.code.value, "description": content.description}
        subject = str(message.envelope.message_id)
        await self.results.add(self.results.for_submitter(submitter, kind, subject, view))

    async def confirm(self, hit_id: str, *, by: str, open_case: bool = True) -> Verdict:
        """The expert confirms: the Dublin step follows, and its case is opened and sent."""
        stored = await self.hit(hit_id)
        context = self.context
        confirmation = hit_rules.confirm(
            core_hit(stored),
            own_state=context.own_state,
            calendar=context.calendar_of(context.own_state),
        )
        proposal = confirmation.proposal
        now = context.clock.now()
        decided = replace(
            stored,
            status=HitStatus.CONFIRMED,
            decided_at=now,
            decided_by=by,
            reason=confirmation.reason,
            proposed_step=proposal.step.value if proposal else None,
            proposed_state=proposal.requested_state if proposal else None,
            proposal_deadline=proposal.deadline.date if proposal else None,
            proposal_basis=proposal.deadline.legal_basis if proposal else None,
        )
        if proposal is None or not open_case:
            await self._decide(decided, what="confirmed")
            return Verdict(hit=decided)
        opening, request = await self.requests.of_hit(decided, now)
        opening = replace(opening, change=replace(opening.change, by=by))
        await self._decide(decided, what="confirmed", opening=opening)
        await context.outbox.put([request])
        return Verdict(hit=decided, case=opening.case)

    async def reject(self, hit_id: str, *, by: str, reason: str) -> Verdict:
        """A wrong hit: its data are erased and its report is due in 3 working days."""
        stored = await self.hit(hit_id)
        context = self.context
        report = hit_rules.reject(
            core_hit(stored),
            on=context.clock.today(),
            calendar=context.calendar_of(context.own_state),
        )
        decided = replace(
            stored,
            status=HitStatus.REJECTED,
            data=None,
            decided_at=context.clock.now(),
            decided_by=by,
            reason=reason,
            report_due=report.due,
            report_basis=report.legal_basis,
        )
        await self._decide(decided, what="rejected")
        return Verdict(hit=decided)

    async def report_sent(self, hit_id: str, *, by: str) -> StoredHit:
        """The wrong hit was reported: its 3-working-day limit no longer runs."""
        stored = await self.hit(hit_id)
        if stored.status is not HitStatus.REJECTED or stored.reported_at is not None:
            raise InputError(
                "GW-HIT-NO-REPORT",
                f"hit {hit_id} is {stored.status.value}"
                + (", reported already" if stored.reported_at else "")
                + ": no wrong-hit report is due",
                "hit_id",
            )
        reported = replace(stored, reported_at=self.context.clock.now(), reported_by=by)
        await self._decide(reported, what="reported", expected=HitStatus.REJECTED)
        return reported

    async def open_case(
        self,
        hit_id: str,
        facts: RequestFacts = RequestFacts(),
    ) -> StoredCase:
        """Open (and send) the case a confirmed hit proposed, if it was not opened at once;
        the request says what `facts` say of the person (urgent, detained)."""
        stored = await self.hit(hit_id)
        if stored.status is not HitStatus.CONFIRMED or stored.proposed_step is None:
            raise InputError(
                "GW-CASE-NO-PROPOSAL",
                f"hit {hit_id} is {stored.status.value} and proposes no Dublin step",
                "hit_id",
            )
        opening, request = await self.requests.of_hit(stored, self.context.clock.now(), facts)
        if not await self.requests.send(opening, request):
            raise InputError(
                "GW-CASE-EXISTS", f"the case of hit {hit_id} is open already", "hit_id"
            )
        return opening.case

    async def _decide(
        self,
        decided: StoredHit,
        *,
        what: str,
        opening: CaseOpening | None = None,
        expected: HitStatus = HitStatus.AWAITING_VERIFICATION,
    ) -> None:
        """Store the hit as `decided` (and the case it opens) with the results they give."""
        results: list[Result] = self.results.of_hit(decided, what=what)
        if opening is not None:
            results += self.results.opened(opening.case)
        await self.context.store.decide_hit(
            decided, results=results, opening=opening, expected=expected
        )
        self.results.written()
