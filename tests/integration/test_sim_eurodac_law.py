"""The simulated Central System applies the law's tables over the wire: what a hit carries,
status updates after recording, and the acts it refuses, each with its code and article."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from polling import eventually
from sim_wire import SimWire
from simkit import StartSimulator, capture, transaction

from gateway.domain.eurodac import EurodacTransaction, Operation, Regime
from gateway.domain.eurodac_law import StatusKind
from gateway.domain.record import StatusUpdate
from gateway.domain.replies import EurodacErrorReply, EurodacHit, EurodacMarkingNotice
from gateway.domain.requests import EurodacDataAction, EurodacStatusUpdate, MarkReason
from gateway.messages import Content


async def test_a_status_update_is_recorded_and_a_hit_carries_the_data_set(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    """2024/1358 Art 16: the member state of origin adds what happened; Art 28(4): a hit
    carries the data of Art 17(1) and (2): fingerprints, face, person, dates, updates."""
    simulator = await start_simulator()
    url = simulator.eurodac_url
    first = await wire.send(url, capture(person=90, national_part="U1"), "eurodac.enrolment")
    await wire.reply(first)
    arrived = StatusUpdate(
        kind=StatusKind.MEMBER_STATE_RESPONSIBLE, on=datetime.now(UTC).date(), member_state="NL"
    )
    update = EurodacStatusUpdate(transaction=transaction(Operation.STATUS, "U1"), update=arrived)
    updated = await wire.send(url, update, "eurodac.status")

    async def recorded() -> bool:
        rows = await wire.read(f"{simulator.control_url}/control/received")
        return any(r["message_id"] == str(updated) and r["outcome"] for r in rows)

    await eventually(recorded, within=20)
    again = await wire.send(
        url, capture(person=90, national_part="U2", capture_no=1), "eurodac.enrolment"
    )
    hit = (await wire.reply(again)).content
    assert isinstance(hit, EurodacHit)
    [match] = hit.matches
    assert str(match.reference) == "BE1U1"
    assert match.status == (arrived,)
    assert match.fingerprints  # for the expert who verifies the hit (Art 38)
    assert match.face is not None
    assert match.person is not None
    assert match.transmitted_on is not None


Transaction = Callable[[Operation], EurodacTransaction]  # an act's transaction on one data set


def _nameless_update(on: Transaction) -> EurodacStatusUpdate:
    """2024/1358 Art 16(1): the member state responsible is named; here it is not."""
    nameless = StatusUpdate(kind=StatusKind.MEMBER_STATE_RESPONSIBLE, on=datetime.now(UTC).date())
    return EurodacStatusUpdate(transaction=on(Operation.STATUS), update=nameless)


def _residence_document_mark(on: Transaction) -> EurodacDataAction:
    """2024/1358 Art 31(4): a residence document marks categories 2, 3 and 9, not 1."""
    return EurodacDataAction(transaction=on(Operation.MARK), reason=MarkReason.RESIDENCE_DOCUMENT)


@pytest.mark.parametrize(
    ("act", "message_type", "code", "article"),
    [
        pytest.param(
            _nameless_update, "eurodac.status", "invalid-message", "Art 16(1)",
            id="an-update-the-regulation-does-not-provide-for",
        ),
        pytest.param(
            _residence_document_mark, "eurodac.mark", "mark-not-allowed", "Art 31(1)",
            id="a-mark-for-a-residence-document-on-an-applicant",
        ),
    ],
)  # fmt: skip
async def test_an_act_the_law_does_not_allow_is_refused_with_its_article(
    start_simulator: StartSimulator,
    wire: SimWire,
    act: Callable[[Transaction], Content],
    message_type: str,
    code: str,
    article: str,
) -> None:
    """An act on an enrolled data set that the law's tables refuse gets an error reply that
    names the article."""
    simulator = await start_simulator()
    url = simulator.eurodac_url
    first = await wire.send(url, capture(person=91, national_part="V1"), "eurodac.enrolment")
    await wire.reply(first)
    refused = act(lambda operation: transaction(operation, "V1"))
    reply = await wire.reply(await wire.send(url, refused, message_type))
    assert isinstance(reply.content, EurodacErrorReply)
    assert reply.content.code.value == code
    assert article in (reply.content.description or "")


async def test_a_marking_is_told_to_the_states_whose_data_had_a_hit_with_it(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    """2024/1358 Art 31(1): the Central System tells the other member states of origin whose
    data produced a hit with the marked data; the gateway's state gets a signed notice."""
    simulator = await start_simulator()
    url, control = simulator.eurodac_url, simulator.control_url
    seeded = capture(person=93, national_part="NL93", member_state="NL")
    await wire.seed(control, seeded)
    enrolled = await wire.send(
        url, capture(person=93, national_part="X1", capture_no=1), "eurodac.enrolment"
    )
    assert isinstance((await wire.reply(enrolled)).content, EurodacHit)

    # Belgium marks its own data set: the Netherlands are told (recorded: a simulated state)
    mark = EurodacDataAction(
        transaction=transaction(Operation.MARK, "X1"), reason=MarkReason.PROTECTION_GRANTED
    )
    await wire.send(url, mark, "eurodac.mark")

    async def told_nl() -> bool:
        return bool(await wire.read(f"{control}/control/eurodac/marking-notices"))

    await eventually(told_nl, within=20)
    [to_nl] = await wire.read(f"{control}/control/eurodac/marking-notices")
    assert (to_nl["member_state"], to_nl["reference"], to_nl["marked"], to_nl["sent"]) == (
        "NL",
        "NL1NL93",
        "BE1X1",
        False,
    )

    # the Netherlands mark theirs: Belgium's gateway receives the notice
    async with wire.session.post(
        f"{control}/control/eurodac/records/NL1NL93/mark", json={"reason": "protection-granted"}
    ) as response:
        assert response.status == 200
        answer = await response.json()
    assert answer["notified"] == ["BE"]
    [notice_id] = answer["message_ids"]

    def delivered() -> list[Any]:  # a notice answers nothing: found by its own id
        return [m for m in wire.stand_in.messages() if str(m.envelope.message_id) == notice_id]

    await eventually(lambda: bool(delivered()), within=20)
    [message] = delivered()
    assert message.envelope.correlation_id is None
    notice = message.content
    assert isinstance(notice, EurodacMarkingNotice)
    assert (str(notice.reference), str(notice.marked), notice.reason) == (
        "BE1X1",
        "NL1NL93",
        "protection-granted",
    )


async def test_a_mark_the_law_does_not_allow_is_refused_by_the_control_api(
    start_simulator: StartSimulator, wire: SimWire
) -> None:
    """603/2013 Art 18(1): data are marked when protection is granted; a withdrawal unmarks,
    it is no mark. (The category rule, category 2 never marked, is a unit test: a category 2
    data set of 603/2013 is erased 18 months after capture, so none is left after 2027.)"""
    simulator = await start_simulator()
    control = simulator.control_url
    old = capture(  # category 1 under 603/2013: kept 10 years (Art 12(1)), until 2036
        person=94, national_part="IT94", member_state="IT", regime=Regime.EURODAC_2013,
        category=1, captured_on=datetime(2026, 6, 1, tzinfo=UTC).date(),
    )  # fmt: skip
    await wire.seed(control, old)
    async with wire.session.post(
        f"{control}/control/eurodac/records/IT1IT94/mark", json={"reason": "protection-withdrawn"}
    ) as response:
        assert response.status == 400
        problem = await response.json()
    assert "mark-not-allowed" in problem["detail"]
    assert "Art 18(1)" in problem["detail"]
