"""The outbox: where signed messages wait, sealed, until a worker sends them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from gateway.broker.records import NewMessage, StoredMessage, Submission
from gateway.broker.sealing import BodyCipher
from gateway.errors import GatewayError
from gateway.ports import Clock, MessageStore

__all__ = ["Outbox"]


class Outbox:
    """Seals bodies on the way into the store and opens them on the way out."""

    def __init__(self, store: MessageStore, cipher: BodyCipher, clock: Clock) -> None:
        self.store = store
        self.cipher = cipher
        self.clock = clock

    async def put(self, messages: Sequence[NewMessage], *, at: datetime | None = None) -> list[str]:
        """Queue signed messages in one transaction; returns the ids that were new."""
        return await self.store.enqueue(self._sealed(messages), at=at or self.clock.now())

    async def submit(self, submission: Submission, messages: Sequence[NewMessage]) -> Submission:
        """Record a submission and queue its messages together (see `MessageStore.submit`)."""
        return await self.store.submit(submission, self._sealed(messages))

    def _sealed(self, messages: Sequence[NewMessage]) -> list[NewMessage]:
        return [
            replace(message, body=self.cipher.seal(message.body, message_id=message.message_id))
            for message in messages
        ]

    def body_of(self, message: StoredMessage) -> bytes:
        """The signed XML of a stored message (purged bodies cannot be sent again)."""
        if message.body is None:
            raise GatewayError(
                "GW-BRK-PURGED",
                f"the body of message {message.message_id} was erased after its retention period",
                "body",
            )
        return self.cipher.open(message.body, message_id=message.message_id)
