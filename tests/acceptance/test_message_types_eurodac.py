"""Every Eurodac message type between the real gateway and the simulated Central System, over
mutual TLS, under both regimes (603/2013 for data taken before 12 June 2026, 2024/1358 from
then on): what each does to the Central System's data and what the gateway keeps of it.

The gateway sends enrolments, searches, marks, unmarks, advance deletions and corrections
(`POST /v1/submissions`, the operation named by the record's transaction); the Central
System acknowledges each, then answers hit, no-hit or error (marks, unmarks, deletions and
corrections get no answer beyond the acknowledgement unless they are refused); the gateway
acknowledges each answer.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from simkit import Both
from wired import Wired, record, wired_api

from gateway.broker.states import MessageState
from gateway.domain.eurodac import Operation, Regime
from gateway.domain.eurodac_law import NOTICE_HOURS, StatusKind
from gateway.domain.person import Sex
from gateway.domain.record import CanonicalRecord, StatusUpdate
from simulators.common.outbound import derived_id

pytestmark = pytest.mark.usefixtures("exercised")
exercises = pytest.mark.exercises

# The day data are taken decides the regime: 603/2013 data are from before 12 June 2026.
TAKEN = {Regime.EURODAC_2013: date(2026, 3, 10), Regime.EURODAC_2024: None}
REGIMES = pytest.mark.parametrize("regime", list(TAKEN), ids=["603-2013", "2024-1358"])


def _taken(regime: Regime, capture_no: int = 0) -> date:
    day = TAKEN[regime]
    return datetime.now(UTC).date() if day is None else day.replace(day=day.day + capture_no)


async def _acknowledged_by_central_system(api: Wired, message_id: str) -> None:
    """The Central System's signed acknowledgement of the message is kept by the gateway."""
    ack_id = str(derived_id(uuid.UUID(message_id), "ack"))
    ack = await api.both.services.store.inbound(ack_id)
    assert ack is not None
    assert (ack.message_type, ack.correlation_id) == ("eurodac.ack", message_id)


async def _enrolled_after_the_netherlands(
    api: Wired, who: str, theirs: str, ours: str, regime: Regime
) -> CanonicalRecord:
    """The Netherlands' data of `who` (`theirs`) in the Central System, then a later capture
    of the same person enrolled by us (`ours`) and answered: a hit links the two."""
    await api.seed(record(who, theirs, regime=regime, captured_on=_taken(regime)))
    enrolled = record(who, ours, regime=regime, captured_on=_taken(regime, 1), capture_no=1)
    await api.answered(enrolled)
    return enrolled


def _act_on(enrolled: CanonicalRecord, operation: Operation) -> CanonicalRecord:
    """The enrolled data set, as an act of `operation` on it."""
    assert enrolled.transaction is not None
    return dataclasses.replace(
        enrolled, transaction=dataclasses.replace(enrolled.transaction, operation=operation)
    )


@REGIMES
@exercises("eurodac.enrolment", "eurodac.ack", "eurodac.no-hit", "eurodac.hit")
async def test_an_enrolment_is_stored_and_answered_no_hit_then_hit(
    wired: Both, regime: Regime
) -> None:
    async with wired_api(wired) as api:
        first = await api.answered(
            record("ana", "BE1000A1", regime=regime, captured_on=_taken(regime))
        )
        await _acknowledged_by_central_system(api, first)
        no_hit = await api.result("no-hit", message_id=first)
        assert no_hit["data"]["reference"] == "BE1000A1"
        done = await api.processed("eurodac", first)
        assert done["outcome"]["result"] == "no-hit"
        assert done["outcome"]["stored"] is True
        assert done["outcome"]["late"] is (regime is Regime.EURODAC_2013)  # taken in March
        stored = await api.stored("BE1000A1")
        assert stored is not None
        assert (stored["category"], stored["regime"]) == (1, regime.value)

        # The same person applied in the Netherlands before: their data set is found.
        await api.seed(record("bob", "NL1000B1", regime=regime, captured_on=_taken(regime)))
        second = await api.answered(
            record("bob", "BE1000B2", regime=regime, captured_on=_taken(regime, 1), capture_no=1)
        )
        hit = await api.result("hit", reference="BE1000B2")
        assert hit["data"]["matched"] == "NL1000B1"
        assert hit["data"]["status"] == "awaiting_verification"
        shown = await api.call("GET", f"/v1/hits/{hit['subject']}")
        matched: dict[str, Any] = shown["data"]
        assert matched["reference"] == "NL1000B1"
        # Under 603/2013 only the sex of the matched person travels; under 2024/1358 the
        # person's data too.
        assert (matched.get("person") is None) is (regime is Regime.EURODAC_2013)
        done = await api.processed("eurodac", second)
        assert done["outcome"]["matches"] == ["NL1000B1"]


