"""One example message of every type and regime: for golden tests, benchmarks and demos.

The data are invented (a person who does not exist, fixed identifiers and
times) so that the same call always builds the same bytes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from gateway.domain import (
    Application,
    BiometricSet,
    CanonicalRecord,
    Document,
    DocumentType,
    DublinRegime,
    DublinReply,
    DublinRequest,
    EurodacTransaction,
    Evidence,
    EvidenceKind,
    FacialImage,
    FingerPosition,
    Fingerprint,
    ImpressionType,
    Name,
    NationalIdentifiers,
    Operation,
    PartialDate,
    Person,
    Procedure,
    ReferenceNumber,
    Regime,
    ReplyOutcome,
    RequestType,
    Sex,
)
from gateway.domain.eurodac_law import StatusKind
from gateway.domain.record import PlaceAndDate, StatusUpdate
from gateway.domain.replies import (
    Acknowledgement,
    EurodacErrorCode,
    EurodacErrorReply,
    EurodacHit,
    EurodacMarkingNotice,
    EurodacNoHit,
    MatchedRecord,
)
from gateway.domain.requests import (
    DeletionReason,
    EurodacDataAction,
    EurodacStatusUpdate,
    MarkReason,
    ReexaminationRequest,
    TransferArrangement,
    TransferMode,
)
from gateway.messages.codec import Message
from gateway.messages.content import Content, DublinSubmission
from gateway.messages.envelope import (
    DUBLINET_SYSTEM,
    EU_AUTHORITY,
    EURODAC_SYSTEM,
    GATEWAY_SYSTEM,
    Envelope,
    MessageRegime,
    Party,
)
from gateway.messages.registry import MESSAGE_TYPES

__all__ = [
    "GATEWAY",
    "example_content",
    "example_messages",
    "example_record",
    "example_transaction",
]

GATEWAY = Party(authority="BE", system=GATEWAY_SYSTEM)
CENTRAL_SYSTEM = Party(authority=EU_AUTHORITY, system=EURODAC_SYSTEM)
PEER = Party(authority="NL", system=DUBLINET_SYSTEM)
CREATED = datetime(2026, 9, 15, 10, 30, tzinfo=UTC)
# 1x1 JPEG: a facial image small enough for a test file
FACE = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b"
    "0c1912130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432"
    "ffc0000b080001000101011100ffc4001400010000000000000000000000000000000009ffc4001410010000"
    "0000000000000000000000000000ffda0008010100003f002a9fffd9"
)

_FIRST_ID = uuid.UUID("00000000-0000-4000-8000-000000000000")

_PERSON = Person(
    name=Name(family="HADDAD", given="Youssef", family_original="حداد", given_original="يوسف",
              script="Arab"),
    aliases=(Name(family="HADAD", given="Yousef"),),
    sex=Sex.MALE,
    birth_date=PartialDate(year=1990, month=5, day=17),
    birth_place="Aleppo",
    birth_country="SYR",
    nationalities=("SYR",),
    documents=(
        Document(type=DocumentType.PASSPORT, number="N012345678", issuing_country="SYR",
                 valid_from=date(2019, 3, 1), valid_until=date(2027, 2, 28)),
    ),
)  # fmt: skip


def example_record(regime: Regime, operation: Operation = Operation.ENROL) -> CanonicalRecord:
    """An applicant's record, captured under `regime`, for a transaction of `operation`."""
    captured = date(2026, 9, 15) if regime is Regime.EURODAC_2024 else date(2026, 3, 10)
    fingers = tuple(
        Fingerprint(
            position=position,
            impression=ImpressionType.LIVE_SCAN_PLAIN,
            quality=40 + 5 * int(position),
            image=bytes([int(position)]) * 8,
        )
        for position in FingerPosition
    )
    return CanonicalRecord(
        person=_PERSON,
        application=Application(
            identifiers=NationalIdentifiers(io_file_number="9876543"),
            made_on=captured,
            registered_on=captured,
            lodged_on=date(captured.year, captured.month, captured.day + 7),
            place="BE-IO-BRU",
            procedure=Procedure.FIRST,
        ),
        biometrics=BiometricSet(
            captured_on=captured,
            station="BE-IO-BRU-04",
            fingerprints=fingers,
            face=FacialImage(image=FACE),
        ),
        transaction=example_transaction(regime, operation),
    )


def example_transaction(regime: Regime, operation: Operation) -> EurodacTransaction:
    """A category 1 transaction of the example applicant."""
    national = "98765430001" if regime is Regime.EURODAC_2024 else "98765430002"
    return EurodacTransaction(
        operation=operation,
        regime=regime,
        category=1,
        reference=ReferenceNumber(member_state="BE", category=1, national_part=national),
    )


def _request(kind: RequestType, regime: DublinRegime) -> DublinSubmission:
    record_regime = Regime.EURODAC_2024 if regime is DublinRegime.AMMR else Regime.EURODAC_2013
    record = example_record(record_regime)
    hit = example_transaction(record_regime, Operation.ENROL).reference
    return DublinSubmission(
        request=DublinRequest(
            request_type=kind,
            requesting_state="BE",
            requested_state="NL",
            national_reference="BE-DUB-2026-00042",
            legal_basis="Art 39(1) Regulation (EU) 2024/1351"
            if regime is DublinRegime.AMMR
            else "Art 18(1)(b) Regulation (EU) No 604/2013",
            evidence=(
                Evidence(kind=EvidenceKind.PROOF, description="Eurodac hit, category 1",
                         document_reference=str(hit)),
                Evidence(kind=EvidenceKind.CIRCUMSTANTIAL,
                         description="Declared stay in Rotterdam from 2024 to 2025"),
            ),
            eurodac_reference=hit,
        ),
        record=CanonicalRecord(person=record.person, application=record.application),
    )  # fmt: skip


