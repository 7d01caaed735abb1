"""Signed checkpoints of the audit trail: the XML document, its line, and the writer.

A checkpoint (`gateway.broker.checkpoints.Checkpoint`) is a small XML document
signed with the gateway's active signing key like every message it sends
(enveloped XML-DSig, `Reference URI=""`, the certificate chain in `KeyInfo`),
so it is checked with the same trust store, and by `xmlsec1 --verify` on its
own. Written out on one line (the newlines of the base64 certificates become
`&#10;`, which parses back to the same text), one checkpoint per line of the
checkpoint file.

Reading one goes through the hardened parser and the project's verifier, and
takes only what the signature covers: the signer must be the gateway of this
member state (a key trusted for it, valid at the checkpoint's time) and the
gateway the document names.

`Checkpointer` writes them while the gateway serves: after `every_entries`
new entries or `every_seconds` (a look at the trail's head every second), and
once more on the way out. With several processes on one PostgreSQL database,
each process's checkpointer looks at the same shared trail and writes to its
own data directory's file (processes sharing a directory append to one file,
line by line); `eugw audit verify --checkpoints` takes every file.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from concurrent.futures import Executor
from datetime import UTC, datetime, timedelta
from typing import Protocol

from lxml import etree

from gateway.broker.audit import AuditEntry
from gateway.broker.checkpoints import Checkpoint, CheckpointPolicy, Occasion
from gateway.domain.frozen import frozen
from gateway.domain.problems import Problem
from gateway.errors import GatewayError, InputError
from gateway.logging import get_logger
from gateway.ports import Clock, MessageStore
from gateway.security.identity import PeerId
from gateway.security.signer import Signer
from gateway.security.verifier import Verifier
from gateway.validation.parsing import XmlLimits, parse_xml

__all__ = [
    "NS",
    "CheckpointSink",
    "Checkpointer",
    "ReadCheckpoints",
    "checkpoint_element",
    "gateway_of",
    "read_checkpoints",
    "read_line",
    "signed_line",
]

NS = "urn:eu-gateway:audit:v1"
REFUSED = "GW-AUDIT-CHECKPOINT"
_ROOT = f"{{{NS}}}AuditCheckpoint"
_FIELDS = ("Gateway", "Sequence", "Hash", "CreatedAt", "Occasion")
RETRY_AFTER = timedelta(seconds=60)  # after a failed checkpoint, before the next try


def gateway_of(member_state: str) -> PeerId:
    """The identity a checkpoint of this member state's gateway is signed with."""
    return PeerId(party=member_state, system="gateway")


def checkpoint_element(checkpoint: Checkpoint) -> etree._Element:
    """The unsigned document."""
    root = etree.Element(_ROOT, nsmap={None: NS})
    values = (
        checkpoint.gateway,
        str(checkpoint.seq),
        checkpoint.hash,
        checkpoint.at.astimezone(UTC).isoformat(timespec="microseconds"),
        checkpoint.occasion.value,
    )
    for name, value in zip(_FIELDS, values, strict=True):
        etree.SubElement(root, f"{{{NS}}}{name}").text = value
    return root


def signed_line(checkpoint: Checkpoint, signer: Signer) -> bytes:
    """The checkpoint signed at its own time, as one line ending with a newline (CPU work)."""
    signed = signer.sign(checkpoint_element(checkpoint), at=checkpoint.at)
    text = etree.tostring(signed, encoding="UTF-8", xml_declaration=False)
    # Newlines occur only in text (base64 values); as character references they parse back
    # to the same text, so the signature still holds and the document fits on one line.
    return text.replace(b"\r", b"&#13;").replace(b"\n", b"&#10;") + b"\n"


def read_line(line: bytes, *, verifier: Verifier, gateway: PeerId, limits: XmlLimits) -> Checkpoint:
    """The checkpoint on a line, after its signature is checked; raises the `GatewayError`
    of the first check it fails (an `InputError` `GW-AUDIT-CHECKPOINT` for its content)."""
    document = parse_xml(line, limits)
    if document.tag != _ROOT:
        name = etree.QName(document).localname
        raise InputError(REFUSED, f"not an audit checkpoint but a {name} element", name)
    # Read before the signature is checked, only to judge the certificate at that time;
    # every value used afterwards comes from the verified copy.
    claimed = _checkpoint(document).at
    verified = verifier.verify(document, expected=gateway, at=claimed)
    checkpoint = _checkpoint(verified.element)
    if checkpoint.gateway != str(verified.signer):
        raise InputError(
            REFUSED,
            f"the checkpoint names gateway {checkpoint.gateway}, signed by {verified.signer}",
            "AuditCheckpoint/Gateway",
        )
    return checkpoint


@frozen
class ReadCheckpoints:
    checkpoints: tuple[Checkpoint, ...]
    refused: tuple[Problem, ...]  # GW-AUDIT-CHECKPOINT at FILE:LINE, with the reason


def read_checkpoints(
    lines: Iterable[tuple[int, bytes]],
    source: str,
    *,
    verifier: Verifier,
    gateway: PeerId,
    limits: XmlLimits,
) -> ReadCheckpoints:
    """Every line of a checkpoint file checked: the checkpoints that hold, and a problem for
    each line refused."""
    accepted, refused = [], []
    for number, line in lines:
        try:
            accepted.append(read_line(line, verifier=verifier, gateway=gateway, limits=limits))
        except GatewayError as error:
            reason = f"checkpoint refused: {error.code}: {error.message}"
            if error.path:
                reason += f" (at {error.path})"
            refused.append(Problem(code=REFUSED, message=reason, path=f"{source}:{number}"))
    return ReadCheckpoints(checkpoints=tuple(accepted), refused=tuple(refused))


