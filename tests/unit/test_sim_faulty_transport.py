"""The simulator's faults of the way out act at each delivery attempt, on what is sent only."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from pki import GeneratedPki

from gateway.errors import RemoteError, TransportError
from gateway.messages import build_element, serialize
from gateway.messages.examples import example_messages
from simulators.common.faults import FaultBoard, Faults, SignatureFault
from simulators.common.sending import FaultyTransport

ROUTE = "EU:eurodac->BE:gateway"


@dataclass
class Recording:
    """A transport that records what it is given and refuses what `refuse` says."""

    refuse: bool = False
    sent: list[bytes] = field(default_factory=list)
    closed: bool = False

    async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes:
        self.sent.append(body)
        if self.refuse:
            raise RemoteError("GW-RMT-REFUSED", f"{peer} refused the message, HTTP 403")
        return b"ack"

    async def close(self) -> None:
        self.closed = True


@pytest.fixture
def signed(pki: GeneratedPki) -> bytes:
    message = next(iter(example_messages().values()))
    return serialize(pki.signer(pki.eurodac).sign(build_element(message), at=pki.now))


async def test_a_spoiled_message_refused_is_tried_again_and_goes_through_as_signed_later(
    signed: bytes,
) -> None:
    board, inner = FaultBoard(), Recording(refuse=True)
    transport = FaultyTransport(inner, board)
    board.set("eurodac", Faults(reply_signature=SignatureFault.CORRUPT))
    with pytest.raises(TransportError) as raised:
        await transport.deliver(peer=ROUTE, message_id="m-1", body=signed)
    assert raised.value.code == "GW-SIM-SPOILED-REFUSED"
    assert inner.sent[0] != signed
    board.clear()
    inner.refuse = False
    assert await transport.deliver(peer=ROUTE, message_id="m-1", body=signed) == b"ack"
    assert inner.sent[1] == signed


async def test_a_refusal_of_an_intact_message_stays_final(signed: bytes) -> None:
    transport = FaultyTransport(Recording(refuse=True), FaultBoard())
    with pytest.raises(RemoteError):
        await transport.deliver(peer=ROUTE, message_id="m-1", body=signed)


async def test_the_reply_tls_fault_sends_through_the_wrong_certificate_routes(
    signed: bytes,
) -> None:
    board, inner, wrong = FaultBoard(), Recording(), Recording()
    transport = FaultyTransport(inner, board, wrong=wrong)
    board.set("eurodac", Faults(reply_tls=True))
    board.set("NL", Faults(drop=True))  # another endpoint's faults do not apply
    await transport.deliver(peer=ROUTE, message_id="m-1", body=signed)
    board.set("eurodac", Faults())
    await transport.deliver(peer=ROUTE, message_id="m-2", body=signed)
    assert (len(wrong.sent), len(inner.sent)) == (1, 1)
    await transport.close()
    assert (inner.closed, wrong.closed) == (True, True)


async def test_a_failed_second_delivery_of_a_duplicate_changes_nothing(signed: bytes) -> None:
    @dataclass
    class SecondRefused(Recording):
        async def deliver(self, *, peer: str, message_id: str, body: bytes) -> bytes:
            self.refuse = bool(self.sent)
            return await super().deliver(peer=peer, message_id=message_id, body=body)

    board, inner = FaultBoard(), SecondRefused()
    board.set("eurodac", Faults(duplicate=True))
    answer = await FaultyTransport(inner, board).deliver(peer=ROUTE, message_id="m", body=signed)
    assert answer == b"ack"
    assert inner.sent == [signed, signed]


def test_reply_tls_is_a_fault_of_the_control_api() -> None:
    assert Faults.from_json({"reply_tls": True}) == Faults(reply_tls=True)
    assert Faults(reply_tls=True).active
