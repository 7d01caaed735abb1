"""A marking notice from the Central System becomes a result for the system that submitted our
data set (603/2013 Art 18(1); 2024/1358 Art 31(1)), on the in-memory stores."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pki import GeneratedPki

from gateway.broker.outbox import Outbox
from gateway.broker.records import Receipt
from gateway.broker.sealing import BodyCipher
from gateway.domain.eurodac import ReferenceNumber, Regime
from gateway.domain.replies import EurodacMarkingNotice
from gateway.messages import Message, Party, new_envelope
from gateway.pipeline.services import Tracking, compose_tracking
from gateway.pipeline.submissions import SubmissionRequest, Submissions
from gateway.pipeline.wire import CENTRAL_SYSTEM, Wire
from gateway.testing import FixedClock, InMemoryStore, InMemoryTrackingStore

SAMPLES = Path(__file__).resolve().parents[2] / "mappings" / "samples" / "canonical"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@dataclass
class Desk:
    tracking: Tracking
    store: InMemoryStore
    submissions: Submissions


@pytest.fixture
async def desk(pki: GeneratedPki) -> AsyncIterator[Desk]:
    clock = FixedClock(NOW)
    store = InMemoryStore()
    outbox = Outbox(store, BodyCipher({"k1": b"k" * 32}, "k1"), clock)
    wire = Wire(member_state="BE", signer=pki.signer(pki.nl))
    with ThreadPoolExecutor(2) as executor:
        tracking = compose_tracking(
            store=InMemoryTrackingStore(),
            outbox=outbox,
            wire=wire,
            clock=clock,
            executor=executor,
            dublin_unit="dublin-unit",
        )
        submissions = Submissions(outbox=outbox, wire=wire, clock=clock, executor=executor)
        yield Desk(tracking=tracking, store=store, submissions=submissions)


def _notice(reference: str) -> Message:
    notice = EurodacMarkingNotice(
        reference=ReferenceNumber.parse(reference),
        marked=ReferenceNumber.parse("NL1NL2026A1"),
        reason="protection-granted",
        marked_on=date(2026, 11, 29),
    )
    envelope = new_envelope(
        message_type="eurodac.marking-notice",
        regime=Regime.EURODAC_2024,
        sender=CENTRAL_SYSTEM,
        recipient=Party(authority="BE", system="gateway"),
        now=NOW,
    )
    return Message(envelope=envelope, content=notice)


async def test_the_submitter_of_our_data_set_is_told_what_the_law_asks(desk: Desk) -> None:
    """2024/1358 Art 31(1): the states whose data had a hit with the marked data mark theirs."""
    data = json.loads((SAMPLES / "applicant-2026.json").read_bytes())
    data["biometrics"]["captured_on"] = "2026-11-28"
    submission = await desk.submissions.submit(
        SubmissionRequest(
            submitter="evibel", idempotency_key=str(uuid.uuid4()), body=json.dumps(data).encode()
        )
    )
    stored = await desk.store.get(submission.message_ids[0])
    assert stored is not None
    assert stored.reference is not None
    message = _notice(stored.reference)
    await desk.tracking.arrivals.on_message(message, Receipt(new=True, correlated=None))
    [result] = await desk.tracking.store.results(submitter="evibel")
    payload = json.loads(result.payload)
    assert payload["kind"] == "marking-notice"
    assert payload["data"] == {
        "reference": stored.reference,
        "marked": "NL1NL2026A1",
        "marking_state": "NL",
        "reason": "protection-granted",
        "marked_on": "2026-11-29",
        "legal_basis": "Reg 2024/1358 Art 31(1)",
        "to_do": f"mark the corresponding data set {stored.reference} (eurodac.mark)",
        "message_id": str(message.envelope.message_id),
    }
    again = Receipt(new=True, correlated=None)
    await desk.tracking.arrivals.on_message(message, again)  # the same notice again: one result
    assert len(await desk.tracking.store.results(submitter="evibel")) == 1


async def test_a_notice_about_data_set_nobody_submitted_goes_to_the_dublin_unit(
    desk: Desk,
) -> None:
    await desk.tracking.arrivals.on_message(
        _notice("BE1UNKNOWN1"), Receipt(new=True, correlated=None)
    )
    [result] = await desk.tracking.store.results(submitter="dublin-unit")
    assert json.loads(result.payload)["data"]["reference"] == "BE1UNKNOWN1"
