"""One model of a message for operators, whichever way it went.

Outbound: ours to a peer, with its state, attempts and timeline. Inbound: a peer's message
to us (an acknowledgement, a reply, a request, a hit), verified when it arrived, recorded
once, with the effect it had: the message of ours it acknowledged or answered, the hits it
stored, the Dublin case it opened or moved. The API and the console list, show and link
both from here, so they cannot tell two stories.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from gateway.broker.records import InboundMessage, StateChange, StoredMessage
from gateway.broker.states import MessageState
from gateway.domain.frozen import frozen
from gateway.domain.serialization import encode
from gateway.errors import GatewayError, InputError
from gateway.messages.registry import MESSAGE_TYPES as REGISTERED
from gateway.pipeline.outgoing import hit_id_of
from gateway.pipeline.services import Services
from gateway.ports import InboundFilter, MessageFilter
from gateway.tracking.records import CaseChange, ResultKind, StoredCase, StoredHit

__all__ = [
    "MATCHED_DATA",
    "MAX_MERGED",
    "MESSAGE_TYPES",
    "Direction",
    "Effect",
    "MessageDetail",
    "MessageQuery",
    "MessageRow",
    "case_messages",
    "case_of",
    "find_messages",
    "message_detail",
]

MAX_MERGED = 10_000
"""Both directions at once are merged by time from the newest: at most this many deep."""
MESSAGE_TYPES = sorted([*REGISTERED, *(f"result.{kind.value}" for kind in ResultKind)])
"""Every type a message may have: Eurodac and DubliNet, and results to webhooks."""
RECEIVED = MessageState.RECEIVED  # the state an inbound message is shown in
MATCHED_DATA = frozenset({"eurodac.hit"})
"""Types whose body carries another state's matched record: shown to whoever may read a
hit's data (`Permission.READ_HIT_DATA`), as the hit's own page shows it."""
_NO_ERROR = frozenset({MessageState.ACKNOWLEDGED, MessageState.ANSWERED})
_RELATED = 50  # messages of one conversation looked at for its case
_MAX_HITS = 1000  # matched records of one Eurodac hit message looked up


class Direction(StrEnum):
    OUTBOUND = "outbound"  # ours, to a peer
    INBOUND = "inbound"  # a peer's, to us


@frozen
class MessageRow:
    """A message as a list shows it, either way. `peer` is the other party: the recipient
    of ours, the sender (and signer) of theirs."""

    direction: Direction
    message_id: str
    peer: str
    message_type: str
    state: MessageState
    reference: str | None
    conversation_id: str
    correlation_id: str | None
    created_at: datetime  # made (ours) or received (theirs)
    updated_at: datetime
    attempts: int | None  # ours only
    next_attempt_at: datetime | None  # only while it waits to be tried again
    error: str | None  # the last error while it still matters (not once delivered)

    @classmethod
    def of_outbound(cls, message: StoredMessage) -> MessageRow:
        waiting = message.state is MessageState.RETRY_WAIT
        return cls(
            direction=Direction.OUTBOUND,
            message_id=message.message_id,
            peer=message.peer,
            message_type=message.message_type,
            state=message.state,
            reference=message.reference,
            conversation_id=message.conversation_id,
            correlation_id=message.correlation_id,
            created_at=message.created_at,
            updated_at=message.updated_at,
            attempts=message.attempts,
            next_attempt_at=message.next_attempt_at if waiting else None,
            error=None if message.state in _NO_ERROR else message.last_error,
        )

    @classmethod
    def of_inbound(cls, message: InboundMessage) -> MessageRow:
        return cls(
            direction=Direction.INBOUND,
            message_id=message.message_id,
            peer=message.peer,
            message_type=message.message_type,
            state=RECEIVED,
            reference=None,
            conversation_id=message.conversation_id,
            correlation_id=message.correlation_id,
            created_at=message.received_at,
            updated_at=message.received_at,
            attempts=None,
            next_attempt_at=None,
            error=None,
        )

    @property
    def outbound(self) -> bool:
        return self.direction is Direction.OUTBOUND

    def summary(self) -> dict[str, Any]:
        """The row as the API answers it (and CSV exports it)."""
        return {
            "direction": self.direction.value,
            "message_id": self.message_id,
            "peer": self.peer,
            "type": self.message_type,
            "state": self.state.value,
            "reference": self.reference,
            "conversation_id": self.conversation_id,
            "correlation_id": self.correlation_id,
            "attempts": self.attempts,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "next_attempt_at": encode(self.next_attempt_at),
            "last_error": self.error,
        }


@frozen
class MessageQuery:
    """A list's filters: `filter` narrows ours, and the peers' by what they carry (inbound
    messages are in state received; the reference is that of ours they answer);
    `direction` None lists both, merged newest first."""

    direction: Direction | None = None
    filter: MessageFilter = field(default_factory=MessageFilter)


async def find_messages(services: Services, query: MessageQuery) -> list[MessageRow]:
    """A page of messages, newest first. Both directions at once reach `MAX_MERGED` deep
    (`GW-API-QUERY` beyond, at `offset`): each is read from its newest and merged."""
    wanted = query.filter
    both = query.direction is None
    if both and wanted.offset + wanted.limit > MAX_MERGED:
        raise InputError(
            "GW-API-QUERY",
            f"both directions together list the newest {MAX_MERGED} messages; choose a "
            "direction or a time range to go further back",
            "offset",
        )
    depth = wanted.offset + wanted.limit
    start, size = (0, depth) if both else (wanted.offset, wanted.limit)
    rows: list[MessageRow] = []
    if query.direction is not Direction.INBOUND:
        found = await services.store.find(replace(wanted, limit=size, offset=start))
        rows += [MessageRow.of_outbound(message) for message in found]
    if query.direction is not Direction.OUTBOUND and wanted.state in (None, RECEIVED):
        answering = await _answering(services, wanted.reference)
        if wanted.correlation_id is not None:
            answered = wanted.correlation_id
            answering = (
                (answered,) if answering is None else tuple(a for a in answering if a == answered)
            )
        received = await services.store.find_inbound(
            InboundFilter(
                peer=wanted.peer,
                message_type=wanted.message_type,
                conversation_id=wanted.conversation_id,
                correlation_ids=answering,
                since=wanted.since,
                until=wanted.until,
                limit=size,
                offset=start,
            )
        )
        rows += [MessageRow.of_inbound(message) for message in received]
    if not both:
        return rows
    rows.sort(key=lambda row: (row.created_at, row.message_id), reverse=True)
    return rows[wanted.offset : depth]


async def _answering(services: Services, reference: str | None) -> tuple[str, ...] | None:
    """Inbound messages carry no reference of their own: those answering our messages of
    `reference` are listed under it."""
    if reference is None:
        return None
    ours = await services.store.find(MessageFilter(reference=reference, limit=1000))
    return tuple(message.message_id for message in ours)


@frozen
class Effect:
    """What an inbound message did here."""

    moved: StoredMessage | None = None  # our message it acknowledged or answered
    moved_to: StateChange | None = None  # that message's timeline row it wrote
    hits: list[StoredHit] = field(default_factory=list)  # the hits it stored
    case_changes: list[CaseChange] = field(default_factory=list)  # the moves it made


@frozen
class MessageDetail:
    row: MessageRow
    stored: StoredMessage | None  # outbound
    inbound: InboundMessage | None
    timeline: list[StateChange]  # outbound: its state changes
    answers: MessageRow | None  # the message it answers, either way
    answered_by: list[MessageRow]  # the peer's messages answering ours
    case: StoredCase | None  # the Dublin case it belongs to
    effect: Effect | None  # inbound: what it did
    body: bytes | None  # the XML as signed and sent or received (None: not kept)
    body_problem: GatewayError | None  # why there is no body


async def message_detail(services: Services, message_id: str) -> MessageDetail | None:
    """One message, ours or a peer's, with what links it to others; None: no such message."""
    store = services.store
    stored = await store.get(message_id)
    inbound = None if stored is not None else await store.inbound(message_id)
    if stored is None and inbound is None:
        return None
    if stored is not None:
        row = MessageRow.of_outbound(stored)
        timeline = await store.timeline(message_id)
        replies = await store.find_inbound(InboundFilter(correlation_ids=(message_id,)))
        answered_by = [MessageRow.of_inbound(reply) for reply in reversed(replies)]
    else:
        assert inbound is not None  # noqa: S101 - one of the two was found
        row, timeline, answered_by = MessageRow.of_inbound(inbound), [], []
    body, problem = _body(services, stored, inbound)
    answers = await _row_of(services, row.correlation_id)
    case = await case_of(services, row)
    effect = None if inbound is None else await _effect(services, inbound, case)
    return MessageDetail(
        row=row,
        stored=stored,
        inbound=inbound,
        timeline=timeline,
        answers=answers,
        answered_by=answered_by,
        case=case,
        effect=effect,
        body=body,
        body_problem=problem,
    )


