"""Results for the national systems: what tracking tells the submitter of a message, a hit
or a case, stored with the change that produced it.

`waiting` is set whenever results were written, so the webhook pump
(`gateway.pipeline.results`) wakes without polling.
"""

from __future__ import annotations

import asyncio
from dataclasses import field
from typing import Any

from gateway.domain.frozen import frozen
from gateway.pipeline.casework.context import Context
from gateway.pipeline.casework.views import case_view, hit_view, make_result
from gateway.tracking.records import Result, ResultKind, StoredCase, StoredHit

__all__ = ["Results"]


@frozen
class Results:
    """Makes results under their stable ids and tells the pump when some were written."""

    context: Context
    waiting: asyncio.Event = field(default_factory=asyncio.Event)  # set when results were written

    def written(self) -> None:
        """Results were stored (with a change of a hit or a case): wake the pump."""
        self.waiting.set()

    def for_submitter(
        self,
        submitter: str | None,
        kind: ResultKind,
        subject: str,
        view: dict[str, Any],
        *,
        what: str = "",
    ) -> list[Result]:
        """The result for `submitter` (none when nobody submitted the subject)."""
        if submitter is None:
            return []
        now = self.context.clock.now()
        return [make_result(submitter, kind, subject, view, what=what, now=now)]

    def of_hit(self, hit: StoredHit, *, what: str = "") -> list[Result]:
        """The hit as its submitter sees it now (`what`: the verdict or step it took)."""
        return self.for_submitter(
            hit.submitter, ResultKind.HIT, hit.hit_id, hit_view(hit), what=what
        )

    def of_case(
        self, case: StoredCase, *, what: str, also: dict[str, Any] | None = None
    ) -> list[Result]:
        """The case as its submitter sees it now, with what `also` adds to the view."""
        view = case_view(case) | (also or {})
        return self.for_submitter(
            case.submitter, ResultKind.CASE_CHANGE, case.case_id, view, what=what
        )

    def opened(self, case: StoredCase) -> list[Result]:
        return self.of_case(case, what="opened")

    async def add(self, results: list[Result]) -> None:
        """Store results that come with no change of a hit or a case."""
        if results:
            await self.context.store.add_results(results)
            self.written()
