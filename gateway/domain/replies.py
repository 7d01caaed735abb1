"""What comes back: acknowledgements, and the Eurodac Central System's hits, no-hits and errors."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from gateway.domain.biometrics import FacialImage, Fingerprint
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.frozen import frozen
from gateway.domain.person import Person, Sex
from gateway.domain.record import PlaceAndDate, StatusUpdate

__all__ = [
    "Acknowledgement",
    "EurodacErrorCode",
    "EurodacErrorReply",
    "EurodacHit",
    "EurodacMarkingNotice",
    "EurodacNoHit",
    "MatchedRecord",
]


@frozen
class Acknowledgement:
    """Proof that a message arrived. Under the Dublin rules its time starts the reply period."""

    acknowledged_message_id: UUID
    received_at: datetime


@frozen
class MatchedRecord:
    """One data set a comparison found, with the data the regulation says a hit carries.

    603/2013 Art 9(5): the data of Art 11(a) to (k): the fingerprints (for the expert who
    verifies the hit, Art 25(4)), the member state of origin (in the reference), place and
    date of the application (`application`; of the apprehension for category 2, Art 15),
    sex, reference, the date the prints were taken and transmitted, the status updates
    (Art 10), and the mark (Art 18(1)). 2024/1358 Art 28(4): the data of Art 17(1) and (2)
    and their equivalents for the other categories (Arts 19, 21 to 24, 26): also the
    person's alphanumeric data (`person`), the facial image, the place and date of the
    disembarkation, the security flag, and the mark of Art 31(1) or (4) with its ground.
    A hit is verified by a fingerprint expert before it is used.
    """

    reference: ReferenceNumber
    captured_on: date
    sex: Sex
    marked: bool = False
    person: Person | None = None
    face: FacialImage | None = None
    fingerprints: tuple[Fingerprint, ...] = ()
    transmitted_on: date | None = None
    application: PlaceAndDate | None = None
    apprehension: PlaceAndDate | None = None
    disembarkation: PlaceAndDate | None = None
    status: tuple[StatusUpdate, ...] = ()
    security_flag: bool = False
    mark_reason: str | None = None


@frozen
class EurodacHit:
    """The comparison of the data sent under `reference` found these records."""

    reference: ReferenceNumber
    matches: tuple[MatchedRecord, ...]

    def __post_init__(self) -> None:
        if not self.matches:
            raise ValueError("a hit has at least one matched record")


@frozen
class EurodacNoHit:
    """The comparison of the data sent under `reference` found nothing."""

    reference: ReferenceNumber


@frozen
class EurodacMarkingNotice:
    """The Central System tells a member state of origin that another one marked data that
    produced a hit with its own (603/2013 Art 18(1); 2024/1358 Art 31(1): within 72 hours);
    the receiving state marks its corresponding data set too.

    `reference`: the receiving state's data set; `marked`: the data set marked, whose
    member state is the one that marked it; `reason`: a `MarkReason` value.
    """

    reference: ReferenceNumber
    marked: ReferenceNumber
    reason: str
    marked_on: date

    def __post_init__(self) -> None:
        if self.marked.member_state == self.reference.member_state:
            raise ValueError("a marking notice goes to another member state than the marking one")


class EurodacErrorCode(StrEnum):
    """Why the Central System refused a transaction (the gateway's code list)."""

    INVALID_MESSAGE = "invalid-message"
    UNKNOWN_REFERENCE = "unknown-reference"
    DUPLICATE_REFERENCE = "duplicate-reference"
    CATEGORY_NOT_ALLOWED = "category-not-allowed"
    FINGERPRINT_QUALITY = "fingerprint-quality"
    FACIAL_IMAGE_QUALITY = "facial-image-quality"
    MINIMUM_AGE = "minimum-age"
    TRANSMISSION_LATE = "transmission-late"
    NOT_AUTHORISED = "not-authorised"
    MARK_NOT_ALLOWED = "mark-not-allowed"  # no article allows this mark (docs/law.md)
    UNMARK_NOT_ALLOWED = "unmark-not-allowed"
    ERASURE_NOT_ALLOWED = "erasure-not-allowed"
    INTERNAL_ERROR = "internal-error"


@frozen
class EurodacErrorReply:
    """The Central System refused a transaction; `reference` when it could tell which."""

    code: EurodacErrorCode
    reference: ReferenceNumber | None = None
    description: str | None = None
