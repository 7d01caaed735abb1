"""Dublin cases and Eurodac hits as the tracking store keeps them, for the tests that need
one at hand."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from gateway.domain.dublin import DublinRegime
from gateway.tracking.cases import CaseKind, CaseState, Direction
from gateway.tracking.hits import HitStatus
from gateway.tracking.records import StoredCase, StoredHit

__all__ = ["stored_case", "stored_hit"]


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


def stored_hit(
    hit_id: str,
    reference: str,
    matched: str,
    *,
    received: date,
    registered: date,
    at: datetime,
    status: HitStatus = HitStatus.AWAITING_VERIFICATION,
    **details: Any,
) -> StoredHit:
    """Hit `hit_id` of evibel's `reference` on `matched`, recorded `at` from inbound message
    `in-<hit_id>`, answering none of our messages unless `details` say otherwise; its data
    erased unless they say otherwise."""
    values: dict[str, Any] = {
        "inbound_message_id": f"in-{hit_id}",
        "source_message_id": None,
        "submitter": "evibel",
        "data": None,
    }
    return StoredHit(
        hit_id=hit_id,
        reference=reference,
        matched=matched,
        received=received,
        registered=registered,
        status=status,
        created_at=at,
        **(values | details),
    )
