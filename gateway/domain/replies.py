"""What comes back: acknowledgements, and the Eurodac Central System's hits, no-hits and errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from gateway.domain.biometrics import FacialImage
from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.person import Person, Sex

__all__ = [
    "Acknowledgement",
    "EurodacErrorCode",
    "EurodacErrorReply",
    "EurodacHit",
    "EurodacNoHit",
    "MatchedRecord",
]


@dataclass(frozen=True, kw_only=True, slots=True)
class Acknowledgement:
    """Proof that a message arrived. Under the Dublin rules its time starts the reply period."""

    acknowledged_message_id: UUID
    received_at: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class MatchedRecord:
    """One data set a comparison found, as the Central System transmits it.

    Under Regulation 603/2013 only the sex is transmitted; under 2024/1358 the
    alphanumeric data (`person`) and the facial image too. A hit is verified by
    a fingerprint expert before it is used.
    """

    reference: ReferenceNumber
    captured_on: date
    sex: Sex
    marked: bool = False
    person: Person | None = None
    face: FacialImage | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class EurodacHit:
    """The comparison of the data sent under `reference` found these records."""

    reference: ReferenceNumber
    matches: tuple[MatchedRecord, ...]

    def __post_init__(self) -> None:
        if not self.matches:
            raise ValueError("a hit has at least one matched record")


@dataclass(frozen=True, kw_only=True, slots=True)
class EurodacNoHit:
    """The comparison of the data sent under `reference` found nothing."""

    reference: ReferenceNumber


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


@dataclass(frozen=True, kw_only=True, slots=True)
class EurodacErrorReply:
    """The Central System refused a transaction; `reference` when it could tell which."""

    code: EurodacErrorCode
    reference: ReferenceNumber | None = None
    description: str | None = None