def _checkpoint(element: etree._Element) -> Checkpoint:
    texts = {}
    for name in _FIELDS:
        found = element.find(f"{{{NS}}}{name}")
        if found is None or not (found.text or "").strip():
            raise InputError(REFUSED, f"the checkpoint has no {name}", f"AuditCheckpoint/{name}")
        texts[name] = found.text.strip() if found.text else ""
    try:
        at = datetime.fromisoformat(texts["CreatedAt"])
        checkpoint = Checkpoint(
            seq=int(texts["Sequence"]),
            hash=texts["Hash"],
            at=at,
            gateway=texts["Gateway"],
            occasion=Occasion(texts["Occasion"]),
        )
    except ValueError as error:
        raise InputError(
            REFUSED, f"the checkpoint cannot be read: {error}", "AuditCheckpoint"
        ) from None
    if len(checkpoint.hash) != 64 or checkpoint.hash.strip("0123456789abcdef"):
        raise InputError(REFUSED, "the hash is not SHA-256 in hex", "AuditCheckpoint/Hash")
    return checkpoint


class CheckpointSink(Protocol):
    """Where checkpoint lines go (`gateway.adapters.checkpoint_file.CheckpointFile`);
    blocking, called off the event loop."""

    def append(self, line: bytes) -> None: ...


class Checkpointer:
    """Signs the trail's head and appends it to the sink: when the policy says so while the
    gateway runs, once more on the way out, and on demand."""

    def __init__(
        self,
        *,
        store: MessageStore,
        sink: CheckpointSink,
        signer: Signer,
        gateway: PeerId,
        clock: Clock,
        policy: CheckpointPolicy,
        last: Checkpoint | None = None,
        executor: Executor | None = None,
    ) -> None:
        self._store = store
        self._sink = sink
        self._signer = signer
        self._gateway = gateway
        self._clock = clock
        self._policy = policy
        self._executor = executor
        self._last = last  # the last checkpoint written (by this process, or found at start)
        self._quiet_until: datetime | None = None
        self._warned_below = False

    @property
    def last(self) -> Checkpoint | None:
        return self._last

    async def checkpoint(self, occasion: Occasion) -> tuple[Checkpoint, bytes] | None:
        """Sign the head of the trail now and append it; None while the trail is empty."""
        head = await self._store.audit_head()
        if head is None:
            return None
        return await self._write(head, occasion)

    async def tick(self) -> Checkpoint | None:
        """One look at the trail's head: the checkpoint written when one was due, else None.
        A failure is logged (the gateway goes on) and tried again after `RETRY_AFTER`."""
        now = self._clock.now()
        if self._quiet_until is not None and now < self._quiet_until:
            return None
        try:
            head = await self._store.audit_head()
            if head is None:
                return None
            last_seq = self._last.seq if self._last else 0
            if head.seq < last_seq:
                # Go on vouching for what the trail holds now: the earlier checkpoints keep
                # the evidence of the cut.
                self._warn_below(head)
                last_seq = 0
            occasion = self._policy.due(
                head_seq=head.seq,
                last_seq=last_seq,
                last_at=self._last.at if self._last else None,
                now=now,
            )
            if occasion is None:
                return None
            checkpoint, _ = await self._write(head, occasion)
        except GatewayError as error:
            get_logger().error("audit checkpoint failed", code=error.code, reason=error.message)
            self._quiet_until = now + RETRY_AFTER
            return None
        return checkpoint

    async def run(self, stop: asyncio.Event, *, every: float = 1.0) -> None:
        """Look at the trail every `every` seconds until `stop` is set."""
        while not stop.is_set():
            await self.tick()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), every)

    async def close(self) -> Checkpoint | None:
        """The checkpoint on the way out, unless the last one already names the head."""
        head = await self._store.audit_head()
        if head is None or (
            self._last is not None and (self._last.seq, self._last.hash) == (head.seq, head.hash)
        ):
            return None
        checkpoint, _ = await self._write(head, Occasion.SHUTDOWN)
        return checkpoint

    async def _write(self, head: AuditEntry, occasion: Occasion) -> tuple[Checkpoint, bytes]:
        checkpoint = Checkpoint(
            seq=head.seq,
            hash=head.hash,
            at=self._clock.now(),
            gateway=str(self._gateway),
            occasion=occasion,
        )
        loop = asyncio.get_running_loop()
        line = await loop.run_in_executor(self._executor, signed_line, checkpoint, self._signer)
        await loop.run_in_executor(self._executor, self._sink.append, line)
        self._last = checkpoint
        get_logger().info("audit checkpoint written", count=checkpoint.seq, reason=occasion.value)
        return checkpoint, line

    def _warn_below(self, head: AuditEntry) -> None:
        if self._warned_below:
            return
        self._warned_below = True  # once: the operator must look, the log need not fill up
        get_logger().error(
            "the audit trail ends before the last checkpoint: its end was cut off",
            code="GW-AUDIT-TRUNCATED",
            count=head.seq,
            path=f"audit[{head.seq + 1}]",
        )
