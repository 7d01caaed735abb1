"""The simulated Central System: takes transactions, applies the rules, replies later.

On receipt it only verifies and acknowledges; after the processing delay it
checks the transaction by the rules of its regime, compares the biometric
data against the stored categories the regime allows, stores what is to be
stored, and sends a signed hit, no-hit or error to the gateway. Marking,
unmarking and correction get no reply beyond the acknowledgement unless
they are refused; an advance deletion notifies the member states holding
data linked to the erased data set (recorded, as the message pack has no
notification type yet).
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from gateway.domain.biometrics import BiometricSet
from gateway.domain.eurodac import EurodacTransaction, Operation, ReferenceNumber
from gateway.domain.frozen import frozen
from gateway.domain.record import CanonicalRecord
from gateway.domain.replies import (
    EurodacErrorCode,
    EurodacErrorReply,
    EurodacHit,
    EurodacNoHit,
)
from gateway.domain.requests import EurodacDataAction, EurodacStatusUpdate, MarkReason
from gateway.errors import InputError
from gateway.messages import Content, Envelope, Message
from gateway.security.identity import PeerId
from gateway.security.signer import Signer
from simulators.common.inbound import Inbound, Received, read_signed
from simulators.common.outbound import sign_reply
from simulators.common.processing import Processed
from simulators.common.sending import Outgoing
from simulators.common.state import Pending, SimDb
from simulators.eurodac import rules, store
from simulators.eurodac.data_sets import matched_data_set
from simulators.eurodac.matcher import Matcher, SyntheticMatcher
from simulators.eurodac.notices import Notices, marking_notices

__all__ = ["CentralSystem", "EurodacConfig", "LatePolicy"]

EURODAC = PeerId(party="EU", system="eurodac")
_REQUESTS = frozenset(
    {"eurodac.enrolment", "eurodac.search", "eurodac.correct", "eurodac.mark",
     "eurodac.unmark", "eurodac.delete", "eurodac.status"}
)  # fmt: skip


class LatePolicy(StrEnum):
    FLAG = "flag"  # process, and record the late transmission on the data set
    REFUSE = "refuse"  # answer an error `transmission-late`


@frozen
class EurodacConfig:
    processing_delay: timedelta = timedelta(seconds=1)
    false_hit_rate: float = 0.0  # chance that a comparison finding nothing reports a hit
    min_quality: int = 20  # NFIQ 2 score below which a finger is refused
    late_policy: LatePolicy = LatePolicy.FLAG
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.false_hit_rate <= 1.0:
            raise ValueError("the false-hit rate lies between 0 and 1")


class CentralSystem:
    """The Eurodac endpoint (`/eurodac`) and its processing."""

    name = "eurodac"

    def __init__(
        self,
        *,
        db: SimDb,
        inbound: Inbound,
        signer: Signer,
        config: EurodacConfig,
        matcher: Matcher | None = None,
        gateway: PeerId | None = None,
    ) -> None:
        self.db = db
        self.inbound = inbound
        self.signer = signer
        self.config = config
        self.matcher = matcher or SyntheticMatcher()
        self.peer = inbound.me
        self.gateway = gateway  # the member state whose gateway is told of markings

    @staticmethod
    def accepts(message_type: str) -> bool:
        return message_type in _REQUESTS

    def plan(self, received: Received, now: datetime) -> tuple[datetime, dict[str, Any] | None]:
        return now + self.config.processing_delay, None

    async def process(self, pending: Pending, now: datetime) -> Processed:
        message = await asyncio.to_thread(read_signed, pending.signed_xml)
        content = message.content
        if isinstance(content, EurodacDataAction):
            return await self._data_action(message, content, now)
        if isinstance(content, EurodacStatusUpdate):
            return await self._status(message, content, now)
        if isinstance(content, CanonicalRecord):
            return await self._capture(message, content, now)
        return Processed(outcome={"ignored": message.envelope.message_type})

    # ----- enrolment, search, correction ----------------------------------------------

    async def _capture(self, message: Message, record: CanonicalRecord, now: datetime) -> Processed:
        envelope = message.envelope
        transaction = record.transaction
        assert transaction is not None  # noqa: S101 - the message reader always sets it
        if transaction.operation is Operation.CORRECT:
            return await self._correct(envelope, record, now)
        sender = envelope.sender.authority
        on = envelope.created_at.date()
        refusal = rules.check_capture(
            record, sender_state=sender, min_quality=self.config.min_quality, on=on
        )
        limit = rules.transmission_deadline(record)
        late = limit is not None and envelope.created_at > limit.at
        if refusal is None and late and self.config.late_policy is LatePolicy.REFUSE:
            assert limit is not None  # noqa: S101 - late implies a limit
            refusal = rules.Refusal(
                code=EurodacErrorCode.TRANSMISSION_LATE,
                description=rules.late_description(limit, envelope.created_at),
            )
        reference = str(transaction.reference)
        existing = await self.db.run(lambda db: store.find(db, reference))
        if refusal is None and transaction.operation is Operation.ENROL and existing is not None:
            refusal = rules.Refusal(
                code=EurodacErrorCode.DUPLICATE_REFERENCE,
                description=f"data are already stored as {reference}",
            )
        if refusal is not None:
            return await self._refuse(envelope, transaction.reference, refusal, late=late, now=now)
        return await self._compare(envelope, record, on=on, late=late, now=now)

    async def _correct(
        self, envelope: Envelope, record: CanonicalRecord, now: datetime
    ) -> Processed:
        """Replace the transmitted data of a stored data set (its biometrics stay when the
        correction carries none); only the member state of origin may."""
        transaction = record.transaction
        assert transaction is not None  # noqa: S101 - checked by the caller
        reference = str(transaction.reference)
        existing = await self.db.run(lambda db: store.find(db, reference))
        refusal = _owner_refusal(existing, envelope.sender.authority, reference)
        if refusal is not None:
            return await self._refuse(envelope, transaction.reference, refusal, late=False, now=now)
        return Processed(
            outcome={"corrected": reference}, effects=lambda db: store.correct(db, record)
        )

    async def _compare(
        self, envelope: Envelope, record: CanonicalRecord, *, on: date, late: bool, now: datetime
    ) -> Processed:
        transaction = record.transaction
        probe = record.biometrics
        assert transaction is not None  # noqa: S101 - checked by the rules
        assert probe is not None  # noqa: S101 - checked by the rules
        reference = str(transaction.reference)
        against = rules.comparison(transaction.regime, transaction.category, transaction.point)
        found = await self.db.run(lambda db: store.candidates(db, against, on))
        found = [c for c in found if c.summary.reference != reference]
        try:
            matched = await asyncio.to_thread(self._matches, probe, found)
        except InputError as error:  # the probe's images cannot be compared
            refusal = rules.Refusal(
                code=EurodacErrorCode.FINGERPRINT_QUALITY, description=error.message
            )
            return await self._refuse(envelope, transaction.reference, refusal, late=late, now=now)
        false_hit = False
        rng = random.Random(f"{self.config.seed}:{envelope.message_id}")  # noqa: S311 - a simulation
        if not matched and found and rng.random() < self.config.false_hit_rate:
            matched, false_hit = [rng.choice(found)], True
        stores = transaction.operation is Operation.ENROL and rules.is_stored(
            transaction.regime, transaction.category, transaction.point
        )
        expires = rules.expires_on(
            transaction.regime,
            transaction.category,
            captured_on=probe.captured_on,
            transmitted_on=on,
            point=transaction.point,
        )
        others = [c.summary.reference for c in matched]

        def effects(db: sqlite3.Connection) -> None:
            if stores and expires is not None:
                store.insert(db, record, expires=expires, stored_at=now, late=late)
                store.link(db, reference, others)

        content: Content
        if matched:
            content = EurodacHit(
                reference=transaction.reference,
                matches=tuple(matched_data_set(c, transaction.regime) for c in matched),
            )
        else:
            content = EurodacNoHit(reference=transaction.reference)
        kind = "eurodac.hit" if matched else "eurodac.no-hit"
        outgoing = await self._reply(envelope, content, kind, now)
        outcome = {
            "result": "hit" if matched else "no-hit",
            "matches": others,
            "stored": stores,
            "late": late,
            "false_hit": false_hit,
        }
        return Processed(outcome=outcome, outgoing=(outgoing,), effects=effects)

    def _matches(
        self, probe: BiometricSet, found: list[store.StoredRecord]
    ) -> list[store.StoredRecord]:
        by_reference = {c.summary.reference: c for c in found}
        keys = self.matcher.search(
            probe,
            [(c.summary.reference, c.record.biometrics) for c in found if c.record.biometrics],
        )
        return [by_reference[key] for key in keys]

    # ----- marking, unmarking, advance deletion ---------------------------------------

    async def _data_action(
        self, message: Message, action: EurodacDataAction, now: datetime
    ) -> Processed:
        envelope = message.envelope
        reference = str(action.transaction.reference)
        stored = await self.db.run(lambda db: store.find(db, reference))
        refusal = rules.check_action(
            action,
            sender_state=envelope.sender.authority,
            stored=stored,
            on=envelope.created_at.date(),
        )
        if refusal is not None:
            return await self._refuse(
                envelope, action.transaction.reference, refusal, late=False, now=now
            )
        operation = action.transaction.operation
        if operation is Operation.DELETE:
            erased: list[store.Notification] = []

            def erase(db: sqlite3.Connection) -> None:
                erased.extend(store.delete(db, reference, reason=action.reason.value, at=now))

            return Processed(outcome={"deleted": reference}, effects=erase)
        if operation is Operation.UNMARK:
            return Processed(
                outcome={"unmarked": reference},
                effects=lambda db: store.mark(db, reference, marked=False, reason=""),
            )
        assert stored is not None  # noqa: S101 - check_action refused an unknown reference
        notices = await self._notices(stored, action.reason.value, now, envelope.message_id)

        def mark(db: sqlite3.Connection) -> None:
            store.mark(db, reference, marked=True, reason=action.reason.value)
            notices.record(db)

        return Processed(
            outcome={"marked": reference, "notified": list(notices.states)},
            outgoing=notices.outgoing,
            effects=mark,
        )

    async def _notices(
        self, stored: rules.StoredSummary, reason: str, now: datetime, cause: uuid.UUID | None
    ) -> Notices:
        linked = await self.db.run(lambda db: store.linked(db, stored.reference))
        return await asyncio.to_thread(
            lambda: marking_notices(
                marked=stored,
                linked=linked,
                reason=reason,
                now=now,
                me=self.peer,
                gateway=self.gateway,
                signer=self.signer,
                cause=cause,
            )
        )

    async def mark_for_its_state(
        self, reference: str, reason: str, now: datetime
    ) -> rules.Refusal | Notices:
        """Another member state marks its data set (the control API): the law's checks, then
        the mark and the notices to the states that had a hit with it (queue `outgoing`)."""
        stored = await self.db.run(lambda db: store.find(db, reference))
        if stored is None or stored.regime is None:
            return rules.Refusal(
                code=EurodacErrorCode.UNKNOWN_REFERENCE,
                description=f"no data stored as {reference}",
            )
        try:
            mark_reason = MarkReason(reason)
        except ValueError:
            return rules.Refusal(
                code=EurodacErrorCode.INVALID_MESSAGE, description=f"{reason!r} is no mark reason"
            )
        transaction = EurodacTransaction(
            operation=Operation.MARK,
            regime=stored.regime,
            category=stored.category,
            reference=ReferenceNumber.parse(reference),
        )
        action = EurodacDataAction(transaction=transaction, reason=mark_reason)
        refusal = rules.check_action(
            action, sender_state=stored.member_state, stored=stored, on=now.date()
        )
        if refusal is not None:
            return refusal
        notices = await self._notices(stored, reason, now, None)

        def mark(db: sqlite3.Connection) -> None:
            store.mark(db, reference, marked=True, reason=reason)
            notices.record(db)

        await self.db.run(mark)
        return notices

    # ----- status updates after recording ----------------------------------------------

    async def _status(
        self, message: Message, update: EurodacStatusUpdate, now: datetime
    ) -> Processed:
        """Add the update to the data set (603/2013 Art 10; 2024/1358 Arts 16, 17(2)); only
        the member state of origin may, under the regulation the data set was recorded
        under, with an update that regulation provides for."""
        envelope = message.envelope
        transaction = update.transaction
        reference = str(transaction.reference)
        stored = await self.db.run(lambda db: store.find(db, reference))
        refusal = _owner_refusal(stored, envelope.sender.authority, reference) or (
            rules.check_status(update, stored)
        )
        if refusal is not None:
            return await self._refuse(envelope, transaction.reference, refusal, late=False, now=now)
        return Processed(
            outcome={"status": reference, "kind": update.update.kind.value},
            effects=lambda db: store.add_status(db, reference, update.update, now),
        )

    # ----- replies --------------------------------------------------------------------

    async def _refuse(
        self,
        envelope: Envelope,
        reference: ReferenceNumber,
        refusal: rules.Refusal,
        *,
        late: bool,
        now: datetime,
    ) -> Processed:
        content = EurodacErrorReply(
            code=refusal.code, reference=reference, description=refusal.description
        )
        outgoing = await self._reply(envelope, content, "eurodac.error", now)
        return Processed(
            outcome={"result": "error", "code": refusal.code.value, "late": late},
            outgoing=(outgoing,),
        )

    async def _reply(
        self, envelope: Envelope, content: Content, message_type: str, now: datetime
    ) -> Outgoing:
        return await asyncio.to_thread(
            sign_reply, envelope, content, message_type, me=self.peer, signer=self.signer, now=now
        )


def _owner_refusal(
    existing: rules.StoredSummary | None, sender: str, reference: str
) -> rules.Refusal | None:
    if existing is None or existing.deleted:
        return rules.Refusal(
            code=EurodacErrorCode.UNKNOWN_REFERENCE, description=f"no data stored as {reference}"
        )
    if existing.member_state != sender:
        return rules.Refusal(
            code=EurodacErrorCode.NOT_AUTHORISED,
            description="only the member state of origin may correct its data",
        )
    return None