@REGIMES
@exercises("eurodac.search", "eurodac.ack", "eurodac.hit", "eurodac.no-hit")
async def test_a_search_compares_without_storing(wired: Both, regime: Regime) -> None:
    async with wired_api(wired) as api:
        await api.seed(record("cyd", "NL1000C1", regime=regime, captured_on=_taken(regime)))
        found = await api.submit(
            record(
                "cyd",
                "BE3000C2",
                regime=regime,
                operation=Operation.SEARCH,
                captured_on=_taken(regime, 1),
                capture_no=1,
            )
        )
        nobody = await api.submit(
            record("dee", "BE3000D1", regime=regime, operation=Operation.SEARCH,
                   captured_on=_taken(regime))
        )  # fmt: skip
        hit = await api.result("hit", reference="BE3000C2")
        assert hit["data"]["matched"] == "NL1000C1"
        await api.result("no-hit", message_id=nobody)
        for message_id in (found, nobody):
            await api.message_reaches(message_id, MessageState.ANSWERED)
            assert (await api.processed("eurodac", message_id))["outcome"]["stored"] is False
        assert await api.stored("BE3000C2") is None
        assert await api.stored("BE3000D1") is None


async def _data_of(api: Wired, reference: str) -> dict[str, Any]:
    """The canonical record the Central System keeps for `reference` (its state, read)."""
    simulator = api.both.simulator
    assert simulator.db is not None
    row = await simulator.db.run(
        lambda db: db.execute(
            "SELECT record_json FROM eurodac_records WHERE reference = ?", (reference,)
        ).fetchone()
    )
    data: dict[str, Any] = json.loads(row["record_json"])
    return data


async def _changed(api: Wired, sent: Any) -> dict[str, Any]:
    """Send a mark, unmark, correction or deletion; once acknowledged and processed, the
    Central System's outcome."""
    message_id = await api.submit(sent)
    await api.message_reaches(message_id, MessageState.ACKNOWLEDGED)
    await _acknowledged_by_central_system(api, message_id)
    outcome: dict[str, Any] = (await api.processed("eurodac", message_id))["outcome"]
    return outcome


