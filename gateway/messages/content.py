"""What a message carries when one domain record is not enough, and the union of all contents."""

from __future__ import annotations

from gateway.domain.dublin import DublinReply, DublinRequest
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.domain.replies import (
    Acknowledgement,
    EurodacErrorReply,
    EurodacHit,
    EurodacMarkingNotice,
    EurodacNoHit,
)
from gateway.domain.requests import (
    EurodacDataAction,
    EurodacStatusUpdate,
    ReexaminationRequest,
    TransferArrangement,
)

__all__ = ["Content", "DublinSubmission"]


@frozen
class DublinSubmission:
    """A DubliNet request: what is asked (`request`) about whom (`record`: person, application)."""

    request: DublinRequest
    record: CanonicalRecord


Content = (
    CanonicalRecord
    | EurodacDataAction
    | EurodacStatusUpdate
    | Acknowledgement
    | EurodacHit
    | EurodacNoHit
    | EurodacErrorReply
    | EurodacMarkingNotice
    | DublinSubmission
    | DublinReply
    | ReexaminationRequest
    | TransferArrangement
)