def example_content(name: str, regime: MessageRegime) -> Content:  # noqa: PLR0911
    """The example content of a message type under a regime."""
    kind = MESSAGE_TYPES[name]
    if kind.request_type is not None and isinstance(regime, DublinRegime):
        return _request(kind.request_type, regime)
    if kind.operation is not None and isinstance(regime, Regime):
        if kind.content is CanonicalRecord:
            return example_record(regime, kind.operation)
        transaction = example_transaction(regime, kind.operation)
        if kind.content is EurodacStatusUpdate:
            return EurodacStatusUpdate(
                transaction=transaction,
                update=StatusUpdate(kind=StatusKind.ARRIVED_AFTER_TRANSFER, on=date(2026, 10, 2)),
            )
        reason = (
            DeletionReason.CITIZENSHIP_ACQUIRED
            if kind.operation is Operation.DELETE
            else MarkReason.PROTECTION_GRANTED
        )
        return EurodacDataAction(transaction=transaction, reason=reason)
    reference = ReferenceNumber(member_state="BE", category=1, national_part="98765430001")
    if kind.content is Acknowledgement:
        return Acknowledgement(
            acknowledged_message_id=uuid.UUID("00000000-0000-4000-8000-000000000001"),
            received_at=CREATED,
        )
    if kind.content is EurodacHit:
        return EurodacHit(reference=reference, matches=(_example_match(),))
    if kind.content is EurodacNoHit:
        return EurodacNoHit(reference=reference)
    if kind.content is EurodacMarkingNotice:
        return EurodacMarkingNotice(
            reference=reference,
            marked=ReferenceNumber(member_state="NL", category=1, national_part="NL2025X77"),
            reason=MarkReason.PROTECTION_GRANTED,
            marked_on=date(2026, 9, 14),
        )
    if kind.content is EurodacErrorReply:
        return EurodacErrorReply(
            code=EurodacErrorCode.FINGERPRINT_QUALITY,
            reference=reference,
            description="fingerprint quality below the threshold for positions 4 and 5",
        )
    if kind.content is DublinReply:
        return DublinReply(
            request_reference="BE-DUB-2026-00042",
            replying_state="NL",
            outcome=ReplyOutcome.REJECT,
            legal_basis="Art 40(1) Regulation (EU) 2024/1351",
            reason_codes=("no-evidence",),
            explanation="No proof of the stay in the Netherlands was provided.",
        )
    if kind.content is ReexaminationRequest:
        return ReexaminationRequest(
            request_reference="BE-DUB-2026-00042",
            requesting_state="BE",
            requested_state="NL",
            reasons="A rental contract in Rotterdam proves the stay.",
            evidence=(Evidence(kind=EvidenceKind.PROOF, description="Rental contract 2024"),),
        )
    return TransferArrangement(
        request_reference="BE-DUB-2026-00042",
        transferring_state="BE",
        receiving_state="NL",
        transfer_date=date(2026, 12, 1),
        arrival_place="Amsterdam Schiphol",
        mode=TransferMode.CONTROLLED,
        escorts=0,
    )


def _example_match() -> MatchedRecord:
    """A Dutch applicant's data set as a hit carries it (603/2013 Art 9(5); 2024/1358 Art
    28(4)): `transmitted` leaves out what 603/2013 does not carry."""
    finger = Fingerprint(
        position=FingerPosition.RIGHT_INDEX,
        impression=ImpressionType.LIVE_SCAN_PLAIN,
        quality=55,
        image=b"\x02" * 8,
    )
    return MatchedRecord(
        reference=ReferenceNumber(member_state="NL", category=1, national_part="NL2025X77"),
        captured_on=date(2025, 4, 2), sex=Sex.MALE, person=_PERSON, face=FacialImage(image=FACE),
        fingerprints=(finger,), transmitted_on=date(2025, 4, 3),
        application=PlaceAndDate(place="Ter Apel", on=date(2025, 4, 2)),
        status=(StatusUpdate(kind=StatusKind.LEFT_TERRITORY, on=date(2025, 11, 20)),),
    )  # fmt: skip


def example_messages() -> dict[tuple[str, MessageRegime], Message]:
    """One message per type and regime, with fixed identifiers and times."""
    messages = {}
    for number, (name, regime) in enumerate(
        (name, regime) for name, kind in MESSAGE_TYPES.items() for regime in kind.regimes
    ):
        outbound = name.endswith(("ack", "hit", "no-hit", "error", "reply", "notice"))
        eurodac = name.startswith("eurodac.")
        other = CENTRAL_SYSTEM if eurodac else PEER
        envelope = Envelope(
            message_id=uuid.UUID(int=_FIRST_ID.int + 0x10 + number),
            conversation_id=uuid.UUID("00000000-0000-4000-8000-0000000000c0"),
            correlation_id=uuid.UUID("00000000-0000-4000-8000-000000000001")
            if outbound and not name.endswith("notice")  # a notice answers nothing of ours
            else None,
            sender=other if outbound else GATEWAY,
            recipient=GATEWAY if outbound else other,
            created_at=CREATED,
            regime=regime,
            message_type=name,
        )
        messages[(name, regime)] = Message(envelope=envelope, content=example_content(name, regime))
    return messages
