"""Audit trails rewritten as someone who can write the store would do it."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from gateway.broker.audit import GENESIS, AuditEntry, entry_hash

__all__ = ["rewritten"]


def rewritten(
    entries: Sequence[AuditEntry], seq: int, actor: str = "someone else"
) -> list[AuditEntry]:
    """The trail (`entries`, from seq 1 on) with entry `seq` given to `actor` and every later
    hash recomputed: the hash chain holds again."""
    out = list(entries[: seq - 1])
    for entry in entries[seq - 1 :]:
        changed = actor if entry.seq == seq else entry.actor
        prev = out[-1].hash if out else GENESIS
        digest = entry_hash(
            prev,
            seq=entry.seq,
            at=entry.at,
            kind=entry.kind,
            subject=entry.subject,
            actor=changed,
            detail=entry.detail,
        )
        out.append(dataclasses.replace(entry, actor=changed, prev_hash=prev, hash=digest))
    return out
