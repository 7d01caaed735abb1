"""The read-only queries of the console and the API, the same on every message store: messages
by type, time range and the message they answer, inbound messages by sender, type,
conversation, correlation and time, audit entries by kind, actor, subject and time (newest
first, paged), and token changes naming who made them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from test_message_store import LEASE, T0, ids, inbound, message

from gateway.broker.access import Role, new_token
from gateway.broker.states import Event
from gateway.ports import AuditFilter, InboundFilter, MessageFilter, MessageStore


async def test_messages_are_found_by_type_and_before_a_time(store: MessageStore) -> None:
    await store.enqueue([message(1)], at=T0)
    await store.enqueue([message(2, message_type="eurodac.search")], at=T0 + timedelta(hours=1))
    await store.enqueue([message(3)], at=T0 + timedelta(hours=2))
    searches = await store.find(MessageFilter(message_type="eurodac.search"))
    assert [m.message_id for m in searches] == ids([message(2)])
    before = await store.find(MessageFilter(until=T0 + timedelta(hours=2)))
    assert [m.message_id for m in before] == ids([message(2), message(1)])
    window = await store.find(
        MessageFilter(since=T0 + timedelta(minutes=30), until=T0 + timedelta(hours=2))
    )
    assert [m.message_id for m in window] == ids([message(2)])


async def test_messages_are_found_by_the_message_they_answer(store: MessageStore) -> None:
    answer = message(2, correlation_id="their-request-1")
    await store.enqueue([message(1), answer, message(3, correlation_id="other")], at=T0)
    found = await store.find(MessageFilter(correlation_id="their-request-1"))
    assert [m.message_id for m in found] == ids([answer])
    assert await store.find(MessageFilter(correlation_id="nobody")) == []


async def test_inbound_messages_are_listed_latest_first_and_filtered(store: MessageStore) -> None:
    first = message(1)
    await store.enqueue([first], at=T0)
    await store.claim(worker="w", now=T0, lease=LEASE, limit=1)
    early = inbound(1, first.message_id)
    late = replace(
        inbound(2, None),
        peer="NL:dublinet",
        message_type="dublinet.take-charge-request",
        conversation_id="conversation-2",
        received_at=T0 + timedelta(hours=1),
    )
    await store.receive(early, effect=Event.ACKNOWLEDGE)
    await store.receive(late, effect=Event.ANSWER)
    every = await store.find_inbound(InboundFilter())
    assert [m.message_id for m in every] == ["in-2", "in-1"]
    assert every[1].body == early.body
    found = {
        "peer": await store.find_inbound(InboundFilter(peer="NL:dublinet")),
        "type": await store.find_inbound(InboundFilter(message_type="eurodac.hit")),
        "conversation": await store.find_inbound(InboundFilter(conversation_id="conversation-2")),
        "answers": await store.find_inbound(InboundFilter(correlation_ids=(first.message_id,))),
        "answers none": await store.find_inbound(InboundFilter(correlation_ids=())),
        "since": await store.find_inbound(InboundFilter(since=T0 + timedelta(hours=1))),
        "until": await store.find_inbound(InboundFilter(until=T0 + timedelta(hours=1))),
        "page 2": await store.find_inbound(InboundFilter(limit=1, offset=1)),
    }
    assert {name: [m.message_id for m in kept] for name, kept in found.items()} == {
        "peer": ["in-2"],
        "type": ["in-1"],
        "conversation": ["in-2"],
        "answers": ["in-1"],
        "answers none": [],
        "since": ["in-2"],
        "until": ["in-1"],
        "page 2": ["in-1"],
    }


async def test_audit_entries_are_found_newest_first_by_kind_actor_subject_and_time(
    store: MessageStore,
) -> None:
    first = message(1)
    await store.enqueue([first], at=T0)
    await store.claim(worker="w", now=T0 + timedelta(hours=1), lease=LEASE, limit=1)
    await store.record(first.message_id, Event.GIVE_UP, at=T0 + timedelta(hours=1), worker="w")
    await store.record(first.message_id, Event.RELEASE, at=T0 + timedelta(hours=2), actor="ann")
    every = await store.find_audit(AuditFilter())
    assert [entry.seq for entry in every] == sorted((e.seq for e in every), reverse=True)
    assert every[0].kind == "message.release"
    by_kind = await store.find_audit(AuditFilter(kind="message.give_up"))
    assert [entry.kind for entry in by_kind] == ["message.give_up"]
    under = await store.find_audit(AuditFilter(kind="message."))
    assert len(under) == len(every)
    assert await store.find_audit(AuditFilter(kind="message")) == []  # no prefix without a dot
    assert await store.find_audit(AuditFilter(kind="m%.")) == []  # LIKE wildcards are text
    assert [e.kind for e in await store.find_audit(AuditFilter(actor="ann"))] == ["message.release"]
    assert len(await store.find_audit(AuditFilter(subject=first.message_id))) == len(every)
    assert await store.find_audit(AuditFilter(subject="nothing")) == []
    late = await store.find_audit(AuditFilter(since=T0 + timedelta(hours=1)))
    assert [e.kind for e in late] == ["message.release", "message.give_up", "message.claim"]
    early = await store.find_audit(AuditFilter(until=T0 + timedelta(hours=1)))
    assert {e.kind for e in early} == {
        "message.receive", "message.map", "message.validate", "message.sign", "message.queue",
    }  # fmt: skip
    page = await store.find_audit(AuditFilter(limit=2))
    following = await store.find_audit(AuditFilter(limit=2, before=page[-1].seq))
    assert [e.seq for e in page + following] == [e.seq for e in every[:4]]


async def test_a_token_change_names_who_made_it(store: MessageStore) -> None:
    token, _ = new_token(name="evibel", roles=frozenset({Role.SUBMITTER}), now=T0)
    await store.add_token(token, actor="root-anne")
    assert await store.revoke_token(token.token_id, at=T0, actor="root-bob")
    cli, _ = new_token(name="actio", roles=frozenset({Role.SUBMITTER}), now=T0)
    await store.add_token(cli)  # the command line: "admin"
    entries = await store.find_audit(AuditFilter(kind="token."))
    assert [(e.kind, e.subject, e.actor) for e in entries] == [
        ("token.created", cli.token_id, "admin"),
        ("token.revoked", token.token_id, "root-bob"),
        ("token.created", token.token_id, "root-anne"),
    ]
