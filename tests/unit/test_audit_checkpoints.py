"""Checkpoints of the audit trail: when they fall due, how the trail is held against them,
their signed line, and the writer, all without a database or a file."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from audit_trails import rewritten
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from polling import eventually
from structlog.testing import capture_logs

from gateway.broker.audit import AuditEntry, AuditRecord, chain, verify_chain
from gateway.broker.checkpoints import (
    BROKEN,
    REWRITTEN,
    TRUNCATED,
    Checkpoint,
    CheckpointPolicy,
    Occasion,
    check_trail,
)
from gateway.errors import ConfigError, GatewayError, InputError, SecurityError
from gateway.pipeline.audit_checkpoints import (
    Checkpointer,
    read_checkpoints,
    read_line,
    signed_line,
)
from gateway.security.identity import PeerId
from gateway.security.pki import Issued, Usage, issue, make_root_ca
from gateway.security.signer import Signer, SigningKey
from gateway.security.trust import TrustStore
from gateway.security.verifier import Verifier
from gateway.testing import FixedClock, InMemoryStore
from gateway.validation.parsing import DEFAULT_LIMITS

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
BE = PeerId(party="BE", system="gateway")
FR = PeerId(party="FR", system="gateway")
NL = PeerId(party="NL", system="dublinet")


# -- the trail and its checkpoints, pure ------------------------------------------------


def trail(count: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for number in range(1, count + 1):
        record = AuditRecord(
            at=T0 + timedelta(seconds=number),
            kind="message.queue",
            subject=f"m-{number}",
            actor="gateway",
            detail={"n": number},
        )
        prev = entries[-1].hash if entries else "0" * 64
        entries.append(chain(record, seq=number, prev_hash=prev))
    return entries


def checkpoints_of(entries: list[AuditEntry], *seqs: int) -> list[Checkpoint]:
    return [
        Checkpoint(
            seq=seq,
            hash=entries[seq - 1].hash,
            at=T0 + timedelta(hours=seq),
            gateway="BE:gateway",
            occasion=Occasion.ENTRIES,
        )
        for seq in seqs
    ]


def test_the_policy_asks_for_a_checkpoint_after_n_entries_or_a_while() -> None:
    policy = CheckpointPolicy(every_entries=10, every_seconds=300)
    soon = T0 + timedelta(seconds=10)
    assert policy.due(head_seq=5, last_seq=0, last_at=None, now=T0) is Occasion.INTERVAL
    assert policy.due(head_seq=19, last_seq=10, last_at=T0, now=soon) is None
    assert policy.due(head_seq=20, last_seq=10, last_at=T0, now=soon) is Occasion.ENTRIES
    later = T0 + timedelta(seconds=300)
    assert policy.due(head_seq=11, last_seq=10, last_at=T0, now=later) is Occasion.INTERVAL
    assert policy.due(head_seq=10, last_seq=10, last_at=T0, now=later) is None  # nothing new
    assert policy.due(head_seq=7, last_seq=10, last_at=T0, now=later) is None
    by_count_only = CheckpointPolicy(every_entries=10, every_seconds=0)
    assert by_count_only.due(head_seq=5, last_seq=0, last_at=None, now=later) is None
    with pytest.raises(ValueError, match="not negative"):
        CheckpointPolicy(every_entries=-1)


def test_a_trail_that_agrees_with_its_checkpoints_is_intact() -> None:
    entries = trail(25)
    report = check_trail(entries, checkpoints_of(entries, 20, 10))  # in any order
    assert report.intact
    assert report.vouched is not None
    assert report.vouched.seq == 20
    assert report.unvouched == 5
    assert report.entries == 25


def test_without_checkpoints_only_the_chain_is_checked() -> None:
    report = check_trail(rewritten(trail(12), 4), [])
    assert report.intact  # what the hash chain alone cannot see
    assert report.vouched is None
    assert report.unvouched == 12


def test_a_rewritten_entry_is_placed_between_the_checkpoints_around_it() -> None:
    original = trail(30)
    tampered = rewritten(original, 14)
    assert verify_chain(tampered) is None
    report = check_trail(tampered, checkpoints_of(original, 10, 20, 30))
    [finding] = report.findings
    assert finding.code == REWRITTEN
    assert (finding.first, finding.last) == (11, 20)
    assert finding.where == "between entry 11 and entry 20"
    assert finding.path == "audit[11..20]"
    assert report.vouched is not None
    assert report.vouched.seq == 10


def test_checkpoints_of_consecutive_entries_name_the_rewritten_one() -> None:
    original = trail(30)
    report = check_trail(rewritten(original, 14), checkpoints_of(original, 13, 14, 20))
    [finding] = report.findings
    assert finding.where == "entry 14"
    assert "it was altered and the hashes after it recomputed" in finding.reason


def test_a_rewrite_before_the_first_checkpoint_reaches_back_to_entry_one() -> None:
    original = trail(12)
    [finding] = check_trail(rewritten(original, 3), checkpoints_of(original, 12)).findings
    assert (finding.first, finding.last) == (1, 12)


def test_a_cut_tail_names_the_first_missing_entry() -> None:
    original = trail(30)
    report = check_trail(original[:23], checkpoints_of(original, 10, 20, 30))
    [finding] = report.findings
    assert finding.code == TRUNCATED
    assert finding.where == "entry 24"
    assert "up to 30" in finding.reason
    assert "the trail ends at entry 23" in finding.reason
    assert "only the hash chain vouches for entries 21 to 23" in finding.reason


def test_an_emptied_trail_is_cut_from_entry_one() -> None:
    [finding] = check_trail([], checkpoints_of(trail(5), 5)).findings
    assert (finding.code, finding.where) == (TRUNCATED, "entry 1")
    assert "the trail is empty" in finding.reason


def test_a_cut_tail_written_over_by_new_entries_differs_from_the_checkpoint() -> None:
    original = trail(30)
    regrown = rewritten(original, 24)  # cut after 23, the gateway appended again
    [finding] = check_trail(regrown, checkpoints_of(original, 10, 20, 30)).findings
    assert (finding.code, finding.first, finding.last) == (REWRITTEN, 21, 30)


def test_a_removed_checkpointed_entry_is_named_before_the_broken_chain() -> None:
    original = trail(20)
    gap = [entry for entry in original if entry.seq != 10]
    report = check_trail(gap, checkpoints_of(original, 10, 20))
    assert [(f.code, f.first) for f in report.findings] == [(TRUNCATED, 10), (BROKEN, 11)]


def test_an_entry_altered_in_place_breaks_the_chain_while_its_hash_agrees() -> None:
    original = trail(20)
    altered = [
        dataclasses.replace(entry, actor="x") if entry.seq == 7 else entry for entry in original
    ]
    [finding] = check_trail(altered, checkpoints_of(original, 10, 20)).findings
    assert (finding.code, finding.where) == (BROKEN, "entry 7")


def test_checkpoints_of_one_entry_that_disagree_report_the_rewrite() -> None:
    original = trail(20)
    tampered = rewritten(original, 15)
    agreeing, differing = checkpoints_of(tampered, 20), checkpoints_of(original, 20, 10)
    for both in (agreeing + differing, differing + agreeing):
        [finding] = check_trail(tampered, both).findings
        assert (finding.code, finding.first, finding.last) == (REWRITTEN, 11, 20)


@given(
    length=st.integers(min_value=2, max_value=40),
    data=st.data(),
)
def test_the_entry_rewritten_is_always_within_the_range_named(
    length: int, data: st.DataObject
) -> None:
    original = trail(length)
    seq = data.draw(st.integers(min_value=1, max_value=length), label="rewritten")
    marks = data.draw(st.sets(st.integers(min_value=seq, max_value=length), min_size=1))
    marks |= data.draw(st.sets(st.integers(min_value=1, max_value=length)))
    [finding] = check_trail(rewritten(original, seq), checkpoints_of(original, *marks)).findings
    assert finding.first <= seq <= finding.last
    below = [mark for mark in marks if mark < seq]
    assert finding.first == max(below, default=0) + 1  # as precise as the checkpoints allow
    assert finding.last == min(mark for mark in marks if mark >= seq)


# -- the signed line ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Keys:
    be: Signer
    fr: Signer
    nl: Signer
    untrusted: Signer
    trust: TrustStore


def _signer(issued: Issued) -> Signer:
    key = SigningKey(key_id="k", private_key=issued.private_key, chain=(issued.certificate,))
    return Signer([key], active="k")


@pytest.fixture(scope="module")
def keys() -> Keys:
    start = T0 - timedelta(days=365)
    cas = {party: make_root_ca(f"{party} CA", now=start, days=3650) for party in ("BE", "NL")}
    rogue = make_root_ca("rogue CA", now=start, days=3650)

    def signing(issuer: Issued, peer: PeerId) -> Signer:
        return _signer(issue(issuer, peer=peer, usage=Usage.SIGNING, now=start, days=3000))

    return Keys(
        be=signing(cas["BE"], BE),
        fr=signing(cas["BE"], FR),  # a BE CA does not vouch for FR
        nl=signing(cas["NL"], NL),
        untrusted=signing(rogue, BE),
        trust=TrustStore.checked(anchors={party: [ca.certificate] for party, ca in cas.items()}),
    )


CHECKPOINT = Checkpoint(
    seq=42, hash="ab" * 32, at=T0, gateway="BE:gateway", occasion=Occasion.SHUTDOWN
)


def _read(line: bytes, keys: Keys) -> Checkpoint:
    return read_line(line, verifier=Verifier(keys.trust), gateway=BE, limits=DEFAULT_LIMITS)


def test_a_checkpoint_is_one_signed_line_that_reads_back(keys: Keys) -> None:
    line = signed_line(CHECKPOINT, keys.be)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    assert b"<ds:Signature" in line
    assert _read(line, keys) == CHECKPOINT


def test_a_checkpoint_line_altered_after_signing_is_refused(keys: Keys) -> None:
    line = signed_line(CHECKPOINT, keys.be)
    for before, after in [
        (b"<Sequence>42<", b"<Sequence>43<"),
        (b"<Hash>abab", b"<Hash>cdab"),
        (b"<Occasion>shutdown<", b"<Occasion>demand<"),
    ]:
        with pytest.raises(SecurityError) as caught:
            _read(line.replace(before, after), keys)
        assert caught.value.code == "GW-SIG-INVALID"


@pytest.mark.parametrize(
    ("signer", "code"),
    [("nl", "GW-SIG-WRONG-SIGNER"), ("untrusted", "GW-SIG-UNTRUSTED"), ("fr", "GW-SIG-UNTRUSTED")],
)
def test_a_checkpoint_not_signed_by_this_gateway_is_refused(
    keys: Keys, signer: str, code: str
) -> None:
    line = signed_line(CHECKPOINT, getattr(keys, signer))
    with pytest.raises(GatewayError) as caught:
        _read(line, keys)
    assert caught.value.code == code


def test_a_checkpoint_naming_another_gateway_than_its_signer_is_refused(keys: Keys) -> None:
    line = signed_line(dataclasses.replace(CHECKPOINT, gateway="FR:gateway"), keys.be)
    with pytest.raises(InputError) as caught:
        _read(line, keys)
    assert caught.value.code == "GW-AUDIT-CHECKPOINT"
    assert caught.value.path == "AuditCheckpoint/Gateway"


def test_a_signed_document_that_is_no_checkpoint_is_refused(keys: Keys) -> None:
    other = keys.be.sign(etree.fromstring(b"<Other><Sequence>1</Sequence></Other>"), at=T0)
    with pytest.raises(InputError) as caught:
        _read(etree.tostring(other), keys)
    assert caught.value.code == "GW-AUDIT-CHECKPOINT"


def test_reading_a_file_keeps_the_good_lines_and_names_each_refused_one(keys: Keys) -> None:
    good = signed_line(CHECKPOINT, keys.be).rstrip(b"\n")
    lines = [(1, good), (2, good.replace(b">42<", b">43<")), (4, b"not xml")]
    read = read_checkpoints(
        lines, "copy.log", verifier=Verifier(keys.trust), gateway=BE, limits=DEFAULT_LIMITS
    )
    assert read.checkpoints == (CHECKPOINT,)
    assert [(p.code, p.path) for p in read.refused] == [
        ("GW-AUDIT-CHECKPOINT", "copy.log:2"),
        ("GW-AUDIT-CHECKPOINT", "copy.log:4"),
    ]
    assert "GW-SIG-INVALID" in read.refused[0].message
    assert "GW-XML-SYNTAX" in read.refused[1].message


# -- the writer, on the in-memory store ---------------------------------------------------


class Lines:
    def __init__(self, *, broken: bool = False) -> None:
        self.lines: list[bytes] = []
        self.broken = broken

    def append(self, line: bytes) -> None:
        if self.broken:
            raise ConfigError("GW-AUDIT-CHECKPOINT-WRITE", "disk full", "checkpoints.log")
        self.lines.append(line)


async def _append(store: InMemoryStore, count: int) -> None:
    head = await store.audit_head()
    start = head.seq if head else 0
    await store.append_audit(
        [
            AuditRecord(at=T0, kind="test", subject=f"s-{start + n}", actor="t", detail={})
            for n in range(count)
        ]
    )


def _writer(store: InMemoryStore, sink: Lines, keys: Keys, clock: FixedClock) -> Checkpointer:
    return Checkpointer(
        store=store,
        sink=sink,
        signer=keys.be,
        gateway=BE,
        clock=clock,
        policy=CheckpointPolicy(every_entries=5, every_seconds=600),
    )


async def test_the_writer_checkpoints_every_n_entries_and_once_on_the_way_out(
    keys: Keys,
) -> None:
    store, sink, clock = InMemoryStore(), Lines(), FixedClock(T0)
    writer = _writer(store, sink, keys, clock)
    assert await writer.tick() is None  # an empty trail has nothing to vouch for
    await _append(store, 3)
    first = await writer.tick()  # the first checkpoint does not wait
    assert first is not None
    assert (first.seq, first.occasion) == (3, Occasion.INTERVAL)
    await _append(store, 4)
    assert await writer.tick() is None  # 4 entries since: not yet
    await _append(store, 1)
    clock.advance(timedelta(seconds=1))
    by_count = await writer.tick()
    assert by_count is not None
    assert (by_count.seq, by_count.occasion, by_count.at) == (8, Occasion.ENTRIES, clock.now())
    await _append(store, 1)
    clock.advance(timedelta(seconds=600))
    by_time = await writer.tick()
    assert by_time is not None
    assert (by_time.seq, by_time.occasion) == (9, Occasion.INTERVAL)
    await _append(store, 2)
    last = await writer.close()
    assert last is not None
    assert (last.seq, last.occasion) == (11, Occasion.SHUTDOWN)
    assert await writer.close() is None  # the head is checkpointed already
    read = [_read(line, keys) for line in sink.lines]
    assert [(c.seq, c.occasion) for c in read] == [
        (3, Occasion.INTERVAL),
        (8, Occasion.ENTRIES),
        (9, Occasion.INTERVAL),
        (11, Occasion.SHUTDOWN),
    ]
    head = await store.audit_head()
    assert head is not None
    assert read[-1].hash == head.hash


async def test_a_writer_that_cannot_write_logs_it_and_tries_again_later(keys: Keys) -> None:
    store, sink, clock = InMemoryStore(), Lines(broken=True), FixedClock(T0)
    writer = _writer(store, sink, keys, clock)
    await _append(store, 6)
    with capture_logs() as logs:
        assert await writer.tick() is None
        assert await writer.tick() is None  # quiet for a while: one log line, not one a second
    failures = [log for log in logs if log["event"] == "audit checkpoint failed"]
    assert [log["code"] for log in failures] == ["GW-AUDIT-CHECKPOINT-WRITE"]
    sink.broken = False
    clock.advance(timedelta(seconds=60))
    written = await writer.tick()
    assert written is not None
    assert written.seq == 6


async def test_the_writer_warns_once_when_the_trail_ends_before_its_last_checkpoint(
    keys: Keys,
) -> None:
    store, sink, clock = InMemoryStore(), Lines(), FixedClock(T0)
    known = Checkpoint(seq=50, hash="0" * 64, at=T0, gateway="BE:gateway", occasion=Occasion.DEMAND)
    writer = Checkpointer(
        store=store,
        sink=sink,
        signer=keys.be,
        gateway=BE,
        clock=clock,
        policy=CheckpointPolicy(),
        last=known,
    )
    await _append(store, 3)
    with capture_logs() as logs:
        await writer.tick()
        await writer.tick()
    cut = [log for log in logs if log.get("code") == "GW-AUDIT-TRUNCATED"]
    assert len(cut) == 1
    assert cut[0]["path"] == "audit[4]"
    assert sink.lines == []  # not due yet: 3 entries, no time passed
    clock.advance(timedelta(seconds=300))
    fresh = await writer.tick()  # the trail as it is now is vouched for again
    assert fresh is not None
    assert fresh.seq == 3


async def test_the_writer_runs_until_stopped(keys: Keys) -> None:
    store, sink, clock = InMemoryStore(), Lines(), FixedClock(T0)
    writer = _writer(store, sink, keys, clock)
    await _append(store, 2)
    stop = asyncio.Event()
    running = asyncio.create_task(writer.run(stop, every=0.01))
    await eventually(lambda: bool(sink.lines))
    stop.set()
    await asyncio.wait_for(running, 10)
    assert _read(sink.lines[0], keys).seq == 2
