"""The tracking service's desk for tests: in-memory stores, a fixed clock and real signing,
with the few factories the tracking tests share (a peer's message, an enrolment, a hit, a
peer's request, NL's acceptance, the results a submitter was given, a crash of the outbox)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pki import GeneratedPki

from gateway.broker.outbox import Outbox
from gateway.broker.records import Receipt, StoredMessage
from gateway.broker.sealing import BodyCipher
from gateway.domain.dublin import (
    DublinRegime,
    DublinReply,
    DublinRequest,
    ReplyOutcome,
    RequestType,
)
from gateway.domain.eurodac import ReferenceNumber, Regime
from gateway.domain.person import Sex
from gateway.domain.record import CanonicalRecord
from gateway.domain.replies import EurodacHit, MatchedRecord
from gateway.domain.serialization import decode_record
from gateway.messages import DublinSubmission, Message, Party, new_envelope
from gateway.pipeline.services import Tracking, compose_tracking
from gateway.pipeline.submissions import SubmissionRequest, Submissions
from gateway.pipeline.wire import CENTRAL_SYSTEM, Wire
from gateway.testing import FixedClock, InMemoryStore, InMemoryTrackingStore
from gateway.tracking.cases import DublinCase

__all__ = [
    "NL",
    "NOW",
    "SAMPLES",
    "Desk",
    "accepted_by_nl",
    "crash",
    "enrolled",
    "hit_on",
    "inbox",
    "message_from",
    "nl_request",
    "open_desk",
    "received_request",
    "sample_record",
]

SAMPLES = Path(__file__).resolve().parents[1] / "mappings" / "samples" / "canonical"
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday
NL = Party(authority="NL", system="dublinet")


@dataclass
class Desk:
    tracking: Tracking
    outbox: Outbox
    clock: FixedClock
    store: InMemoryStore
    submissions: Submissions


@asynccontextmanager
async def open_desk(pki: GeneratedPki) -> AsyncIterator[Desk]:
    """Tracking as the gateway composes it, at NOW, for the Belgian Dublin unit."""
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
        yield Desk(
            tracking=tracking, outbox=outbox, clock=clock, store=store, submissions=submissions
        )


def sample_record() -> CanonicalRecord:
    """The applicant of the canonical sample, decoded."""
    record = decode_record(json.loads((SAMPLES / "applicant-2026.json").read_bytes())).value
    assert isinstance(record, CanonicalRecord)
    return record


def nl_request(
    request_type: RequestType, national_reference: str, legal_basis: str, **facts: bool
) -> DublinRequest:
    """NL's request to us (BE) of `request_type`; `facts` say it is urgent, detained..."""
    return DublinRequest(
        request_type=request_type,
        requesting_state="NL",
        requested_state="BE",
        national_reference=national_reference,
        legal_basis=legal_basis,
        **facts,
    )


async def received_request(
    desk: Desk,
    request: DublinRequest,
    message_type: str,
    *,
    regime: DublinRegime = DublinRegime.AMMR,
    record: CanonicalRecord | None = None,
) -> DublinCase:
    """NL's `request` about `record` (the sample applicant unless named) arrives: the case
    it opened, the only one on the desk."""
    submission = DublinSubmission(request=request, record=record or sample_record())
    message = message_from(NL, message_type, submission, regime=regime)
    await desk.tracking.arrivals.on_message(message, Receipt(new=True, correlated=None))
    [case] = await desk.tracking.store.cases()
    return case


async def enrolled(desk: Desk) -> StoredMessage:
    """An applicant's enrolment submitted by evibel, as the pipeline queues it."""
    data = json.loads((SAMPLES / "applicant-2026.json").read_bytes())
    data["biometrics"]["captured_on"] = "2026-11-28"  # within 72 hours of the submission
    record = decode_record(data).value
    assert isinstance(record, CanonicalRecord)
    submission = await desk.submissions.submit(
        SubmissionRequest(
            submitter="evibel", idempotency_key=str(uuid.uuid4()), body=json.dumps(data).encode()
        )
    )
    assert submission.message_ids, submission.response
    stored = await desk.store.get(submission.message_ids[0])
    assert stored is not None
    return stored


def message_from(sender: Party, message_type: str, content: object, **envelope: object) -> Message:
    """A message `sender` sent us at NOW; `envelope` names its regime, correlation and more."""
    return Message(
        envelope=new_envelope(
            message_type=message_type,
            regime=envelope.pop("regime", Regime.EURODAC_2024),  # type: ignore[arg-type]
            sender=sender,
            recipient=Party(authority="BE", system="gateway"),
            now=NOW,
            **envelope,  # type: ignore[arg-type]
        ),
        content=content,  # type: ignore[arg-type]
    )


async def hit_on(desk: Desk, matched: str) -> str:
    """The Central System's hit on a fresh enrolment, matching record `matched`: its id."""
    source = await enrolled(desk)
    reference = ReferenceNumber.parse(source.reference or "")
    match = MatchedRecord(
        reference=ReferenceNumber.parse(matched), captured_on=date(2025, 1, 2), sex=Sex.MALE
    )
    hit = message_from(
        CENTRAL_SYSTEM, "eurodac.hit", EurodacHit(reference=reference, matches=(match,))
    )
    await desk.tracking.arrivals.on_message(hit, Receipt(new=True, correlated=source))
    [stored] = await desk.tracking.store.hits()
    return stored.hit_id


async def accepted_by_nl(desk: Desk, case: DublinCase) -> DublinCase:
    """NL's reply accepting our request of `case` (under the case's regime) arrives: the
    case as it is then."""
    reply = message_from(
        NL,
        "dublinet.reply",
        DublinReply(
            request_reference=case.reference, replying_state="NL", outcome=ReplyOutcome.ACCEPT
        ),
        regime=case.regime,
        correlation_id=uuid.UUID(case.request_message_id),
    )
    await desk.tracking.arrivals.on_message(reply, Receipt(new=True, correlated=None))
    return await desk.tracking.cases.case(case.case_id)


async def inbox(desk: Desk, submitter: str = "evibel") -> list[dict[str, object]]:
    """The results queued for `submitter`, decoded."""
    results = await desk.tracking.store.results(submitter=submitter)
    return [json.loads(result.payload) for result in results]


async def crash(*_: object, **__: object) -> list[str]:
    """Stands in for a call the process died in (the outbox's put, say)."""
    raise OSError("the process died here")
