"""The tracking service with the variants of a case, on the in-memory stores, a fixed clock and
real signing: a peer's detained request, the end of a detained person's transfer limit
applied by the sweep, and a request rebuilt after a crash saying what it said the first time.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time

import pytest
from tracking_desk import (
    NOW,
    SAMPLES,
    Desk,
    accepted_by_nl,
    crash,
    hit_on,
    nl_request,
    received_request,
)

from gateway.adapters.web.tracking import case_plan
from gateway.domain.dublin import (
    DublinRegime,
    RequestType,
)
from gateway.domain.record import CanonicalRecord
from gateway.domain.serialization import decode_record
from gateway.errors import InputError
from gateway.messages import DublinSubmission, read_message
from gateway.pipeline.outgoing import RequestFacts
from gateway.tracking.cases import CaseEvent, CaseState


def _record(registered: str) -> dict[str, object]:
    data = json.loads((SAMPLES / "applicant-2026.json").read_bytes())
    data["application"]["registered_on"] = registered
    data["application"]["lodged_on"] = registered
    return dict(data)


async def test_a_peer_s_detained_request_604_2013_art_28_3_is_accepted_by_silence_in_two_weeks(
    desk: Desk,
) -> None:
    """Reg 604/2013 Art 28(3): received Monday 30 November 2026, NL's request about a detained
    person is answered by Monday 14 December 2026; on 15 December silence is acceptance."""
    record = decode_record(_record("2026-05-04")).value
    assert isinstance(record, CanonicalRecord)
    request = nl_request(
        RequestType.TAKE_CHARGE, "NL-DET-1", "Reg 604/2013 Art 13(1)", detained=True
    )
    case = await received_request(
        desk, request, "dublinet.take-charge-request", regime=DublinRegime.DUBLIN3, record=record
    )
    assert (case.request_detained, case.detained, case.deadline) == (True, True, date(2026, 12, 14))
    assert (case.deadline_basis, case.deadline_state) == ("Reg 604/2013 Art 28(3)", "BE")
    [opened] = await desk.tracking.store.case_changes(case.case_id)
    assert opened.detail.endswith("the person is detained")
    desk.clock.set(datetime(2026, 12, 14, 22, 0, tzinfo=UTC))
    assert await desk.tracking.deadlines.sweep() == 0
    desk.clock.set(datetime(2026, 12, 15, 9, 0, tzinfo=UTC))
    assert await desk.tracking.deadlines.sweep() == 1
    assert (await desk.tracking.cases.case(case.case_id)).state is CaseState.TACITLY_ACCEPTED


async def test_the_sweep_ends_a_detention_whose_604_2013_art_28_3_six_weeks_passed(
    desk: Desk,
) -> None:
    """Reg 604/2013 Art 28(3): NL accepts on Monday 30 November 2026 while the person is
    detained; the transfer is due within six weeks (Monday 11 January 2027). Not done by then,
    the sweep of 12 January ends the detention, and the six months of Art 29(1) run on from
    the acceptance (30 May 2027 is a Sunday: Monday 31 May 2027); the case stays accepted."""
    plan = case_plan(
        {
            "kind": "take_charge",
            "requested_state": "NL",
            "legal_basis": "Reg 604/2013 Art 13(1)",
            "record": _record("2026-05-04"),
            "detained": True,
        },
        case_id="plan-detained",
    )
    case = await desk.tracking.requests.open_planned(plan)
    assert case.regime is DublinRegime.DUBLIN3
    accepted = await accepted_by_nl(desk, case)
    assert (accepted.state, accepted.deadline, accepted.deadline_variant) == (
        CaseState.ACCEPTED,
        date(2027, 1, 11),
        "detained",
    )
    desk.clock.set(datetime.combine(date(2027, 1, 12), time(6, 0), tzinfo=UTC))
    assert await desk.tracking.deadlines.sweep() == 1
    ended = await desk.tracking.cases.case(case.case_id)
    assert (ended.state, ended.detained, ended.deadline, ended.deadline_from) == (
        CaseState.ACCEPTED,
        False,
        date(2027, 5, 31),
        NOW.date(),
    )
    last = (await desk.tracking.store.case_changes(case.case_id))[-1]
    assert (last.event.value if last.event else None, last.by) == (
        "detention_limit_passed",
        "gateway",
    )
    assert "transfer time limit 2027-05-31" in last.detail
    assert await desk.tracking.deadlines.sweep() == 0  # the six months run: nothing more today


async def test_a_lost_request_is_rebuilt_saying_the_person_is_detained(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep queues a request lost between the two stores again: the same message, which
    still tells NL the person is detained (Reg 2024/1351 Art 45)."""
    hit_id = await hit_on(desk, "NL1000000004242")
    await desk.tracking.hits.confirm(hit_id, by="expert", open_case=False)

    with monkeypatch.context() as patched:
        patched.setattr(desk.outbox, "put", crash)
        with pytest.raises(OSError, match="died"):
            await desk.tracking.hits.open_case(hit_id, RequestFacts(detained=True))
    [case] = await desk.tracking.store.cases()
    assert (case.request_detained, case.detained) == (True, True)
    assert case.request_message_id is not None
    assert await desk.store.get(case.request_message_id) is None
    await desk.tracking.deadlines.sweep()
    queued = await desk.store.get(case.request_message_id)
    assert queued is not None
    sent = read_message(desk.outbox.body_of(queued)).content
    assert isinstance(sent, DublinSubmission)
    assert sent.request.detained is True


async def test_a_detention_recorded_before_the_acknowledgement_is_history_not_a_new_request(
    desk: Desk,
) -> None:
    """The request went out saying nothing of a detention: recorded now, the detention is
    on the case and in its history (by whom), the request's reply limit will not change
    (Reg 604/2013 Art 28(3) ties the two weeks to a request made for a detained person)."""
    plan = case_plan(
        {
            "kind": "take_charge",
            "requested_state": "NL",
            "legal_basis": "Reg 604/2013 Art 13(1)",
            "record": _record("2026-05-04"),
        },
        case_id="plan-later",
    )
    case = await desk.tracking.requests.open_planned(plan)
    held = await desk.tracking.cases.act(
        case.case_id, CaseEvent.DETAINED, by="ops-anne", reason="risk of absconding"
    )
    assert (held.state, held.detained, held.request_detained) == (
        CaseState.REQUEST_SENT,
        True,
        False,
    )
    last = (await desk.tracking.store.case_changes(case.case_id))[-1]
    assert (last.by, last.detail) == ("ops-anne", "risk of absconding; no time limit runs")
    with pytest.raises(InputError) as raised:
        await desk.tracking.cases.act(case.case_id, CaseEvent.ABSCONDED, by="ops-anne")
    assert raised.value.code == "GW-CASE-TRANSITION"  # no transfer limit runs yet
