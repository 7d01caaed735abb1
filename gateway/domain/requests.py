"""What a member state asks beyond sending a record.

Eurodac: marking, unmarking and advance erasure of stored data, each with its
reason. DubliNet: re-examination of a negative reply and the practical
arrangements of a transfer.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from gateway.domain.dublin import Evidence
from gateway.domain.eurodac import EurodacTransaction, Operation
from gateway.domain.eurodac_law import DeletionReason, MarkReason
from gateway.domain.frozen import frozen
from gateway.domain.record import StatusUpdate

__all__ = [
    "DeletionReason",
    "EurodacDataAction",
    "EurodacStatusUpdate",
    "MarkReason",
    "ReexaminationRequest",
    "TransferArrangement",
    "TransferMode",
]


_REASONS: dict[Operation, type[StrEnum]] = {
    Operation.MARK: MarkReason,
    Operation.UNMARK: MarkReason,
    Operation.DELETE: DeletionReason,
}


@frozen
class EurodacDataAction:
    """Mark, unmark or erase the data stored under a reference number, for a reason."""

    transaction: EurodacTransaction
    reason: MarkReason | DeletionReason

    def __post_init__(self) -> None:
        expected = _REASONS.get(self.transaction.operation)
        if expected is None:
            raise ValueError(f"{self.transaction.operation} is not a mark, unmark or delete")
        if not isinstance(self.reason, expected):
            # a ValueError, as the JSON decoder reports those as format problems of the input
            raise ValueError(  # noqa: TRY004
                f"{self.reason!r} is not a reason to {self.transaction.operation}"
            )


@frozen
class EurodacStatusUpdate:
    """Add what happened to the person to the data set stored under a reference number
    (603/2013 Art 10; 2024/1358 Arts 16, 17(2))."""

    transaction: EurodacTransaction
    update: StatusUpdate

    def __post_init__(self) -> None:
        if self.transaction.operation is not Operation.STATUS:
            raise ValueError(f"{self.transaction.operation} is not a status update")


@frozen
class ReexaminationRequest:
    """A request to re-examine a negative reply (Regulation (EC) No 1560/2003 Art 5(2))."""

    request_reference: str
    requesting_state: str
    requested_state: str
    reasons: str
    evidence: tuple[Evidence, ...] = ()


class TransferMode(StrEnum):
    """How a transfer is carried out (Regulation (EC) No 1560/2003 Art 7)."""

    VOLUNTARY = "voluntary"
    CONTROLLED = "controlled"
    ESCORTED = "escorted"


@frozen
class TransferArrangement:
    """When, where and how a person is transferred to the responsible member state."""

    request_reference: str
    transferring_state: str
    receiving_state: str
    transfer_date: date
    arrival_place: str
    mode: TransferMode
    escorts: int | None = None
    remarks: str | None = None