def _body(
    services: Services, stored: StoredMessage | None, inbound: InboundMessage | None
) -> tuple[bytes | None, GatewayError | None]:
    try:
        if stored is not None:
            return services.outbox.body_of(stored), None
        assert inbound is not None  # noqa: S101 - one of the two was found
        return services.outbox.cipher.open(inbound.body, message_id=inbound.message_id), None
    except GatewayError as error:  # erased after retention, or sealed with a key now gone
        return None, error


async def _row_of(services: Services, message_id: str | None) -> MessageRow | None:
    if not message_id:
        return None
    stored = await services.store.get(message_id)
    if stored is not None:
        return MessageRow.of_outbound(stored)
    inbound = await services.store.inbound(message_id)
    return MessageRow.of_inbound(inbound) if inbound is not None else None


async def case_of(services: Services, row: MessageRow) -> StoredCase | None:
    """The Dublin case a DubliNet message belongs to: the case whose request it is, answers or
    shares a conversation with."""
    tracking = services.tracking
    if tracking is None or not row.message_type.startswith("dublinet."):
        return None
    candidates = [row.message_id, row.correlation_id, row.conversation_id]
    for related in await _conversation(services, row.conversation_id, limit=_RELATED):
        candidates.append(related.message_id)
    for candidate in _unique(candidates):
        case = await tracking.store.case_by_message(candidate)
        if case is not None:
            return case
    return None