@REGIMES
@exercises(
    "eurodac.mark",
    "eurodac.unmark",
    "eurodac.correct",
    "eurodac.delete",
    "eurodac.error",
    "eurodac.ack",
)
async def test_marking_unmarking_correcting_and_deleting_change_the_stored_data(
    wired: Both, regime: Regime
) -> None:
    async with wired_api(wired) as api:
        enrolled = await _enrolled_after_the_netherlands(api, "eve", "NL1000E1", "BE1000E2", regime)

        def asking(operation: Operation) -> CanonicalRecord:
            return _act_on(enrolled, operation)

        # The Netherlands, whose data had a hit with ours, are told (603/2013 Art 18(1);
        # 2024/1358 Art 31(1)): a simulated state, so recorded.
        assert await _changed(api, asking(Operation.MARK)) == {
            "marked": "BE1000E2",
            "notified": ["NL"],
        }
        stored = await api.stored("BE1000E2")
        assert stored is not None
        assert (stored["marked"], stored["mark_reason"]) == (True, "protection-granted")

        assert await _changed(api, asking(Operation.UNMARK)) == {"unmarked": "BE1000E2"}
        stored = await api.stored("BE1000E2")
        assert stored is not None
        assert (stored["marked"], stored["mark_reason"]) == (False, None)

        # A correction replaces the transmitted data: under 603/2013 the sex is all there is
        # of the person, under 2024/1358 the names too.
        corrected = asking(Operation.CORRECT)
        person = corrected.person
        if regime is Regime.EURODAC_2013:
            other = Sex.FEMALE if person.sex is Sex.MALE else Sex.MALE
            person = dataclasses.replace(person, sex=other)
        else:
            person = dataclasses.replace(
                person, name=dataclasses.replace(person.name, family="CORRECTED")
            )
        assert await _changed(api, dataclasses.replace(corrected, person=person)) == {
            "corrected": "BE1000E2"
        }
        kept = (await _data_of(api, "BE1000E2"))["person"]
        if regime is Regime.EURODAC_2013:
            assert kept["sex"] == person.sex.value
        else:
            assert kept["name"]["family"] == "CORRECTED"

        assert await _changed(api, asking(Operation.DELETE)) == {"deleted": "BE1000E2"}
        stored = await api.stored("BE1000E2")
        assert stored is not None
        assert stored["deleted_at"] is not None
        assert stored["deletion_reason"] == "citizenship-acquired"
        # The Netherlands holds data found to be of the same person: it is told.
        notices = await api.control("GET", "/eurodac/notifications")
        assert [(n["member_state"], n["reference"], n["deleted"]) for n in notices] == [
            ("NL", "NL1000E1", "BE1000E2")
        ]

        # Erased data can no longer be marked: the Central System answers an error, and the
        # gateway keeps its code for the submitter.
        refused = await api.answered(asking(Operation.MARK))
        error = await api.result("error", message_id=refused)
        assert error["data"]["code"] == "unknown-reference"
        assert error["data"]["reference"] == "BE1000E2"


@exercises("eurodac.enrolment", "eurodac.error", "eurodac.ack")
async def test_an_enrolment_under_a_reference_in_use_is_answered_with_an_error(
    wired: Both,
) -> None:
    async with wired_api(wired) as api:
        await api.answered(record("fay", "BE1000F1"))
        again = await api.answered(record("gus", "BE1000F1"))
        error = await api.result("error", message_id=again)
        assert error["data"]["code"] == "duplicate-reference"
        assert (await api.processed("eurodac", again))["outcome"]["code"] == "duplicate-reference"


@REGIMES
@exercises("eurodac.status", "eurodac.marking-notice", "eurodac.enrolment", "eurodac.ack")
async def test_a_status_update_is_kept_and_a_marking_by_another_state_is_told(
    wired: Both, regime: Regime
) -> None:
    """603/2013 Arts 10 and 18(1); 2024/1358 Arts 16 and 31(1)."""
    async with wired_api(wired) as api:
        enrolled = await _enrolled_after_the_netherlands(api, "hal", "NL1000H1", "BE1000H2", regime)
        arrived = StatusUpdate(kind=StatusKind.ARRIVED_AFTER_TRANSFER, on=_taken(regime, 2))
        update = dataclasses.replace(_act_on(enrolled, Operation.STATUS), status=arrived)
        assert await _changed(api, update) == {
            "status": "BE1000H2",
            "kind": "arrived-after-transfer",
        }

        # The Netherlands grant protection and mark their data set: Belgium is told.
        answer = await api.control(
            "POST", "/eurodac/records/NL1000H1/mark", {"reason": "protection-granted"}
        )
        assert answer["notified"] == ["BE"]
        notice = await api.result("marking-notice", reference="BE1000H2")
        _, article = NOTICE_HOURS[regime]
        assert notice["data"]["marked"] == "NL1000H1"
        assert notice["data"]["marking_state"] == "NL"
        assert notice["data"]["legal_basis"] == f"Reg {regime.value} {article}"
