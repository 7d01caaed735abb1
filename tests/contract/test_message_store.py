"""One contract for every message store: in memory, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from gateway.broker.access import Role, digest_of, new_token
from gateway.broker.audit import verify_chain
from gateway.broker.lifecycle import LeaseLostError, UnknownMessageError
from gateway.broker.records import (
    InboundMessage,
    NewMessage,
    StoredMessage,
    Submission,
    SubmissionStatus,
)
from gateway.broker.states import Event, IllegalTransitionError, MessageState
from gateway.ports import MessageFilter, MessageStore

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def message(number: int, **fields: object) -> NewMessage:
    values: dict[str, object] = {
        "message_id": f"00000000-0000-4000-8000-{number:012d}",
        "peer": "EU:eurodac",
        "message_type": "eurodac.enrolment",
        "conversation_id": f"conversation-{number}",
        "body": f"<sealed {number}/>".encode(),
        "reference": f"BE1{number:010d}",
    }
    values.update(fields)
    return NewMessage(**values)  # type: ignore[arg-type]


def ids(messages: list[NewMessage]) -> list[str]:
    return [m.message_id for m in messages]


async def test_enqueue_keeps_the_message_and_its_timeline(store: MessageStore) -> None:
    first = message(1)
    assert await store.enqueue([first], at=T0) == [first.message_id]
    stored = await store.get(first.message_id)
    assert stored is not None
    assert stored.state is MessageState.QUEUED
    assert stored.body == first.body
    assert stored.created_at == T0
    timeline = await store.timeline(first.message_id)
    assert [change.to_state for change in timeline] == [
        MessageState.RECEIVED,
        MessageState.MAPPED,
        MessageState.VALIDATED,
        MessageState.SIGNED,
        MessageState.QUEUED,
    ]


async def test_a_repeated_message_id_is_queued_once(store: MessageStore) -> None:
    first = message(1)
    await store.enqueue([first], at=T0)
    changed = message(1, body=b"<other/>")
    assert await store.enqueue([changed, message(2)], at=T0) == [message(2).message_id]
    stored = await store.get(first.message_id)
    assert stored is not None
    assert stored.body == first.body
    assert len(await store.timeline(first.message_id)) == 5


async def test_claim_takes_the_oldest_due_messages_once(store: MessageStore) -> None:
    batch = [message(n) for n in range(1, 5)]
    await store.enqueue(batch, at=T0)
    claimed = await store.claim(worker="w1", now=T0, lease=LEASE, limit=3)
    assert [m.message_id for m in claimed] == ids(batch[:3])
    assert all(m.state is MessageState.SENDING and m.attempts == 1 for m in claimed)
    assert all(m.lease_owner == "w1" and m.lease_until == T0 + LEASE for m in claimed)
    again = await store.claim(worker="w2", now=T0, lease=LEASE, limit=10)
    assert [m.message_id for m in again] == ids(batch[3:])


async def test_an_expired_lease_is_taken_over_and_the_old_worker_is_refused(
    store: MessageStore,
) -> None:
    first = message(1)
    await store.enqueue([first], at=T0)
    await store.claim(worker="crashed", now=T0, lease=LEASE, limit=1)
    assert (
        await store.claim(worker="w2", now=T0 + LEASE - timedelta(seconds=1), lease=LEASE, limit=1)
        == []
    )
    later = T0 + LEASE
    [taken] = await store.claim(worker="w2", now=later, lease=LEASE, limit=1)
    assert taken.lease_owner == "w2"
    assert taken.attempts == 2
    with pytest.raises(LeaseLostError):
        await store.record(first.message_id, Event.ACKNOWLEDGE, at=later, worker="crashed")
    events = [change.event for change in await store.timeline(first.message_id)]
    assert events[-2:] == [Event.LEASE_EXPIRED, Event.CLAIM]
    done = await store.record(first.message_id, Event.ACKNOWLEDGE, at=later, worker="w2")
    assert done.state is MessageState.ACKNOWLEDGED
    assert done.lease_owner is None


async def test_a_failed_send_waits_for_its_retry_time(store: MessageStore) -> None:
    first = message(1)
    await store.enqueue([first], at=T0)
    await store.claim(worker="w1", now=T0, lease=LEASE, limit=1)
    retry_at = T0 + timedelta(seconds=10)
    waiting = await store.record(
        first.message_id, Event.FAIL, at=T0, worker="w1", retry_at=retry_at, detail="HTTP 503"
    )
    assert waiting.state is MessageState.RETRY_WAIT
    assert waiting.last_error == "HTTP 503"
    assert await store.next_due() == retry_at
    assert (
        await store.claim(
            worker="w1", now=retry_at - timedelta(microseconds=1), lease=LEASE, limit=1
        )
        == []
    )
    [again] = await store.claim(worker="w1", now=retry_at, lease=LEASE, limit=1)
    assert again.attempts == 2
    assert again.first_attempt_at == T0


async def test_an_illegal_event_changes_nothing(store: MessageStore) -> None:
    first = message(1)
    await store.enqueue([first], at=T0)
    with pytest.raises(IllegalTransitionError) as raised:
        await store.record(first.message_id, Event.RETRY_DUE, at=T0)
    assert raised.value.code == "GW-BRK-TRANSITION"
    stored = await store.get(first.message_id)
    assert stored is not None
    assert stored.state is MessageState.QUEUED
    assert len(await store.timeline(first.message_id)) == 5


async def test_an_unknown_message_is_reported(store: MessageStore) -> None:
    with pytest.raises(UnknownMessageError):
        await store.record("no-such-id", Event.CANCEL, at=T0)
    assert await store.get("no-such-id") is None


async def test_messages_with_one_order_key_go_one_after_the_other(store: MessageStore) -> None:
    request = message(1, order_key="case-7", peer="NL:dublinet")
    reply = message(2, order_key="case-7", peer="NL:dublinet")
    other = message(3, order_key="case-8", peer="NL:dublinet")
    await store.enqueue([request, reply, other], at=T0)
    claimed = await store.claim(worker="w", now=T0, lease=LEASE, limit=10)
    assert [m.message_id for m in claimed] == ids([request, other])
    await store.record(request.message_id, Event.GIVE_UP, at=T0, worker="w", detail="refused")
    assert await store.claim(worker="w", now=T0, lease=LEASE, limit=10) == []  # dead holds it
    await store.record(request.message_id, Event.CANCEL, at=T0)
    [next_one] = await store.claim(worker="w", now=T0, lease=LEASE, limit=10)
    assert next_one.message_id == reply.message_id


async def test_claims_can_be_limited_to_one_peer(store: MessageStore) -> None:
    await store.enqueue([message(1), message(2, peer="FR:dublinet")], at=T0)
    [claimed] = await store.claim(worker="w", now=T0, lease=LEASE, limit=10, peer="FR:dublinet")
    assert claimed.peer == "FR:dublinet"


async def _dead_letter(store: MessageStore) -> tuple[NewMessage, StoredMessage]:
    """Message 1 queued, claimed by worker w and given up: as sent and as stored after."""
    first = message(1)
    await store.enqueue([first], at=T0)
    await store.claim(worker="w", now=T0, lease=LEASE, limit=1)
    dead = await store.record(first.message_id, Event.GIVE_UP, at=T0, worker="w", detail="x")
    return first, dead


async def test_release_and_resend_start_the_attempts_over(store: MessageStore) -> None:
    first, dead = await _dead_letter(store)
    assert dead.state is MessageState.DEAD
    released = await store.record(first.message_id, Event.RELEASE, at=T0, detail="operator")
    assert released.state is MessageState.QUEUED
    assert released.attempts == 0
    assert released.first_attempt_at is None


async def test_the_audit_trail_names_the_operator_who_released_a_message(
    store: MessageStore,
) -> None:
    first, _ = await _dead_letter(store)
    await store.record(first.message_id, Event.RELEASE, at=T0, detail="release", actor="alice")
    entries = [e for e in await store.audit_entries() if e.subject == first.message_id]
    actors = {entry.kind: entry.actor for entry in entries}
    assert actors["message.release"] == "alice"
    assert actors["message.give_up"] == "gateway"


async def test_find_and_counts(store: MessageStore) -> None:
    await store.enqueue([message(1), message(2), message(3, peer="DE:dublinet")], at=T0)
    await store.claim(worker="w", now=T0, lease=LEASE, limit=1)
    newest_first = await store.find(MessageFilter())
    assert [m.message_id for m in newest_first] == ids([message(3), message(2), message(1)])
    queued = await store.find(MessageFilter(state=MessageState.QUEUED, peer="EU:eurodac"))
    assert [m.message_id for m in queued] == [message(2).message_id]
    by_reference = await store.find(MessageFilter(reference=message(3).reference))
    assert [m.message_id for m in by_reference] == [message(3).message_id]
    assert await store.counts() == {
        ("EU:eurodac", MessageState.SENDING): 1,
        ("EU:eurodac", MessageState.QUEUED): 1,
        ("DE:dublinet", MessageState.QUEUED): 1,
    }


async def test_bodies_are_purged_after_retention_and_metadata_stays(store: MessageStore) -> None:
    done, pending = message(1), message(2)
    await store.enqueue([done, pending], at=T0)
    await store.claim(worker="w", now=T0, lease=LEASE, limit=1)
    await store.record(done.message_id, Event.ACKNOWLEDGE, at=T0, worker="w")
    assert await store.purge_bodies(updated_before=T0) == 0
    assert await store.purge_bodies(updated_before=T0 + timedelta(days=1)) == 1
    purged = await store.get(done.message_id)
    assert purged is not None
    assert purged.body is None
    assert purged.state is MessageState.ACKNOWLEDGED
    assert len(await store.timeline(done.message_id)) == 7
    kept = await store.get(pending.message_id)
    assert kept is not None
    assert kept.body == pending.body


async def test_enqueue_wakes_a_waiting_worker(store: MessageStore) -> None:
    await store.wait_for_work(at_most=0.5)  # consume a start-up wake-up, if any
    waiter = asyncio.create_task(store.wait_for_work(at_most=30))
    finished, _ = await asyncio.wait({waiter}, timeout=0.1)
    assert not finished  # nothing announced yet: it keeps waiting
    await store.enqueue([message(1)], at=T0)
    await asyncio.wait_for(waiter, timeout=10)


def submission(number: int, key: str, message_ids: tuple[str, ...]) -> Submission:
    return Submission(
        submission_id=f"s-{number}",
        submitter="evibel",
        idempotency_key=key,
        request_digest=f"digest-{number}",
        status=SubmissionStatus.ACCEPTED,
        http_status=202,
        response=f'{{"submission_id": "s-{number}"}}',
        message_ids=message_ids,
        created_at=T0,
    )


async def test_a_submission_and_its_messages_are_stored_together(store: MessageStore) -> None:
    first = submission(1, "key-1", (message(1).message_id,))
    assert await store.submit(first, [message(1)]) == first
    assert await store.submission("s-1") == first
    queued = await store.get(message(1).message_id)
    assert queued is not None
    assert queued.state is MessageState.QUEUED


async def test_a_repeated_idempotency_key_returns_the_first_answer_and_queues_nothing(
    store: MessageStore,
) -> None:
    first = submission(1, "key-1", (message(1).message_id,))
    await store.submit(first, [message(1)])
    again = await store.submit(submission(2, "key-1", (message(2).message_id,)), [message(2)])
    assert again == first
    assert await store.get(message(2).message_id) is None
    assert await store.submission("s-2") is None
    other = Submission(
        submission_id="s-3",
        submitter="actio",
        idempotency_key="key-1",
        request_digest="d",
        status=SubmissionStatus.REJECTED,
        http_status=422,
        response="{}",
        message_ids=(),
        created_at=T0,
    )
    assert await store.submit(other, []) == other  # keys belong to their submitter


async def test_submissions_under_one_key_at_once_all_get_the_first_answer(
    store: MessageStore,
) -> None:
    # Sent together, they run in one group commit on PostgreSQL, their inserts sent ahead.
    answers = await asyncio.gather(
        *(
            store.submit(submission(n, f"key-{n % 3}", (message(n).message_id,)), [message(n)])
            for n in range(12)
        )
    )
    for n, answer in enumerate(answers):
        assert answer == answers[n % 3]  # the first of its key, for every one of them
    queued = [await store.get(message(n).message_id) for n in range(12)]
    assert [m is not None for m in queued] == [n < 3 for n in range(12)]


def inbound(number: int, correlation: str | None) -> InboundMessage:
    return InboundMessage(
        message_id=f"in-{number}",
        peer="EU:eurodac",
        message_type="eurodac.hit",
        conversation_id="conversation-1",
        correlation_id=correlation,
        received_at=T0 + timedelta(minutes=5),
        body=b"<sealed reply/>",
    )


async def test_a_reply_is_stored_once_and_answers_its_message(store: MessageStore) -> None:
    first = message(1)
    await store.enqueue([first], at=T0)
    await store.claim(worker="w", now=T0, lease=LEASE, limit=1)
    await store.record(first.message_id, Event.ACKNOWLEDGE, at=T0, worker="w")
    receipt = await store.receive(inbound(1, first.message_id), effect=Event.ANSWER)
    assert receipt.new
    assert receipt.correlated is not None
    assert receipt.correlated.state is MessageState.ANSWERED
    assert await store.inbound("in-1") == inbound(1, first.message_id)
    repeat = await store.receive(inbound(1, first.message_id), effect=Event.ANSWER)
    assert not repeat.new
    assert repeat.correlated is not None  # so a handler that failed the first time can act
    assert repeat.correlated.state is MessageState.ANSWERED
    assert [c.event for c in await store.timeline(first.message_id)].count(Event.ANSWER) == 1


async def test_one_reply_received_many_times_at_once_is_new_once(store: MessageStore) -> None:
    first = message(1)
    await store.enqueue([first], at=T0)
    await store.claim(worker="w", now=T0, lease=LEASE, limit=1)
    await store.record(first.message_id, Event.ACKNOWLEDGE, at=T0, worker="w")
    receipts = await asyncio.gather(
        *(store.receive(inbound(1, first.message_id), effect=Event.ANSWER) for _ in range(8))
    )
    assert sum(receipt.new for receipt in receipts) == 1
    assert all(r.correlated and r.correlated.state is MessageState.ANSWERED for r in receipts)
    assert [c.event for c in await store.timeline(first.message_id)].count(Event.ANSWER) == 1


async def test_a_reply_to_an_unknown_message_is_kept_and_a_reply_proves_receipt(
    store: MessageStore,
) -> None:
    orphan = await store.receive(inbound(1, "no-such-message"), effect=Event.ANSWER)
    assert orphan.new
    assert orphan.correlated is None
    queued = message(2)
    await store.enqueue([queued], at=T0)
    early = await store.receive(inbound(2, queued.message_id), effect=Event.ANSWER)
    assert early.correlated is not None
    # A reply proves receipt (e.g. of a send whose acknowledgement we refused): no resend.
    assert early.correlated.state is MessageState.ANSWERED
    assert await store.inbound("in-2") is not None


async def test_a_submission_is_found_by_its_submitter_and_key(store: MessageStore) -> None:
    first = submission(1, "key-1", ())
    await store.submit(first, [])
    assert await store.submission_by_key("evibel", "key-1") == first
    assert await store.submission_by_key("actio", "key-1") is None
    assert await store.submission_by_key("evibel", "key-2") is None


async def test_tokens_are_kept_by_digest_and_revoked(store: MessageStore) -> None:
    token, secret = new_token(name="evibel", roles=frozenset({Role.SUBMITTER}), now=T0)
    await store.add_token(token)
    assert secret not in repr(await store.tokens())
    found = await store.token_by_digest(digest_of(secret))
    assert found == token
    assert found is not None
    assert found.allows(Role.SUBMITTER)
    assert not found.allows(Role.OPERATOR)
    assert await store.revoke_token(token.token_id, at=T0 + timedelta(hours=1))
    revoked = await store.token_by_digest(digest_of(secret))
    assert revoked is not None
    assert revoked.revoked_at == T0 + timedelta(hours=1)
    assert not revoked.allows(Role.SUBMITTER)
    assert not await store.revoke_token("no-such-token", at=T0)
    assert [t.token_id for t in await store.tokens()] == [token.token_id]


async def test_every_change_is_in_the_audit_chain(store: MessageStore) -> None:
    await store.submit(submission(1, "key-1", (message(1).message_id,)), [message(1)])
    await store.claim(worker="w", now=T0, lease=LEASE, limit=1)
    await store.record(message(1).message_id, Event.ACKNOWLEDGE, at=T0, worker="w")
    await store.receive(inbound(1, message(1).message_id), effect=Event.ANSWER)
    entries = await store.audit_entries()
    kinds = [entry.kind for entry in entries]
    assert kinds[0] == "submission.accepted"
    assert kinds[1:6] == [
        "message.receive",
        "message.map",
        "message.validate",
        "message.sign",
        "message.queue",
    ]
    assert kinds[6:] == [
        "message.claim",
        "message.acknowledge",
        "inbound.received",
        "message.answer",
    ]
    assert [entry.seq for entry in entries] == list(range(1, 11))
    assert verify_chain(entries) is None
    assert [e.seq for e in await store.audit_entries(after=8, limit=1)] == [9]


async def test_find_pages_and_filters_by_time_and_the_oldest_waiting_is_known(
    store: MessageStore,
) -> None:
    await store.enqueue([message(1), message(2)], at=T0)
    await store.enqueue([message(3)], at=T0 + timedelta(hours=1))
    await store.enqueue([message(4, peer="NL:dublinet")], at=T0 + timedelta(hours=2))
    page1 = await store.find(MessageFilter(limit=2))
    page2 = await store.find(MessageFilter(limit=2, offset=2))
    assert [m.message_id for m in page1 + page2] == ids(
        [message(4), message(3), message(2), message(1)]
    )
    recent = await store.find(MessageFilter(since=T0 + timedelta(hours=1)))
    assert [m.message_id for m in recent] == ids([message(4), message(3)])
    await store.claim(worker="w", now=T0, lease=LEASE, limit=1)
    await store.record(message(1).message_id, Event.ACKNOWLEDGE, at=T0, worker="w")
    assert await store.oldest_waiting() == {
        "EU:eurodac": T0,  # message 2 still waits
        "NL:dublinet": T0 + timedelta(hours=2),
    }
