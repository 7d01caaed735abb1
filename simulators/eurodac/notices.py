"""Notices of a marking to the member states whose data had a hit with the marked data.

603/2013 Art 18(1) and 2024/1358 Art 31(1) (within 72 hours): the Central System tells every
other member state of origin of data found to be of the same person; they mark theirs too.
A notice for the gateway's member state is signed and queued to it; one for another
simulated state is recorded only (`GET /control/eurodac/marking-notices`).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import datetime

from gateway.domain.eurodac import Operation, ReferenceNumber
from gateway.domain.eurodac_checks import notifies
from gateway.domain.frozen import frozen
from gateway.domain.replies import EurodacMarkingNotice
from gateway.security.identity import PeerId
from gateway.security.signer import Signer
from simulators.common.outbound import derived_id, sign_message
from simulators.common.sending import Outgoing
from simulators.eurodac import store
from simulators.eurodac.rules import StoredSummary

__all__ = ["Notices", "marking_notices"]


@frozen
class Notices:
    """What a marking sends (to the gateway) and what it records (every notice)."""

    outgoing: tuple[Outgoing, ...]
    record: Callable[[sqlite3.Connection], None]
    states: tuple[str, ...]


def marking_notices(  # the marking and who is told of it
    *,
    marked: StoredSummary,
    linked: list[StoredSummary],
    reason: str,
    now: datetime,
    me: PeerId,
    gateway: PeerId | None,
    signer: Signer,
    cause: uuid.UUID | None = None,
) -> Notices:
    """The notices of marking `marked` for `reason` (none when the law sends none)."""
    regime = marked.regime
    if regime is None or not notifies(regime, Operation.MARK, marked.category, reason):
        return Notices(outgoing=(), record=lambda db: None, states=())
    others = [s for s in linked if s.member_state != marked.member_state]
    outgoing = []
    told: list[tuple[StoredSummary, bool]] = []
    for other in others:
        to_gateway = gateway is not None and other.member_state == gateway.party
        told.append((other, to_gateway))
        if not to_gateway or gateway is None:
            continue
        content = EurodacMarkingNotice(
            reference=ReferenceNumber.parse(other.reference),
            marked=ReferenceNumber.parse(marked.reference),
            reason=reason,
            marked_on=now.date(),
        )
        message_id = derived_id(cause or uuid.uuid4(), f"marking-notice:{other.reference}")
        outgoing.append(
            sign_message(
                content=content,
                message_type="eurodac.marking-notice",
                regime=other.regime or regime,
                sender=me,
                recipient=gateway,
                signer=signer,
                now=now,
                message_id=message_id,
            )
        )

    def record(db: sqlite3.Connection) -> None:
        store.record_mark_notices(db, told, marked=marked.reference, reason=reason, at=now)

    return Notices(
        outgoing=tuple(outgoing), record=record, states=tuple(s.member_state for s, _ in told)
    )