async def _effect(services: Services, inbound: InboundMessage, case: StoredCase | None) -> Effect:
    moved, moved_to = None, None
    if inbound.correlation_id:
        moved = await services.store.get(inbound.correlation_id)
        if moved is not None:
            timeline = await services.store.timeline(moved.message_id)
            moved_to = next((c for c in timeline if c.detail == inbound.message_id), None)
    hits: list[StoredHit] = []
    changes: list[CaseChange] = []
    tracking = services.tracking
    if tracking is not None:
        for index in range(_MAX_HITS):
            hit = await tracking.store.hit(hit_id_of(inbound.message_id, index))
            if hit is None:
                break
            hits.append(hit)
        if case is not None:
            history = await tracking.store.case_changes(case.case_id)
            opened = case.request_message_id == inbound.message_id
            changes = [
                change
                for change in history
                if inbound.message_id in change.detail or (opened and change.from_state is None)
            ]
    return Effect(moved=moved, moved_to=moved_to, hits=hits, case_changes=changes)


async def case_messages(services: Services, case: StoredCase) -> list[MessageRow]:
    """Every message on a case, both ways, oldest first: its request and the messages of the
    request's conversation."""
    request = await _row_of(services, case.request_message_id)
    if request is None:
        return []
    rows = await _conversation(services, request.conversation_id, limit=1000)
    if request.message_id not in {row.message_id for row in rows}:
        rows.append(request)
    return sorted(rows, key=lambda row: (row.created_at, row.message_id))


async def _conversation(
    services: Services, conversation_id: str, *, limit: int
) -> list[MessageRow]:
    ours = await services.store.find(MessageFilter(conversation_id=conversation_id, limit=limit))
    theirs = await services.store.find_inbound(
        InboundFilter(conversation_id=conversation_id, limit=limit)
    )
    return [MessageRow.of_outbound(m) for m in ours] + [MessageRow.of_inbound(m) for m in theirs]


def _unique(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)
