"""One contract for every tracking store: in memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from stored_cases import stored_case
from stores import KINDS, POSTGRES, postgres_schema

from gateway.adapters.sql_tracking import PostgresTrackingStore, SqliteTrackingStore
from gateway.errors import InputError
from gateway.ports import TrackingStore
from gateway.testing import InMemoryTrackingStore
from gateway.tracking.cases import CaseEvent, CaseKind, CaseState, Direction
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import (
    CaseChange,
    CaseOpening,
    Result,
    ResultKind,
    StoredCase,
    StoredHit,
    result_id,
)
from gateway.tracking.rules import Extension

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=KINDS)
async def tracking(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[TrackingStore]:
    async with postgres_schema() as schema:
        store: TrackingStore
        if request.param == "memory":
            store = InMemoryTrackingStore()
        elif request.param == "sqlite":
            store = await SqliteTrackingStore.open(tmp_path / "gateway.sqlite3")
        else:
            store = await PostgresTrackingStore.open(POSTGRES, schema=schema)
        try:
            yield store
        finally:
            await store.close()


def a_hit(number: int = 1) -> StoredHit:
    return StoredHit(
        hit_id=f"hit-{number}",
        inbound_message_id=f"inbound-{number}",
        source_message_id=f"message-{number}",
        submitter="evibel",
        reference=f"BE1{number:010d}",
        matched=f"NL1{number:010d}",
        received=date(2026, 7, 1),
        registered=date(2026, 6, 20),
        status=HitStatus.AWAITING_VERIFICATION,
        created_at=T0,
        data=b"sealed personal data",
    )


def a_result(subject: str, submitter: str = "evibel", kind: ResultKind = ResultKind.HIT) -> Result:
    return Result(
        result_id=result_id(kind, subject),
        submitter=submitter,
        kind=kind,
        subject=subject,
        created_at=T0,
        payload='{"subject": "%s"}' % subject,  # noqa: UP031 - a literal JSON shape
    )


def an_opening(number: int = 1, message_id: str | None = None) -> CaseOpening:
    case = stored_case(
        f"case-{number}",
        Direction.OUTGOING,
        CaseState.REQUEST_SENT,
        at=T0,
        kind=CaseKind.TAKE_BACK,
        reference=f"BE-2-{number}",
        request_message_id=message_id or f"request-{number}",
    )
    return opening_of(case)


def opening_of(case: StoredCase) -> CaseOpening:
    """`case` opened at T0."""
    change = CaseChange(
        case_id=case.case_id, at=T0, from_state=None, to_state=case.state, event=None
    )
    return CaseOpening(case=case, change=change)


def a_move(before: StoredCase, after: StoredCase, event: CaseEvent, **changes: str) -> CaseChange:
    """`before` becoming `after` on `event` at T0; `changes`: its detail, who made it."""
    change = CaseChange(
        case_id=before.case_id, at=T0, from_state=before.state, to_state=after.state, event=event
    )
    return replace(change, **changes)


async def test_a_hit_is_kept_once_with_its_result(tracking: TrackingStore) -> None:
    hit = a_hit()
    assert await tracking.add_hit(hit, [a_result(hit.hit_id)])
    assert not await tracking.add_hit(replace(hit, data=None), [a_result("other")])
    assert await tracking.hit(hit.hit_id) == hit
    assert await tracking.hits(status=HitStatus.AWAITING_VERIFICATION) == [hit]
    assert await tracking.hits(status=HitStatus.CONFIRMED) == []
    inbox = await tracking.results(submitter="evibel")
    assert [r.subject for r in inbox] == [hit.hit_id]


async def test_a_verdict_is_given_once_and_opens_its_case_with_it(
    tracking: TrackingStore,
) -> None:
    hit = a_hit()
    await tracking.add_hit(hit, [])
    confirmed = replace(hit, status=HitStatus.CONFIRMED, decided_by="expert", decided_at=T0)
    opening = an_opening()
    await tracking.decide_hit(confirmed, results=[a_result("verdict")], opening=opening)
    assert await tracking.hit(hit.hit_id) == confirmed
    assert await tracking.case("case-1") == opening.case
    assert await tracking.case_changes("case-1") == [opening.change]
    with pytest.raises(InputError) as raised:
        await tracking.decide_hit(replace(hit, status=HitStatus.REJECTED), results=[])
    assert raised.value.code == "GW-HIT-ALREADY-VERIFIED"
    assert await tracking.hit(hit.hit_id) == confirmed


async def test_a_hit_changes_only_from_the_status_expected(tracking: TrackingStore) -> None:
    hit = a_hit()
    await tracking.add_hit(hit, [])
    rejected = replace(hit, status=HitStatus.REJECTED, data=None, report_due=date(2026, 7, 6))
    await tracking.decide_hit(rejected, results=[])
    reported = replace(rejected, reported_at=T0)
    with pytest.raises(InputError):
        await tracking.decide_hit(reported, results=[], expected=HitStatus.CONFIRMED)
    await tracking.decide_hit(reported, results=[], expected=HitStatus.REJECTED)
    assert await tracking.hit(hit.hit_id) == reported


async def test_a_failed_verdict_writes_nothing(tracking: TrackingStore) -> None:
    await tracking.add_case(an_opening(), [])
    hit = a_hit()
    await tracking.add_hit(hit, [])
    confirmed = replace(hit, status=HitStatus.CONFIRMED)
    with pytest.raises(InputError) as raised:  # the case id is taken
        await tracking.decide_hit(confirmed, results=[a_result("lost")], opening=an_opening())
    assert raised.value.code == "GW-CASE-CONFLICT"
    assert await tracking.hit(hit.hit_id) == hit
    assert await tracking.result(result_id(ResultKind.HIT, "lost")) is None


async def test_a_case_moves_only_from_the_state_it_was_read_in(tracking: TrackingStore) -> None:
    opening = an_opening(message_id="m-1")
    assert await tracking.add_case(opening, [])
    assert not await tracking.add_case(opening, [])
    assert await tracking.case_by_message("m-1") == opening.case
    assert await tracking.case_by_message("m-2") is None
    moved = replace(opening.case, state=CaseState.ACKNOWLEDGED, deadline=date(2026, 8, 1))
    change = a_move(opening.case, moved, CaseEvent.ACKNOWLEDGEMENT, detail="ack")
    await tracking.move_case(moved, change, [a_result("moved", kind=ResultKind.CASE_CHANGE)])
    assert await tracking.case(moved.case_id) == moved
    assert await tracking.case_changes(moved.case_id) == [opening.change, change]
    with pytest.raises(InputError) as raised:
        await tracking.move_case(moved, change, [])
    assert raised.value.code == "GW-CASE-CONFLICT"


async def test_open_cases_leave_out_finished_ones_newest_first(tracking: TrackingStore) -> None:
    for number in (1, 2):
        await tracking.add_case(an_opening(number), [])
    first = await tracking.case("case-1")
    assert first is not None
    closed = replace(first, state=CaseState.CLOSED)
    change = a_move(first, closed, CaseEvent.WITHDRAWAL)
    await tracking.move_case(closed, change, [])
    assert [c.case_id for c in await tracking.cases()] == ["case-2", "case-1"]
    assert [c.case_id for c in await tracking.cases(open_only=True)] == ["case-2"]


async def test_results_are_kept_once_in_order_per_submitter(tracking: TrackingStore) -> None:
    results = [a_result("a"), a_result("b", submitter="actio"), a_result("c")]
    assert await tracking.add_results(results) == [r.result_id for r in results]
    assert await tracking.add_results([a_result("a")]) == []
    mine = await tracking.results(submitter="evibel")
    assert [r.subject for r in mine] == ["a", "c"]
    assert mine[0].seq < mine[1].seq
    later = await tracking.results(submitter="evibel", after=mine[0].seq)
    assert [r.subject for r in later] == ["c"]
    stored = await tracking.result(results[1].result_id)
    assert stored is not None
    assert (stored.submitter, stored.payload) == ("actio", results[1].payload)


async def test_results_leave_the_webhook_queue_once_marked(tracking: TrackingStore) -> None:
    await tracking.add_results([a_result("a"), a_result("b", submitter="actio"), a_result("c")])
    waiting = await tracking.unqueued_results(submitters=["evibel"], limit=10)
    assert [r.subject for r in waiting] == ["a", "c"]
    await tracking.mark_queued([waiting[0].result_id], at=T0)
    again = await tracking.unqueued_results(submitters=["evibel", "actio"], limit=10)
    assert [r.subject for r in again] == ["b", "c"]
    assert await tracking.unqueued_results(submitters=[], limit=10) == []


async def test_a_case_keeps_its_variants_and_their_changes(tracking: TrackingStore) -> None:
    """The facts the clock depends on, and the clock they gave (Reg 604/2013 Art 28(3): a
    detained person's transfer within six weeks of an acceptance on 1 July 2026, by 12 August
    2026; Art 29(2): 18 months once the person absconds, by 3 January 2028), are what every
    store gives back; a change of the person's situation keeps the case's state."""
    accepted = replace(
        an_opening(7).case,
        state=CaseState.ACCEPTED,
        hit_based=True,
        urgent=True,
        urgency_reason="removal order served (Art 21(2))",
        request_detained=True,
        detained=True,
        detention_reason="significant risk of absconding (Art 28(2))",
        deadline=date(2026, 8, 12),
        deadline_from=date(2026, 7, 1),
        deadline_step="transfer",
        deadline_basis="Reg 604/2013 Art 28(3)",
        deadline_effect="detention-ends",
        deadline_variant="detained",
        deadline_state="BE",
        deadline_calendar="BE",
    )
    assert await tracking.add_case(opening_of(accepted), [])
    assert await tracking.case(accepted.case_id) == accepted
    absconded = replace(
        accepted,
        detained=False,
        detention_reason=None,
        extension=Extension.ABSCONDING,
        deadline=date(2028, 1, 3),
        deadline_basis="Reg 604/2013 Art 29(2)",
        deadline_effect="responsibility-shifts-to-requesting-state",
        deadline_variant="absconding",
    )
    change = a_move(
        accepted,
        absconded,
        CaseEvent.ABSCONDED,
        detail="reported by NL; transfer time limit 2028-01-03",
        by="operator-anne",
    )
    await tracking.move_case(absconded, change, [])
    assert await tracking.case(accepted.case_id) == absconded
    assert (await tracking.case_changes(accepted.case_id))[-1] == change
    assert [c.extension for c in await tracking.cases(open_only=True)] == [Extension.ABSCONDING]
