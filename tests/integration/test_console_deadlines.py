"""The deadlines page: every time limit overdue or due within the horizon, rendered by the
server from what `GET /v1/deadlines` answers, with its case, article, effect and date; filtered,
sorted and exported by the URL; the old board's address leads to it."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console_rig import incoming_request, log_in, pending_hit
from web_rig import Rig, api_rig

from gateway.broker.access import Role
from gateway.testing import FixedClock
from gateway.tracking.records import StoredCase


def _references(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1]
    return [
        part.split("</a>", 1)[0].rsplit(">", 1)[1] for part in body.split('<a href="/console/')[1:]
    ]


@asynccontextmanager
async def _three_deadlines(
    tmp_path: Path, role: Role
) -> AsyncIterator[tuple[Rig, StoredCase, StoredCase]]:
    """A rig signed in as `role` with NL-2026-1 overdue (40 days old), a wrong-hit report due
    in 3 working days and NL-2026-2 due in a month; yields the rig and the two cases."""
    clock = FixedClock(datetime.now(tz=UTC).replace(microsecond=0))
    async with api_rig(tmp_path, clock=clock) as rig:
        late, fresh = await _add_three_deadlines(rig, clock)
        await log_in(rig.client, await rig.token(role))
        yield rig, late, fresh


async def _add_three_deadlines(rig: Rig, clock: FixedClock) -> tuple[StoredCase, StoredCase]:
    tracking = rig.services.tracking
    assert tracking is not None
    _, late = await incoming_request(rig, "NL-2026-1")
    clock.advance(timedelta(days=40))  # our reply to NL-2026-1 is now overdue
    _, fresh = await incoming_request(rig, "NL-2026-2")
    await tracking.store.add_hit(
        pending_hit(
            "h-1",
            received=clock.today(),
            registered=clock.today(),
            created_at=datetime.combine(clock.today(), datetime.min.time(), tzinfo=UTC),
        ),
        [],
    )
    await tracking.hits.reject("h-1", by="expert-1", reason="different ridges")
    return late, fresh


async def test_the_page_lists_each_deadline_with_its_case_article_effect_and_date(
    tmp_path: Path,
) -> None:
    async with _three_deadlines(tmp_path, Role.AUDITOR) as (rig, late, fresh):
        get = rig.client.get
        wide = await (await get("/console/deadlines?within=60")).text()
        api = await (await get("/v1/deadlines?within=60")).json()
        default = await (await get("/console/deadlines")).text()
        overdue = await (await get("/console/deadlines?within=60&status=overdue")).text()
        reports = await (await get("/console/deadlines?within=60&kind=wrong-hit-report")).text()
        of_nl = await (await get("/console/deadlines?within=60&other_state=nl")).text()
        latest = await (await get("/console/deadlines?within=60&sort=-due")).text()
        by_case = await (await get("/console/deadlines?within=60&sort=-reference")).text()

    assert _references(wide) == ["NL-2026-1", "h-1", "NL-2026-2"]  # the soonest first
    assert len(api["overdue"]) + len(api["due_soon"]) == 3  # the same rows as the API's
    assert f'<a href="/console/cases/{late.case_id}">NL-2026-1</a>' in wide
    assert f'<a href="/console/cases/{fresh.case_id}">NL-2026-2</a>' in wide
    assert '<a href="/console/hits/h-1">h-1</a>' in wide
    assert "Reg 2024/1351 Art 40(1)" in wide
    assert "tacit acceptance: silence is tantamount to accepting the request" in wide
    assert "days overdue</strong>" in wide
    assert "the obligation to report a wrong hit is breached" in wide
    assert _references(default) == ["NL-2026-1", "h-1"]  # 5 days: the setting's horizon
    assert "within 5 days" in default
    assert _references(overdue) == ["NL-2026-1"]
    assert _references(reports) == ["h-1"]
    assert _references(of_nl) == ["NL-2026-1", "NL-2026-2"]
    assert _references(latest) == ["NL-2026-2", "h-1", "NL-2026-1"]
    assert _references(by_case) == ["h-1", "NL-2026-2", "NL-2026-1"]
    assert 'id="sort-due">due ▼' in latest


async def test_the_export_bad_input_the_old_address_and_the_roles(tmp_path: Path) -> None:
    async with _three_deadlines(tmp_path, Role.OPERATOR) as (rig, late, _):
        get = rig.client.get
        exported = await (await get("/console/deadlines.csv?within=60")).text()
        bad_within = await get("/console/deadlines?within=soon")
        bad_within_text = await bad_within.text()
        bad_sort = await get("/console/deadlines?sort=colour")
        bad_sort_text = await bad_sort.text()
        moved = await get("/console/board/deadlines?within=9", allow_redirects=False)
        await log_in(rig.client, await rig.token(Role.TESTER))
        tester = await get("/console/deadlines")

    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [row["reference"] for row in rows] == ["NL-2026-1", "h-1", "NL-2026-2"]
    assert (rows[0]["overdue"], rows[0]["effect"], rows[0]["case_id"]) == (
        "true",
        "tacit-acceptance",
        late.case_id,
    )
    assert bad_within.status == 400
    assert "GW-DL-WITHIN" in bad_within_text
    assert "within is a whole number" in bad_within_text
    assert bad_sort.status == 400
    assert "sort is one of due, reference" in bad_sort_text
    assert (moved.status, moved.headers["Location"]) == (301, "/console/deadlines?within=9")
    assert tester.status == 403
