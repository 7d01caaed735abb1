"""The head of the audit trail, which checkpoints sign: the same from every message store."""

from __future__ import annotations

from stores import StoreFactory
from test_message_store import T0, message

from gateway.broker.checkpoints import Checkpoint, Occasion, check_trail
from gateway.ports import MessageStore


async def test_the_head_is_the_last_entry_of_the_trail(store: MessageStore) -> None:
    assert await store.audit_head() is None
    await store.enqueue([message(1), message(2)], at=T0)
    entries = await store.audit_entries()
    head = await store.audit_head()
    assert head is not None
    assert len(entries) > 1
    assert head == entries[-1]


async def test_another_process_sees_the_head_and_a_checkpoint_of_it_agrees(
    stores: StoreFactory,
) -> None:
    writer, reader = await stores.open(), await stores.open()
    await writer.enqueue([message(1)], at=T0)
    head = await reader.audit_head()
    assert head is not None
    checkpoint = Checkpoint(
        seq=head.seq, hash=head.hash, at=T0, gateway="BE:gateway", occasion=Occasion.DEMAND
    )
    await writer.enqueue([message(2)], at=T0)
    report = check_trail(await reader.audit_entries(), [checkpoint])
    assert report.intact
    assert report.vouched == checkpoint
    later = await reader.audit_head()
    assert later is not None
    assert later.seq > head.seq
