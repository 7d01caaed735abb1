"""Dublin cases as the tracking store keeps them, for the tests that need one at hand."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.domain.dublin import DublinRegime
from gateway.tracking.cases import CaseKind, CaseState, Direction
from gateway.tracking.records import StoredCase

__all__ = ["stored_case"]


def stored_case(
    case_id: str,
    direction: Direction,
    state: CaseState,
    *,
    at: datetime,
    kind: CaseKind = CaseKind.TAKE_CHARGE,
    regime: DublinRegime = DublinRegime.DUBLIN3,
    other_state: str = "NL",
    reference: str | None = None,
    **details: Any,
) -> StoredCase:
    """Case `case_id` with `other_state`, in `state`, opened and last changed `at`; its
    national reference is its id unless told otherwise, the rest as `details` say."""
    return StoredCase(
        case_id=case_id,
        direction=direction,
        kind=kind,
        regime=regime,
        other_state=other_state,
        state=state,
        created_at=at,
        updated_at=at,
        reference=reference or case_id,
        **details,
    )
