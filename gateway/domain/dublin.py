"""Requests and replies exchanged over DubliNet between member states."""

from __future__ import annotations

from datetime import date
from enum import IntEnum, StrEnum

from gateway.domain.eurodac import ReferenceNumber
from gateway.domain.frozen import frozen

__all__ = [
    "AMMR_START",
    "DublinRegime",
    "DublinReply",
    "DublinRequest",
    "Evidence",
    "EvidenceKind",
    "ReplyOutcome",
    "RequestType",
    "dublin_regime_for",
]

AMMR_START = date(2026, 7, 1)
"""Regulation (EU) 2024/1351 applies to applications registered from this day (Art 84)."""


class DublinRegime(StrEnum):
    """The regulation that decides which member state is responsible."""

    DUBLIN3 = "604/2013"
    AMMR = "2024/1351"


def dublin_regime_for(registered: date) -> DublinRegime:
    """The Dublin regime of an application registered on `registered` (AMMR Art 84)."""
    return DublinRegime.AMMR if registered >= AMMR_START else DublinRegime.DUBLIN3


class RequestType(IntEnum):
    """DubliNet request types (Regulation (EC) No 1560/2003 Art 20(1), as amended by
    Implementing Regulation (EU) No 118/2014)."""

    TAKE_CHARGE = 1
    TAKE_BACK = 2  # under Regulation 2024/1351: take back notification
    INFORMATION = 3
    DEPENDENT_PERSONS = 4
    UNACCOMPANIED_MINOR_FAMILY = 5
    PRE_TRANSFER_INFORMATION = 6
    HEALTH_CERTIFICATE = 7


class EvidenceKind(StrEnum):
    """Annex II of Regulation 1560/2003: list A (proof) and list B (circumstantial)."""

    PROOF = "proof"
    CIRCUMSTANTIAL = "circumstantial"


class ReplyOutcome(StrEnum):
    ACCEPT = "accept"
    REJECT = "reject"


@frozen
class Evidence:
    kind: EvidenceKind
    description: str
    document_reference: str | None = None


@frozen
class DublinRequest:
    """A request from one member state's access point to another's."""

    request_type: RequestType
    requesting_state: str
    requested_state: str
    national_reference: str
    legal_basis: str
    urgent: bool = False
    urgency_reason: str | None = None
    detained: bool = False
    evidence: tuple[Evidence, ...] = ()
    eurodac_reference: ReferenceNumber | None = None


@frozen
class DublinReply:
    """The requested state's answer. A rejection gives its reasons."""

    request_reference: str
    replying_state: str
    outcome: ReplyOutcome
    legal_basis: str | None = None
    reason_codes: tuple[str, ...] = ()
    explanation: str | None = None
