"""The tracking service on the in-memory stores, a fixed clock and real signing: verdicts,
incoming requests, replies, time limits and results, one rule at a time."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from tracking_desk import (
    NOW,
    SAMPLES,
    Desk,
    accepted_by_nl,
    crash,
    enrolled,
    hit_on,
    inbox,
    message_from,
    nl_request,
    received_request,
)

from gateway.adapters.web.tracking import case_plan
from gateway.broker.records import Receipt
from gateway.broker.states import Event
from gateway.domain.dublin import (
    DublinRegime,
    ReplyOutcome,
    RequestType,
)
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.replies import Acknowledgement, EurodacNoHit
from gateway.errors import InputError
from gateway.messages import Party
from gateway.pipeline.alerts import tracking_digest
from gateway.pipeline.results import pump_results
from gateway.pipeline.wire import CENTRAL_SYSTEM
from gateway.ports import MessageFilter
from gateway.tracking import Facts, Step, compute_deadline, load_calendar
from gateway.tracking.cases import CaseEvent, CaseState, Direction, DublinCase
from gateway.tracking.hits import HitStatus
from gateway.tracking.periods import add_working_days


async def test_a_hit_is_kept_sealed_and_its_submitter_told(desk: Desk) -> None:
    hit_id = await hit_on(desk, "NL1000000004242")
    stored = await desk.tracking.hits.hit(hit_id)
    assert stored.submitter == "evibel"
    assert stored.data is not None
    assert b"NL1000000004242" not in stored.data  # sealed at rest
    assert desk.tracking.hits.data(stored) == {
        "reference": "NL1000000004242",
        "captured_on": "2025-01-02",
        "sex": "M",
    }
    [result] = await inbox(desk)
    assert (result["kind"], result["subject"]) == ("hit", hit_id)
    assert "data" in result
    assert "Youssef" not in json.dumps(result)


async def test_a_wrong_hit_is_erased_and_its_report_due_in_three_working_days(
    desk: Desk,
) -> None:
    hit_id = await hit_on(desk, "NL1000000004242")
    verdict = await desk.tracking.hits.reject(hit_id, by="expert", reason="different ridges")
    assert verdict.hit.status is HitStatus.REJECTED
    assert verdict.hit.data is None
    assert verdict.hit.report_due == add_working_days(NOW.date(), 3, load_calendar("BE"))
    assert verdict.hit.report_basis == "Reg 2024/1358 Art 38"
    with pytest.raises(InputError) as raised:
        await desk.tracking.hits.confirm(hit_id, by="expert")
    assert raised.value.code == "GW-HIT-ALREADY-VERIFIED"
    assert [r["data"]["status"] for r in await inbox(desk)] == [  # type: ignore[index]
        "awaiting_verification",
        "rejected",
    ]
    digest = await tracking_digest(desk.tracking, within=5)
    assert [item["hit_id"] for item in digest.due_soon] == [hit_id]
    reported = await desk.tracking.hits.report_sent(hit_id, by="expert")
    assert reported.reported_at == NOW
    assert (await tracking_digest(desk.tracking, within=5)).due_soon == []
    with pytest.raises(InputError) as again:
        await desk.tracking.hits.report_sent(hit_id, by="expert")
    assert again.value.code == "GW-HIT-NO-REPORT"


async def test_a_hit_on_our_own_record_proposes_nothing(desk: Desk) -> None:
    hit_id = await hit_on(desk, "BE1000000004242")
    verdict = await desk.tracking.hits.confirm(hit_id, by="expert")
    assert verdict.case is None
    assert verdict.hit.proposed_step is None
    assert await desk.tracking.store.cases() == []
    assert [m.peer for m in await desk.store.find(MessageFilter())] == ["EU:eurodac"]


async def test_a_case_opened_later_from_a_confirmed_hit_is_sent_once(desk: Desk) -> None:
    hit_id = await hit_on(desk, "NL1000000004242")
    verdict = await desk.tracking.hits.confirm(hit_id, by="expert", open_case=False)
    assert verdict.case is None
    assert verdict.hit.proposed_step == Step.TAKE_BACK_NOTIFICATION.value
    case = await desk.tracking.hits.open_case(hit_id)
    assert (case.direction, case.state, case.other_state) == (
        Direction.OUTGOING,
        CaseState.REQUEST_SENT,
        "NL",
    )
    sent = await desk.store.get(case.request_message_id or "")
    assert sent is not None
    assert (sent.peer, sent.order_key, sent.message_type) == (
        "NL:dublinet",
        case.case_id,
        "dublinet.take-back-notification",
    )
    with pytest.raises(InputError) as raised:
        await desk.tracking.hits.open_case(hit_id)
    assert raised.value.code == "GW-CASE-EXISTS"


async def test_an_accepting_reply_starts_the_transfer_period(desk: Desk) -> None:
    hit_id = await hit_on(desk, "NL1000000004242")
    case = (await desk.tracking.hits.confirm(hit_id, by="expert")).case
    assert case is not None
    assert case.regime is DublinRegime.AMMR
    accepted = await accepted_by_nl(desk, case)
    assert accepted.state is CaseState.ACCEPTED
    transfer = compute_deadline(
        step=Step.TRANSFER,
        start=NOW.date(),
        regime=DublinRegime.AMMR,
        calendar=load_calendar("BE"),  # we transfer: our holidays count
        facts=Facts(hit=True),
    )
    assert (accepted.deadline_step, accepted.deadline) == ("transfer", transfer.date)
    replies = [r for r in await inbox(desk) if r["kind"] == "reply"]
    assert [r["data"]["outcome"] for r in replies] == ["accept"]  # type: ignore[index]

    # A transfer planned (twice) does not restart the transfer period; done ends the case.
    for _ in range(2):
        desk.clock.advance(timedelta(days=3))
        planned = await desk.tracking.cases.act(case.case_id, CaseEvent.TRANSFER_PLANNED, by="ops")
        assert (planned.state, planned.deadline) == (CaseState.TRANSFER_PLANNED, transfer.date)
    done = await desk.tracking.cases.act(case.case_id, CaseEvent.TRANSFER_DONE, by="ops")
    assert (done.state, done.deadline) == (CaseState.TRANSFERRED, None)
    changes = [r for r in await inbox(desk) if r["kind"] == "case-change"]
    assert [r["data"]["state"] for r in changes][-3:] == [  # type: ignore[index]
        "transfer_planned",
        "transfer_planned",
        "transferred",
    ]
    with pytest.raises(InputError) as raised:
        await desk.tracking.cases.act(case.case_id, CaseEvent.ACCEPTANCE, by="ops")
    assert raised.value.code == "GW-CASE-EVENT"


async def test_an_incoming_request_left_unanswered_is_accepted_tacitly(desk: Desk) -> None:
    request = nl_request(RequestType.TAKE_CHARGE, "NL-2026-77", "Reg 2024/1351 Art 39")
    case = await received_request(desk, request, "dublinet.take-charge-request")
    assert (case.direction, case.state) == (Direction.INCOMING, CaseState.REQUEST_RECEIVED)
    reply_by = compute_deadline(
        step=Step.TAKE_CHARGE_REPLY,
        start=NOW.date(),
        regime=DublinRegime.AMMR,
        calendar=load_calendar("BE"),
    )
    assert case.deadline == reply_by.date
    desk.clock.set(datetime.combine(reply_by.date, time(23, 0), tzinfo=UTC))
    assert await desk.tracking.deadlines.sweep() == 0
    desk.clock.advance(timedelta(hours=2))
    assert await desk.tracking.deadlines.sweep() == 1
    assert await desk.tracking.deadlines.sweep() == 0
    assert (await desk.tracking.cases.case(case.case_id)).state is CaseState.TACITLY_ACCEPTED
    kinds = [(r["kind"], r["data"]["state"]) for r in await inbox(desk, "dublin-unit")]  # type: ignore[index]
    assert kinds[0] == ("case-change", "request_received")
    assert kinds[-1] == ("case-change", "tacitly_accepted")
    assert ("deadline-alert", "request_received") in kinds


async def test_our_reply_to_an_incoming_request_is_sent_once_and_moves_the_case(
    desk: Desk,
) -> None:
    request = nl_request(RequestType.TAKE_BACK, "NL-2026-78", "Reg 2024/1351 Art 41")
    case = await received_request(desk, request, "dublinet.take-back-notification")
    with pytest.raises(InputError) as unreasoned:  # 1560/2003 Art 5(1)
        await desk.tracking.followups.reply(
            case.case_id, outcome=ReplyOutcome.REJECT, reason_codes=("not-responsible",), by="ops"
        )
    assert (unreasoned.value.code, unreasoned.value.path) == (
        "GW-CASE-REFUSAL-REASONS",
        "legal_basis",
    )
    assert await desk.store.find(MessageFilter(peer="NL:dublinet")) == []
    replied = await desk.tracking.followups.reply(
        case.case_id,
        outcome=ReplyOutcome.REJECT,
        reason_codes=("not-responsible",),
        legal_basis="Reg 2024/1351 Art 41",
        explanation="The person was never registered in Belgium.",
        by="ops",
    )
    assert replied.state is CaseState.REJECTED
    [sent] = await desk.store.find(MessageFilter(peer="NL:dublinet"))
    assert (sent.message_type, sent.correlation_id) == ("dublinet.reply", case.request_message_id)
    with pytest.raises(InputError) as raised:  # rejected cannot be rejected again
        await desk.tracking.followups.reply(
            case.case_id,
            outcome=ReplyOutcome.REJECT,
            legal_basis="Reg 2024/1351 Art 41",
            explanation="Again.",
            by="ops",
        )
    assert raised.value.code == "GW-CASE-TRANSITION"
    assert len(await desk.store.find(MessageFilter(peer="NL:dublinet"))) == 1


async def test_a_no_hit_reaches_its_submitter_and_results_are_queued_once_for_webhooks(
    desk: Desk,
) -> None:
    source = await enrolled(desk)
    reference = ReferenceNumber.parse(source.reference or "")
    no_hit = message_from(CENTRAL_SYSTEM, "eurodac.no-hit", EurodacNoHit(reference=reference))
    await desk.tracking.arrivals.on_message(no_hit, Receipt(new=True, correlated=source))
    [result] = await inbox(desk)
    assert result["kind"] == "no-hit"
    assert result["data"] == {"reference": str(reference), "message_id": source.message_id}
    assert await pump_results(desk.tracking, desk.outbox, ["evibel"]) == 1
    assert await pump_results(desk.tracking, desk.outbox, ["evibel"]) == 0
    queued = await desk.store.get(str(result["result_id"]))
    assert queued is not None
    assert queued.peer == "webhook:evibel"
    assert json.loads(desk.outbox.body_of(queued)) == result


async def _confirmed_as_the_process_dies(desk: Desk, hit_id: str) -> DublinCase:
    """An expert confirms `hit_id`: the case is stored, the process dies as its request is
    put in the outbox."""
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(desk.outbox, "put", crash)
        with pytest.raises(OSError, match="died"):
            await desk.tracking.hits.confirm(hit_id, by="expert")
    [case] = await desk.tracking.store.cases()
    return case


async def test_a_request_lost_between_its_case_and_the_outbox_is_queued_by_the_sweep(
    desk: Desk,
) -> None:
    hit_id = await hit_on(desk, "NL1000000004242")
    case = await _confirmed_as_the_process_dies(desk, hit_id)
    assert case.request_message_id is not None
    assert await desk.store.get(case.request_message_id) is None
    assert await desk.tracking.deadlines.sweep() == 0
    queued = await desk.store.get(case.request_message_id)
    assert queued is not None
    assert (queued.peer, queued.order_key) == ("NL:dublinet", case.case_id)
    await desk.tracking.deadlines.sweep()
    assert len(await desk.store.find(MessageFilter(peer="NL:dublinet"))) == 1


async def test_a_planned_case_is_sent_once_under_the_regime_of_its_registration(
    desk: Desk,
) -> None:
    body = {
        "kind": "take_charge",
        "requested_state": "FR",
        "legal_basis": "Reg 2024/1351 Art 39",
        "record": json.loads((SAMPLES / "applicant-2026.json").read_bytes()),
        "submitter": "evibel",
    }
    plan = case_plan(body, case_id="plan-1")
    case = await desk.tracking.requests.open_planned(plan)
    again = await desk.tracking.requests.open_planned(plan)
    assert again.case_id == case.case_id == "plan-1"
    assert (case.regime, case.other_state, case.hit_based) == (DublinRegime.AMMR, "FR", False)
    [sent] = await desk.store.find(MessageFilter(peer="FR:dublinet"))
    assert (sent.message_type, sent.message_id) == (
        "dublinet.take-charge-request",
        case.request_message_id,
    )
    assert [r["kind"] for r in await inbox(desk)] == ["case-change"]
    with pytest.raises(InputError) as raised:
        await desk.tracking.requests.open_planned(
            replace(plan, case_id="p-2", requested_state="BE")
        )
    assert raised.value.code == "GW-CASE-PLAN"


async def _nothing(*_: object, **__: object) -> None:
    return None


def test_a_bad_plan_is_refused_with_every_problem() -> None:
    with pytest.raises(InputError) as raised:
        case_plan(
            {"kind": "adopt", "requested_state": "XX", "urgent": "yes", "eurodac_reference": "1"},
            case_id="p",
        )
    paths = {problem.path for problem in raised.value.problems}
    assert {"kind", "requested_state", "legal_basis", "urgent", "eurodac_reference"} <= paths
    assert any(path.startswith("record") for path in paths)


async def test_a_case_that_cannot_be_swept_does_not_stop_the_others(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    hit_id = await hit_on(desk, "NL1000000004242")
    case = await _confirmed_as_the_process_dies(desk, hit_id)
    hit = await desk.tracking.hits.hit(hit_id)
    # The enrolment's body is gone: the lost request cannot be built again.
    monkeypatch.setattr(desk.store, "get", _nothing)
    assert hit.source_message_id is not None
    assert await desk.tracking.deadlines.sweep() == 0
    assert (await desk.tracking.cases.case(case.case_id)).state is CaseState.REQUEST_SENT


async def test_an_acknowledgement_tracking_missed_is_found_in_the_outbox_by_the_sweep(
    desk: Desk,
) -> None:
    hit_id = await hit_on(desk, "NL1000000004242")
    case = (await desk.tracking.hits.confirm(hit_id, by="expert")).case
    assert case is not None
    await desk.store.claim(
        worker="w", now=NOW, lease=timedelta(seconds=30), limit=10, peer="NL:dublinet"
    )
    await desk.store.record(case.request_message_id or "", Event.ACKNOWLEDGE, at=NOW, worker="w")
    desk.clock.advance(timedelta(days=1))
    assert (await desk.tracking.cases.case(case.case_id)).state is CaseState.REQUEST_SENT
    await desk.tracking.deadlines.sweep()
    acknowledged = await desk.tracking.cases.case(case.case_id)
    expected = compute_deadline(
        step=Step.TAKE_BACK_CONFIRMATION,
        start=NOW.date(),
        regime=DublinRegime.AMMR,
        calendar=load_calendar("NL"),
        facts=Facts(hit=True),
    )
    assert (acknowledged.state, acknowledged.deadline) == (CaseState.ACKNOWLEDGED, expected.date)


async def test_an_italian_acknowledgement_across_midnight_starts_on_italy_s_day(
    desk: Desk,
) -> None:
    """Reg 1182/71 Art 3(1) and 3(4), Reg 2024/1351 Art 41: Italy's ReceivedAt 23:30 UTC on
    Thursday 10 December 2026 is 00:30 on Friday 11 December in Rome, the day its two
    weeks start after. They end on Friday 25 December, Christmas; 26 December (Santo
    Stefano) is a holiday too and a Saturday, the 27th a Sunday: Monday 28 December.
    Counted from the UTC date they would end on Thursday 24 December."""
    hit_id = await hit_on(desk, "IT1000000004242")
    case = (await desk.tracking.hits.confirm(hit_id, by="expert")).case
    assert case is not None
    assert (case.other_state, case.state) == ("IT", CaseState.REQUEST_SENT)
    sent = await desk.store.get(case.request_message_id or "")
    assert sent is not None
    received = datetime(2026, 12, 10, 23, 30, tzinfo=UTC)
    desk.clock.set(received + timedelta(minutes=1))
    ack = message_from(
        Party(authority="IT", system="dublinet"),
        "dublinet.acknowledgement",
        Acknowledgement(acknowledged_message_id=uuid.UUID(sent.message_id), received_at=received),
        regime=DublinRegime.AMMR,
    )
    await desk.tracking.arrivals.on_message(ack, Receipt(new=True, correlated=sent))
    acknowledged = await desk.tracking.cases.case(case.case_id)
    assert acknowledged.state is CaseState.ACKNOWLEDGED
    assert acknowledged.deadline_step == Step.TAKE_BACK_CONFIRMATION.value
    assert (acknowledged.deadline_from, acknowledged.deadline) == (
        date(2026, 12, 11),
        date(2026, 12, 28),
    )


@pytest.mark.parametrize(
    ("arrived", "day"),
    [
        (datetime(2026, 12, 7, 23, 30, tzinfo=UTC), date(2026, 12, 8)),  # CET: 00:30 the 8th
        (datetime(2026, 7, 14, 22, 30, tzinfo=UTC), date(2026, 7, 15)),  # CEST: 00:30 the 15th
        (datetime(2026, 7, 14, 21, 30, tzinfo=UTC), date(2026, 7, 14)),  # 23:30 the 14th
    ],
)
async def test_a_request_received_across_midnight_starts_on_our_local_day(
    desk: Desk, arrived: datetime, day: date
) -> None:
    """Reg 1182/71 Art 3(1): a take charge request arriving at `arrived` is received in
    Belgium, which must reply, on `day` (Brussels time), and the reply period starts after
    it."""
    desk.clock.set(arrived)
    request = nl_request(RequestType.TAKE_CHARGE, "NL-2026-78", "Reg 2024/1351 Art 39")
    case = await received_request(desk, request, "dublinet.take-charge-request")
    assert case.deadline_from == day
    reply_by = compute_deadline(
        step=Step.TAKE_CHARGE_REPLY, start=day, regime=DublinRegime.AMMR,
        calendar=load_calendar("BE"),
    )  # fmt: skip
    assert case.deadline == reply_by.date


def test_the_tracking_service_has_no_calendar_for_a_state_outside_dublin(desk: Desk) -> None:
    """No silent fallback to Belgium's holidays: a state without a calendar is an error."""
    assert desk.tracking.context.calendar_of("IT").code == "IT"
    with pytest.raises(InputError) as raised:
        desk.tracking.context.calendar_of("GB")
    assert raised.value.code == "GW-DL-CALENDAR"
