"""Hypothesis strategies for messages: canonical contents and envelopes the schemas accept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import strategies as st
from strategies import partial_dates

from gateway.domain.application import Application, NationalIdentifiers
from gateway.domain.biometrics import (
    BiometricSet,
    FacialImage,
    FingerPosition,
    Fingerprint,
    ImpressionType,
)
from gateway.domain.countries import ALPHA3
from gateway.domain.dublin import (
    DublinRegime,
    DublinReply,
    DublinRequest,
    Evidence,
    EvidenceKind,
    ReplyOutcome,
    RequestType,
)
from gateway.domain.eurodac import (
    EurodacTransaction,
    Operation,
    ReferenceNumber,
    Regime,
    TransmissionDelay,
)
from gateway.domain.eurodac_law import STATUS_UPDATES, DelayGround, MarkReason
from gateway.domain.member_states import MEMBER_STATES
from gateway.domain.person import Document, DocumentType, Name, Person, Sex
from gateway.domain.record import CanonicalRecord, PlaceAndDate, StatusUpdate
from gateway.domain.replies import (
    Acknowledgement,
    EurodacHit,
    EurodacMarkingNotice,
    MatchedRecord,
)
from gateway.domain.requests import EurodacStatusUpdate, TransferArrangement, TransferMode
from gateway.messages import DublinSubmission, Envelope, MessageRegime, Party

# Characters XML 1.0 can carry, without control characters.
texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cn", "Co")),
    min_size=1,
    max_size=30,
)
states = st.sampled_from(sorted(MEMBER_STATES))
countries = st.sampled_from(sorted(ALPHA3))
days = st.dates(date(1990, 1, 1), date(2035, 12, 31))
national_references = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9/._\-]{0,39}", fullmatch=True)


def references(regime: Regime) -> st.SearchStrategy[ReferenceNumber]:
    digits = (1, 2, 3) if regime is Regime.EURODAC_2013 else tuple(range(10))
    return st.builds(
        ReferenceNumber,
        member_state=states,
        category=st.sampled_from(digits),
        national_part=st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True),
    )


names = st.builds(
    Name,
    family=texts,
    given=st.one_of(st.just(""), texts),
    family_original=st.none() | texts,
    given_original=st.none() | texts,
    script=st.none() | st.sampled_from(["Arab", "Cyrl", "Ethi"]),
)
documents = st.builds(
    Document,
    type=st.sampled_from(DocumentType),
    number=texts,
    issuing_country=countries,
    valid_from=st.none() | days,
    valid_until=st.none() | days,
)
persons = st.builds(
    Person,
    name=names,
    aliases=st.lists(names, max_size=2).map(tuple),
    sex=st.sampled_from(Sex),
    birth_date=st.none() | partial_dates(date(1950, 1, 1), date(2020, 12, 31)),
    birth_place=st.none() | texts,
    birth_country=st.none() | countries,
    nationalities=st.lists(countries, max_size=3).map(tuple),
    documents=st.lists(documents, max_size=2).map(tuple),
)
applications = st.builds(
    Application,
    identifiers=st.builds(NationalIdentifiers, io_file_number=st.none() | st.just("9876543")),
    made_on=st.none() | days,
    registered_on=st.none() | days,
    lodged_on=st.none() | days,
    place=st.none() | texts,
    at_border=st.booleans(),
)
places_and_dates = st.builds(PlaceAndDate, on=days, place=st.none() | texts)
delays = st.builds(TransmissionDelay, ground=st.sampled_from(DelayGround), since=st.none() | days)


def status_updates(regime: Regime) -> st.SearchStrategy[StatusUpdate]:
    return st.builds(
        StatusUpdate,
        kind=st.sampled_from([rule.kind for rule in STATUS_UPDATES[regime]]),
        on=days,
        member_state=st.none() | states,
    )


faces = st.builds(
    FacialImage, image=st.binary(max_size=40), image_format=st.sampled_from(["JPEG", "PNG"])
)


@st.composite
def fingerprints(draw: st.DrawFn, minimum: int) -> tuple[Fingerprint, ...]:
    positions = draw(st.lists(st.sampled_from(FingerPosition), min_size=minimum, unique=True))
    return tuple(
        Fingerprint(
            position=position,
            impression=draw(st.sampled_from(ImpressionType)),
            quality=draw(st.integers(0, 100)),
            image=draw(st.binary(max_size=24)),
            image_format=draw(st.sampled_from(["WSQ", "JP2"])),
        )
        for position in positions
    )


def biometric_sets(regime: Regime) -> st.SearchStrategy[BiometricSet]:
    return st.builds(
        BiometricSet,
        captured_on=days,
        fingerprints=fingerprints(1 if regime is Regime.EURODAC_2013 else 0),
        face=st.none() | faces,
        station=st.none() | texts,
        ansi_nist=st.binary(max_size=32),
    )


@st.composite
def eurodac_records(draw: st.DrawFn, regime: Regime, operation: Operation) -> CanonicalRecord:
    reference = draw(references(regime))
    points = st.none() | st.sampled_from(["18(1)", "18(2)(a)", "18(2)(b)", "18(2)(c)"])
    return CanonicalRecord(
        person=draw(persons),
        application=draw(st.none() | applications),
        biometrics=draw(biometric_sets(regime)),
        transaction=EurodacTransaction(
            operation=operation,
            regime=regime,
            category=reference.category,
            reference=reference,
            point=draw(points),
            delay=draw(st.none() | delays),
        ),
        apprehension=draw(st.none() | places_and_dates),
        disembarkation=draw(st.none() | places_and_dates),
        security_flag=draw(st.booleans()),
    )


@st.composite
def eurodac_status_updates(draw: st.DrawFn, regime: Regime) -> EurodacStatusUpdate:
    reference = draw(references(regime))
    transaction = EurodacTransaction(
        operation=Operation.STATUS, regime=regime, category=reference.category, reference=reference
    )
    return EurodacStatusUpdate(transaction=transaction, update=draw(status_updates(regime)))


def hits(regime: Regime) -> st.SearchStrategy[EurodacHit]:
    matches = st.builds(
        MatchedRecord,
        reference=references(regime),
        captured_on=days,
        sex=st.sampled_from(Sex),
        marked=st.booleans(),
        person=st.none() | persons,
        face=st.none() | faces,
        fingerprints=fingerprints(0),
        transmitted_on=st.none() | days,
        application=st.none() | places_and_dates,
        apprehension=st.none() | places_and_dates,
        disembarkation=st.none() | places_and_dates,
        status=st.lists(status_updates(regime), max_size=2).map(tuple),
        security_flag=st.booleans(),
        mark_reason=st.none() | st.sampled_from(["protection-granted", "residence-document"]),
    )
    return st.builds(
        EurodacHit,
        reference=references(regime),
        matches=st.lists(matches, min_size=1, max_size=3).map(tuple),
    )


@st.composite
def marking_notices(draw: st.DrawFn, regime: Regime) -> EurodacMarkingNotice:
    """603/2013 Art 18(1); 2024/1358 Art 31(1): another state marked data that had a hit."""
    reference = draw(references(regime))
    marked = draw(references(regime).filter(lambda r: r.member_state != reference.member_state))
    reasons = [MarkReason.PROTECTION_GRANTED]
    if regime is Regime.EURODAC_2024:
        reasons.append(MarkReason.RESIDENCE_DOCUMENT)
    return EurodacMarkingNotice(
        reference=reference,
        marked=marked,
        reason=draw(st.sampled_from(reasons)).value,
        marked_on=draw(days),
    )


evidence = st.builds(
    Evidence,
    kind=st.sampled_from(EvidenceKind),
    description=texts,
    document_reference=st.none() | texts,
)


@st.composite
def submissions(draw: st.DrawFn, request_type: RequestType) -> DublinSubmission:
    urgent = draw(st.booleans())
    request = DublinRequest(
        request_type=request_type,
        requesting_state=draw(states),
        requested_state=draw(states),
        national_reference=draw(national_references),
        legal_basis=draw(texts),
        urgent=urgent,
        urgency_reason=draw(texts) if urgent else None,
        detained=draw(st.booleans()),
        evidence=tuple(draw(st.lists(evidence, max_size=3))),
        eurodac_reference=draw(st.none() | references(Regime.EURODAC_2024)),
    )
    application = draw(applications.filter(lambda a: a.registered_on is not None))
    return DublinSubmission(
        request=request, record=CanonicalRecord(person=draw(persons), application=application)
    )


replies = st.builds(
    DublinReply,
    request_reference=national_references,
    replying_state=states,
    outcome=st.sampled_from(ReplyOutcome),
    legal_basis=st.none() | texts,
    reason_codes=st.lists(st.from_regex(r"[a-z][a-z0-9\-]{0,39}", fullmatch=True), max_size=3).map(
        tuple
    ),
    explanation=st.none() | texts,
)
offsets = st.integers(-12 * 60, 14 * 60).map(lambda minutes: timezone(timedelta(minutes=minutes)))
moments = st.builds(
    lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1)),  # noqa: DTZ001 - naive bounds
    offsets,
)
acknowledgements = st.builds(
    Acknowledgement, acknowledged_message_id=st.uuids(), received_at=moments
)
transfers = st.builds(
    TransferArrangement,
    request_reference=national_references,
    transferring_state=states,
    receiving_state=states,
    transfer_date=days,
    arrival_place=texts,
    mode=st.sampled_from(TransferMode),
    escorts=st.none() | st.integers(0, 5),
    remarks=st.none() | texts,
)
parties = st.builds(
    Party,
    authority=st.one_of(states, st.just("EU")),
    system=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,20}", fullmatch=True),
)


def envelopes(message_type: str, regime: MessageRegime) -> st.SearchStrategy[Envelope]:
    return st.builds(
        Envelope,
        message_id=st.uuids(),
        conversation_id=st.uuids(),
        correlation_id=st.none() | st.uuids(),
        sender=parties,
        recipient=parties,
        created_at=moments,
        regime=st.just(regime),
        message_type=st.just(message_type),
    )


__all__ = [
    "DublinRegime",
    "acknowledgements",
    "envelopes",
    "eurodac_records",
    "eurodac_status_updates",
    "hits",
    "marking_notices",
    "replies",
    "submissions",
    "transfers",
]
