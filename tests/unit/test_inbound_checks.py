"""What the gateway refuses in a signed message from a peer before acting on it."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway.app import cpu_tools
from gateway.broker.outbox import Outbox
from gateway.broker.records import NewMessage
from gateway.broker.sealing import BodyCipher
from gateway.domain.eurodac import Regime
from gateway.domain.replies import Acknowledgement
from gateway.errors import GatewayError
from gateway.messages import Message, Party, new_envelope
from gateway.pipeline.cpu_work import CpuTools
from gateway.pipeline.inbound import Inbound, verified_message
from gateway.pipeline.wire import Wire
from gateway.security.demo import write_demo_pki
from gateway.security.identity import PeerId
from gateway.security.signer import Signer, SigningKey
from gateway.settings import Settings
from gateway.testing import FixedClock, InMemoryStore

EURODAC = PeerId(party="EU", system="eurodac")
NOW = datetime.now(tz=UTC)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pki")
    write_demo_pki(directory)
    return directory


@pytest.fixture(scope="module")
def tools(pki: Path) -> CpuTools:
    return cpu_tools(Settings(data_dir=pki))


def _signed_by_eurodac(
    pki: Path, *, sender: Party | None = None, recipient: Party | None = None
) -> bytes:
    """An acknowledgement signed with the Central System's key, with the envelope given."""
    folder = pki / "peers" / "eu-eurodac"
    key = SigningKey.from_pem(
        str(EURODAC),
        (folder / "signing.key.pem").read_bytes(),
        (folder / "signing.cert.pem").read_bytes(),
    )
    acknowledged = uuid.uuid4()
    message = Message(
        envelope=new_envelope(
            message_type="eurodac.ack",
            regime=Regime.EURODAC_2024,
            sender=sender or Party(authority="EU", system="eurodac"),
            recipient=recipient or Party(authority="BE", system="gateway"),
            now=NOW,
            correlation_id=acknowledged,
            conversation_id=acknowledged,
        ),
        content=Acknowledgement(acknowledged_message_id=acknowledged, received_at=NOW),
    )
    wire = Wire(member_state="BE", signer=Signer([key], active=str(EURODAC)))
    return wire.signed(message)


def test_a_well_formed_acknowledgement_is_read(pki: Path, tools: CpuTools) -> None:
    message = verified_message(tools, _signed_by_eurodac(pki), EURODAC, NOW)
    assert isinstance(message.content, Acknowledgement)


def test_a_message_made_too_long_ago_is_refused_as_stale(pki: Path, tools: CpuTools) -> None:
    with pytest.raises(GatewayError) as refused:
        verified_message(tools, _signed_by_eurodac(pki), EURODAC, NOW + timedelta(days=2))
    assert (refused.value.code, refused.value.path) == ("GW-IN-STALE", "Envelope/CreatedAt")


def test_an_envelope_naming_another_sender_than_the_signer_is_refused(
    pki: Path, tools: CpuTools
) -> None:
    body = _signed_by_eurodac(pki, sender=Party(authority="NL", system="dublinet"))
    with pytest.raises(GatewayError) as refused:
        verified_message(tools, body, EURODAC, NOW)
    assert (refused.value.code, refused.value.path) == ("GW-IN-WRONG-SENDER", "Envelope/Sender")


def test_a_message_for_another_recipient_is_refused(pki: Path, tools: CpuTools) -> None:
    body = _signed_by_eurodac(pki, recipient=Party(authority="NL", system="gateway"))
    with pytest.raises(GatewayError) as refused:
        verified_message(tools, body, EURODAC, NOW)
    assert (refused.value.code, refused.value.path) == ("GW-IN-NOT-FOR-US", "Envelope/Recipient")


async def test_an_answer_that_is_not_the_acknowledgement_of_the_message_sent_is_refused(
    pki: Path, tools: CpuTools
) -> None:
    clock = FixedClock(NOW)
    outbox = Outbox(InMemoryStore(), BodyCipher.generate(), clock)
    await outbox.put(
        [
            NewMessage(
                message_id=str(uuid.uuid4()),
                peer=str(EURODAC),
                message_type="eurodac.enrolment",
                conversation_id=str(uuid.uuid4()),
                body=b"<enrolment/>",
            )
        ]
    )
    [sent] = await outbox.store.claim(
        worker="w", now=NOW, lease=timedelta(minutes=1), limit=1, peer=str(EURODAC)
    )
    with ThreadPoolExecutor(1) as executor:
        inbound = Inbound(
            outbox=outbox,
            wire=tools.wire,
            verifier=tools.need_verifier(),
            clock=clock,
            executor=executor,
            limits=tools.limits,
        )
        with pytest.raises(GatewayError) as refused:  # it acknowledges another message
            await inbound.check_acknowledgement(sent, _signed_by_eurodac(pki))
    assert refused.value.code == "GW-IN-NOT-AN-ACK"
