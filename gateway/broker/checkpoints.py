"""Checkpoints of the audit trail, and holding the trail against them: the pure core.

The hash chain (`gateway.broker.audit`) shows an entry changed in place, but
whoever can write the database can also rewrite the trail from some entry on,
recomputing every later hash, or cut its end off: the database holds all the
chain check reads. A checkpoint is a statement made outside the database:
"entry `seq` of the trail had hash `hash` at time `at`", signed by the
gateway's key (`gateway.pipeline.audit_checkpoints`) and appended to a file
the database writer cannot reach (`gateway.adapters.checkpoint_file`), with
copies off the machine. A rewritten entry changes the hash at every later
checkpoint; a cut end leaves checkpoints beyond the last entry.

Several gateway processes may share one PostgreSQL database, and so one
trail: each process writes checkpoints of that trail to the file of its own
data directory. Every checkpoint is a statement about the one shared trail,
so checkpoints from any number of processes and files are checked together,
in any order, duplicates included.

No I/O here: the policy takes the time as an argument, and `TrailCheck` takes
entries one at a time as they are read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

from gateway.broker.audit import AuditEntry, ChainCheck
from gateway.domain.frozen import frozen

__all__ = [
    "BROKEN",
    "REWRITTEN",
    "TRUNCATED",
    "Checkpoint",
    "CheckpointPolicy",
    "Finding",
    "Occasion",
    "TrailCheck",
    "TrailReport",
    "check_trail",
]

BROKEN = "GW-AUDIT-BROKEN"
REWRITTEN = "GW-AUDIT-REWRITTEN"
TRUNCATED = "GW-AUDIT-TRUNCATED"


class Occasion(StrEnum):
    """Why a checkpoint was written."""

    ENTRIES = "entries"  # `every_entries` entries since the last one
    INTERVAL = "interval"  # the trail moved and `every_seconds` passed
    SHUTDOWN = "shutdown"  # the gateway stopped
    DEMAND = "demand"  # `eugw audit checkpoint`


@frozen
class Checkpoint:
    """Entry `seq` of the trail had hash `hash` when gateway `gateway` signed this at `at`."""

    seq: int
    hash: str
    at: datetime
    gateway: str  # the signer, PARTY:system (e.g. BE:gateway)
    occasion: Occasion

    def __post_init__(self) -> None:
        if self.seq < 1:
            raise ValueError("a checkpoint names an entry, numbered from 1")
        if self.at.tzinfo is None:
            raise ValueError("a checkpoint's time must be timezone-aware")


@frozen
class CheckpointPolicy:
    """When a running gateway writes a checkpoint: after `every_entries` new entries, or
    once `every_seconds` passed since the last one if the trail moved meanwhile.
    0 turns either off (then only shutdown and `eugw audit checkpoint` write them)."""

    every_entries: int = 1000
    every_seconds: int = 300

    def __post_init__(self) -> None:
        if self.every_entries < 0 or self.every_seconds < 0:
            raise ValueError("checkpoint intervals are not negative")

    def due(
        self, *, head_seq: int, last_seq: int, last_at: datetime | None, now: datetime
    ) -> Occasion | None:
        """Why a checkpoint of entry `head_seq` is due at `now`, after the last one (of entry
        `last_seq`, written at `last_at`, None when there was none); None when it is not."""
        if head_seq <= last_seq:
            return None
        if self.every_entries and head_seq - last_seq >= self.every_entries:
            return Occasion.ENTRIES
        if self.every_seconds and (
            last_at is None or now - last_at >= timedelta(seconds=self.every_seconds)
        ):
            return Occasion.INTERVAL
        return None


@frozen
class Finding:
    """Where the trail differs from what the chain or the checkpoints say: the first entry
    that differs is one of `first` .. `last` (the same when known exactly)."""

    code: str
    first: int
    last: int
    reason: str

    @property
    def where(self) -> str:
        if self.first == self.last:
            return f"entry {self.first}"
        return f"between entry {self.first} and entry {self.last}"

    @property
    def path(self) -> str:
        if self.first == self.last:
            return f"audit[{self.first}]"
        return f"audit[{self.first}..{self.last}]"


@frozen
class TrailReport:
    """What the check found: the trail is intact only when neither the chain nor a
    checkpoint says otherwise."""

    entries: int
    head: AuditEntry | None
    checkpoints: int
    vouched: Checkpoint | None  # the checkpoint of the latest entry that agrees with the trail
    findings: tuple[Finding, ...]

    @property
    def intact(self) -> bool:
        return not self.findings

    @property
    def unvouched(self) -> int:
        """Entries after the last agreeing checkpoint: only the chain vouches for them."""
        head_seq = self.head.seq if self.head else 0
        return max(0, head_seq - (self.vouched.seq if self.vouched else 0))


class TrailCheck:
    """Holds the trail, entry after entry in order, against the chain and the checkpoints."""

    def __init__(self, checkpoints: Iterable[Checkpoint]) -> None:
        self._pending = sorted(checkpoints, key=lambda checkpoint: checkpoint.seq)
        self._count = len(self._pending)
        self._next = 0  # index of the first checkpoint not yet compared
        self._chain = ChainCheck()
        self._entries = 0
        self._head: AuditEntry | None = None
        self._vouched: Checkpoint | None = None
        self._broken: Finding | None = None
        self._differs: Finding | None = None
        self._missing: Finding | None = None

    def add(self, entry: AuditEntry) -> None:
        self._entries += 1
        self._head = entry
        broken = self._chain.add(entry)
        if broken is not None and self._broken is None:
            self._broken = Finding(
                code=BROKEN, first=broken.seq, last=broken.seq, reason=broken.reason
            )
        while self._next < self._count and self._pending[self._next].seq < entry.seq:
            checkpoint = self._pending[self._next]  # its entry was skipped: a gap
            self._next += 1
            self._note_missing(
                checkpoint, checkpoint.seq, f"it is missing, yet {_by(checkpoint)} vouches for it"
            )
        group = []
        while self._next < self._count and self._pending[self._next].seq == entry.seq:
            group.append(self._pending[self._next])
            self._next += 1
        differing = [checkpoint for checkpoint in group if checkpoint.hash != entry.hash]
        if self._differs is not None or not group:
            return
        if differing:
            self._differs = self._difference(differing[0], entry)
        else:
            self._vouched = group[-1]

    def report(self) -> TrailReport:
        head_seq = self._head.seq if self._head else 0
        beyond = self._pending[self._next :]  # checkpoints of entries after the last one
        if beyond:
            farthest = beyond[-1]
            ends = f"the trail ends at entry {head_seq}" if head_seq else "the trail is empty"
            also = f", with every entry up to {farthest.seq}" if farthest.seq > head_seq + 1 else ""
            agreed = self._vouched.seq if self._vouched else 0
            unvouched = (
                f"; only the hash chain vouches for {_span(agreed + 1, head_seq)}, after "
                "the last checkpoint that agrees"
                if head_seq > agreed
                else ""
            )
            self._note_missing(
                farthest,
                head_seq + 1,
                f"it is missing{also}: {_by(farthest)} vouches for entry {farthest.seq}, "
                f"but {ends} (its end was cut off){unvouched}",
            )
        findings = [self._broken, self._differs, self._missing]
        return TrailReport(
            entries=self._entries,
            head=self._head,
            checkpoints=self._count,
            vouched=self._vouched,
            findings=tuple(
                sorted((f for f in findings if f is not None), key=lambda f: (f.first, f.code))
            ),
        )

    def _difference(self, checkpoint: Checkpoint, entry: AuditEntry) -> Finding:
        agreed = self._vouched.seq if self._vouched else 0
        hashes = (
            f"entry {entry.seq} has hash {entry.hash[:16]}..., {_by(checkpoint)} says "
            f"{checkpoint.hash[:16]}..."
        )
        if agreed + 1 == entry.seq:
            reason = f"it was altered and the hashes after it recomputed: {hashes}"
        else:
            since = f"the checkpoint of entry {agreed} agrees" if agreed else "none before"
            reason = (
                f"the first entry that differs is one of these; it was altered and the hashes "
                f"after it recomputed: {hashes} ({since})"
            )
        return Finding(code=REWRITTEN, first=agreed + 1, last=entry.seq, reason=reason)

    def _note_missing(self, checkpoint: Checkpoint, first: int, reason: str) -> None:
        if self._missing is None or first < self._missing.first:
            self._missing = Finding(code=TRUNCATED, first=first, last=first, reason=reason)


def check_trail(entries: Iterable[AuditEntry], checkpoints: Iterable[Checkpoint]) -> TrailReport:
    """Hold a whole trail, in order, against the chain and the checkpoints."""
    check = TrailCheck(checkpoints)
    for entry in entries:
        check.add(entry)
    return check.report()


def _by(checkpoint: Checkpoint) -> str:
    return (
        f"the checkpoint signed by {checkpoint.gateway} at "
        f"{checkpoint.at.isoformat(timespec='seconds')}"
    )


def _span(first: int, last: int) -> str:
    return f"entry {first}" if first == last else f"entries {first} to {last}"
