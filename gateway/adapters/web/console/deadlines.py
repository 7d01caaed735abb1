"""`/console/deadlines`: the time limits that are overdue or fall due soon, one row each with
its case (or wrong hit), the article that sets it, what missing it does and its date;
filtered and sorted by the URL, exported as CSV. The rows are those of `GET /v1/deadlines`
(`gateway.pipeline.alerts.tracking_digest`), so the page and the API never disagree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from aiohttp import web

from gateway.adapters.web.console.access import page, render
from gateway.adapters.web.console.export import csv_response
from gateway.adapters.web.console.missing import tracking_or_missing
from gateway.adapters.web.keys import SERVICES
from gateway.adapters.web.params import Choice, Text, query
from gateway.adapters.web.tracking import WITHIN
from gateway.broker.access import Permission
from gateway.domain.frozen import frozen
from gateway.pipeline.alerts import ALL, tracking_digest

__all__ = ["DeadlineRow", "deadlines", "deadlines_csv", "rows_of"]

KINDS = ("case", "wrong-hit-report")
KIND = Choice(name="kind", choices={kind: kind for kind in KINDS}, code="GW-DL-QUERY")
STATUS = Choice(
    name="status", choices={"overdue": True, "due": False}, code="GW-DL-QUERY",
    description="overdue, or due within the horizon",
)  # fmt: skip
OTHER_STATE = Text(name="other_state", max_length=2, code="GW-DL-QUERY")
SORTS: dict[str, Callable[[DeadlineRow], Any]] = {
    "due": lambda row: (row.due, row.reference),
    "reference": lambda row: (row.reference, row.due),
    "article": lambda row: (row.legal_basis, row.due),
    "other_state": lambda row: (row.other_state, row.due),
    "step": lambda row: (row.step, row.due),
}
SORT = Choice(
    name="sort",
    choices={name: name for name in [*SORTS, *(f"-{name}" for name in SORTS)]},
    code="GW-DL-QUERY",
    description="a column, soonest or A first; with '-' the other way",
)
COLUMNS = (
    "kind", "reference", "case_id", "hit_id", "other_state", "case_state", "step", "due",
    "days_left", "overdue", "legal_basis", "effect", "effect_if_missed",
)  # fmt: skip


@frozen
class DeadlineRow:
    kind: str  # case, wrong-hit-report
    reference: str  # the case's reference, or the hit's id
    link: str  # the console page to act from
    case_id: str | None
    hit_id: str | None
    other_state: str
    case_state: str
    step: str
    due: date
    days_left: int
    overdue: bool
    legal_basis: str
    effect: str  # the effect's code (cases); empty for a report
    effect_if_missed: str

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLUMNS}


def _row(item: dict[str, Any], *, overdue: bool, references: dict[str, str]) -> DeadlineRow:
    case_id, hit_id = item.get("case_id"), item.get("hit_id")
    if case_id is not None:
        kind, link, reference = "case", f"/console/cases/{case_id}", references.get(case_id, "")
    else:
        kind, link, reference = "wrong-hit-report", f"/console/hits/{hit_id}", str(hit_id)
    return DeadlineRow(
        kind=kind,
        reference=reference or str(case_id),
        link=link,
        case_id=case_id,
        hit_id=hit_id,
        other_state=str(item.get("other_state") or ""),
        case_state=str(item.get("state") or ""),
        step=str(item["step"]),
        due=date.fromisoformat(item["deadline"]),
        days_left=int(item["days_left"]),
        overdue=overdue,
        legal_basis=str(item.get("legal_basis") or ""),
        effect=str(item.get("effect") or ""),
        effect_if_missed=str(item.get("effect_if_missed") or ""),
    )


async def rows_of(request: web.Request) -> tuple[list[DeadlineRow], int]:
    """The rows the URL's filters keep, in its order, and the horizon in days."""
    services = request.app[SERVICES]
    tracking = tracking_or_missing(request, "case tracking")
    within = WITHIN.value(request, services.settings.deadline_alert_days)
    digest = await tracking_digest(tracking, within=within)
    cases = await tracking.store.cases(open_only=True, limit=ALL)
    references = {case.case_id: case.reference for case in cases}
    rows = [_row(item, overdue=True, references=references) for item in digest.overdue] + [
        _row(item, overdue=False, references=references) for item in digest.due_soon
    ]
    kind, status = KIND.read(request), STATUS.read(request)
    other = (OTHER_STATE.read(request) or "").strip().upper()
    kept = [
        row
        for row in rows
        if (kind is None or row.kind == kind)
        and (status is None or row.overdue is status)
        and (not other or row.other_state == other)
    ]
    order = SORT.value(request, "due")
    kept.sort(key=SORTS[order.removeprefix("-")], reverse=order.startswith("-"))
    return kept, within


@page(Permission.READ_TRACKING)
@query(WITHIN, KIND, STATUS, OTHER_STATE, SORT)
async def deadlines(request: web.Request) -> web.Response:
    rows, within = await rows_of(request)
    export = request.rel_url.with_path("/console/deadlines.csv").with_query(request.query)
    sort = SORT.value(request, "due")
    links = {
        name: str(request.rel_url.update_query(sort=f"-{name}" if sort == name else name))
        for name in SORTS
    }
    return render(
        request,
        "deadlines.html",
        {
            "rows": rows,
            "within": within,
            "query": request.query,
            "kinds": KINDS,
            "sort": sort,
            "links": links,
            "export": str(export),
            "today": request.app[SERVICES].clock.now().date(),
        },
    )


@page(Permission.READ_TRACKING)
@query(WITHIN, KIND, STATUS, OTHER_STATE, SORT)
async def deadlines_csv(request: web.Request) -> web.Response:
    rows, _ = await rows_of(request)
    return csv_response("deadlines", COLUMNS, [row.as_dict() for row in rows])
