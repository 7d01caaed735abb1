"""The Eurodac simulator's state: restarts, regimes, refusals, marking and advance deletion."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from polling import eventually
from sim_wire import SimWire
from simkit import StartSimulator, capture, transaction

from gateway.domain.dates import PartialDate
from gateway.domain.eurodac import Operation, Regime
from gateway.domain.replies import EurodacErrorReply, EurodacHit, EurodacNoHit
from gateway.domain.requests import DeletionReason, EurodacDataAction, MarkReason
from simulators.eurodac.central import EurodacConfig, LatePolicy
from simulators.runner import Simulator


async def test_a_restart_keeps_the_state_and_sends_the_pending_reply(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    stand_in = wire.stand_in
    first = await start_simulator()
    url = first.eurodac_url
    enrolled = await wire.send(url, capture(person=21, national_part="R1"), "eurodac.enrolment")
    await wire.reply(enrolled)
    stand_in.answer_status = 503  # the gateway is down: the next reply stays queued
    pending = await wire.send(
        url, capture(person=21, national_part="R2", capture_no=1), "eurodac.enrolment"
    )

    async def queued() -> bool:
        rows = await wire.read(f"{first.control_url}/control/outbox")
        return any(row["state"] in {"retry_wait", "queued"} for row in rows)

    await eventually(queued, within=20)
    await first.stop()
    assert stand_in.messages(pending) == []

    stand_in.answer_status = 200
    second = await start_simulator()
    hit = await wire.reply(pending, within=30)
    assert isinstance(hit.content, EurodacHit)  # the first enrolment survived the restart
    assert [str(m.reference) for m in hit.content.matches] == ["BE1R1"]
    records = await wire.read(f"{second.control_url}/control/eurodac/records")
    assert [row["reference"] for row in records] == ["BE1R1", "BE1R2"]


async def test_a_child_under_the_minimum_age_gets_an_error_reply(
    simulator: Simulator, wire: SimWire
) -> None:
    record = capture(person=30, national_part="C1")
    three_years_old = PartialDate(year=datetime.now(UTC).year - 3)
    child = dataclasses.replace(record.person, birth_date=three_years_old)
    message_id = await wire.send(
        simulator.eurodac_url, dataclasses.replace(record, person=child), "eurodac.enrolment"
    )
    reply = await wire.reply(message_id)
    assert reply.envelope.message_type == "eurodac.error"
    assert isinstance(reply.content, EurodacErrorReply)
    assert reply.content.code.value == "minimum-age"
    records = await wire.read(f"{simulator.control_url}/control/eurodac/records")
    assert records == []


async def test_a_late_transmission_is_flagged_or_refused(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    simulator = await start_simulator()
    five_days_ago = datetime.now(UTC).date() - timedelta(days=5)
    late = await wire.send(
        simulator.eurodac_url,
        capture(person=40, national_part="L1", captured_on=five_days_ago),
        "eurodac.enrolment",
    )
    assert isinstance((await wire.reply(late)).content, EurodacNoHit)
    [record] = await wire.read(f"{simulator.control_url}/control/eurodac/records")
    assert record["late"] is True
    [received] = await wire.read(f"{simulator.control_url}/control/received")
    assert received["outcome"]["late"] is True
    await simulator.stop()

    strict = await start_simulator(
        eurodac=EurodacConfig(processing_delay=timedelta(0), late_policy=LatePolicy.REFUSE)
    )
    refused = await wire.send(
        strict.eurodac_url,
        capture(person=41, national_part="L2", captured_on=five_days_ago),
        "eurodac.enrolment",
    )
    reply = await wire.reply(refused)
    assert isinstance(reply.content, EurodacErrorReply)
    assert reply.content.code.value == "transmission-late"


async def test_old_regime_category_3_is_compared_with_applicants_but_not_stored(
    simulator: Simulator, wire: SimWire
) -> None:
    old = Regime.EURODAC_2013
    day = datetime(2026, 3, 10, tzinfo=UTC).date()
    seeded = capture(
        person=50, national_part="NL77", member_state="NL", regime=old, captured_on=day
    )
    await wire.seed(simulator.control_url, seeded)
    search = capture(
        capture_no=1,
        person=50,
        national_part="S3",
        regime=old,
        category=3,
        operation=Operation.SEARCH,
        captured_on=day,
    )
    message_id = await wire.send(simulator.eurodac_url, search, "eurodac.search", regime=old)
    hit = await wire.reply(message_id)
    assert isinstance(hit.content, EurodacHit)
    assert [str(m.reference) for m in hit.content.matches] == ["NL1NL77"]
    assert hit.content.matches[0].person is None  # 603/2013: no alphanumeric data
    records = await wire.read(f"{simulator.control_url}/control/eurodac/records")
    assert [row["reference"] for row in records] == ["NL1NL77"]


def _action(operation: Operation, national_part: str, reason: Any) -> EurodacDataAction:
    return EurodacDataAction(transaction=transaction(operation, national_part), reason=reason)


async def test_marking_and_advance_deletion_notify_the_states_holding_linked_data(
    simulator: Simulator, wire: SimWire
) -> None:
    url, control = simulator.eurodac_url, simulator.control_url
    await wire.seed(control, capture(person=60, national_part="NL60", member_state="NL"))
    enrolled = await wire.send(
        url, capture(person=60, national_part="K1", capture_no=1), "eurodac.enrolment"
    )
    assert isinstance((await wire.reply(enrolled)).content, EurodacHit)

    mark = _action(Operation.MARK, "K1", MarkReason.PROTECTION_GRANTED)
    await wire.send(url, mark, "eurodac.mark")

    async def marked() -> bool:
        records = await wire.read(f"{control}/control/eurodac/records")
        return any(row["reference"] == "BE1K1" and row["marked"] for row in records)

    await eventually(marked, within=20)
    foreign = _action(Operation.DELETE, "K9", DeletionReason.CITIZENSHIP_ACQUIRED)
    unknown = await wire.send(url, foreign, "eurodac.delete")
    delete = _action(Operation.DELETE, "K1", DeletionReason.CITIZENSHIP_ACQUIRED)
    await wire.send(url, delete, "eurodac.delete")

    async def notified() -> bool:
        return bool(await wire.read(f"{control}/control/eurodac/notifications"))

    await eventually(notified, within=20)
    [notice] = await wire.read(f"{control}/control/eurodac/notifications")
    assert (notice["member_state"], notice["reference"], notice["deleted"]) == (
        "NL",
        "NL1NL60",
        "BE1K1",
    )
    error = await wire.reply(unknown)
    assert isinstance(error.content, EurodacErrorReply)
    assert error.content.code.value == "unknown-reference"

    again = await wire.send(
        url, capture(person=60, national_part="K2", capture_no=2), "eurodac.enrolment"
    )
    hit = await wire.reply(again)
    assert isinstance(hit.content, EurodacHit)
    assert [str(m.reference) for m in hit.content.matches] == ["NL1NL60"]  # BE1K1 is erased


async def test_a_false_hit_rate_of_one_reports_a_hit_for_a_stranger(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    simulator = await start_simulator(
        eurodac=EurodacConfig(processing_delay=timedelta(0), false_hit_rate=1.0)
    )
    url = simulator.eurodac_url
    first = await wire.send(url, capture(person=70, national_part="F1"), "eurodac.enrolment")
    assert isinstance((await wire.reply(first)).content, EurodacNoHit)  # nothing stored yet
    stranger = await wire.send(url, capture(person=71, national_part="F2"), "eurodac.enrolment")
    hit = await wire.reply(stranger)
    assert isinstance(hit.content, EurodacHit)
    received = await wire.read(f"{simulator.control_url}/control/received")
    assert [row["outcome"]["false_hit"] for row in received] == [True, False]


async def test_a_correction_replaces_the_data_and_keeps_the_biometrics(
    simulator: Simulator, wire: SimWire
) -> None:
    url = simulator.eurodac_url
    enrolled = await wire.send(url, capture(person=80, national_part="Q1"), "eurodac.enrolment")
    await wire.reply(enrolled)
    original = capture(person=80, national_part="Q1", operation=Operation.CORRECT)
    renamed = dataclasses.replace(
        original.person, name=dataclasses.replace(original.person.name, family="HADAD")
    )
    correction = dataclasses.replace(original, person=renamed, biometrics=None)
    corrected = await wire.send(url, correction, "eurodac.correct")

    async def done() -> bool:
        rows = await wire.read(f"{simulator.control_url}/control/received")
        return any(r["message_id"] == str(corrected) and r["state"] == "done" for r in rows)

    await eventually(done, within=20)
    again = await wire.send(
        url, capture(person=80, national_part="Q2", capture_no=1), "eurodac.enrolment"
    )
    hit = await wire.reply(again)
    assert isinstance(hit.content, EurodacHit)  # the biometrics stayed
    [match] = hit.content.matches
    assert match.person is not None
    assert match.person.name.family == "HADAD"
    assert wire.stand_in.messages(corrected) == []  # a correction gets no reply beyond its ack


async def test_data_past_their_retention_no_longer_match(
    simulator: Simulator, wire: SimWire
) -> None:
    old = Regime.EURODAC_2013
    taken = datetime(2025, 4, 1, tzinfo=UTC).date()
    # a border crossing kept 18 months (gone since 1 October 2026), an application kept 10 years
    for state, category, part in (("IT", 2, "IT5"), ("NL", 1, "NL5")):
        seeded = capture(
            person=90,
            national_part=part,
            member_state=state,
            category=category,
            regime=old,
            captured_on=taken,
        )
        await wire.seed(simulator.control_url, seeded)
    record = capture(
        person=90,
        national_part="Z5",
        capture_no=1,
        regime=old,
        captured_on=datetime(2026, 3, 10, tzinfo=UTC).date(),
    )
    message_id = await wire.send(simulator.eurodac_url, record, "eurodac.enrolment", regime=old)
    hit = await wire.reply(message_id)
    assert isinstance(hit.content, EurodacHit)
    assert [str(m.reference) for m in hit.content.matches] == ["NL1NL5"]
