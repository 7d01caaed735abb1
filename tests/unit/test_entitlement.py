"""The entitlement rule without I/O: who may acknowledge, answer, ask and follow up what."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from stored_cases import stored_case

from gateway.broker.records import StoredMessage
from gateway.broker.states import MessageState
from gateway.domain.dublin import DublinRegime, DublinReply, ReplyOutcome
from gateway.domain.eurodac import Regime
from gateway.domain.replies import Acknowledgement
from gateway.domain.requests import ReexaminationRequest, TransferArrangement
from gateway.messages import Content, DublinSubmission, Envelope, Message, MessageRegime, Party
from gateway.messages.examples import example_content
from gateway.pipeline.entitlement import CLOCK_SKEW, Facts, refusal
from gateway.tracking.cases import CaseState, Direction
from gateway.tracking.records import StoredCase

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
SENT = NOW - timedelta(hours=2)  # when our message was first sent
NL = Party(authority="NL", system="dublinet")
FR = Party(authority="FR", system="dublinet")
EURODAC = Party(authority="EU", system="eurodac")
US = Party(authority="BE", system="gateway")
OURS = uuid.uuid4()  # the id of our outbound message
MADE = "Envelope/CreatedAt"


def _message(
    content: Content,
    message_type: str,
    *,
    sender: Party = NL,
    regime: MessageRegime = DublinRegime.AMMR,
    correlation: uuid.UUID | None = None,
    created: datetime = NOW,
) -> Message:
    return Message(
        envelope=Envelope(
            message_id=uuid.uuid4(),
            conversation_id=uuid.uuid4(),
            sender=sender,
            recipient=US,
            created_at=created,
            regime=regime,
            message_type=message_type,
            correlation_id=correlation,
        ),
        content=content,
    )


def _sent_to(peer: str, *, first_sent: datetime | None = SENT) -> StoredMessage:
    return StoredMessage(
        message_id=str(OURS),
        peer=peer,
        message_type="dublinet.take-charge-request",
        conversation_id=str(uuid.uuid4()),
        correlation_id=None,
        order_key=None,
        submission_id=None,
        reference=None,
        state=MessageState.RETRY_WAIT,
        attempts=1 if first_sent else 0,
        created_at=SENT - timedelta(minutes=1),
        updated_at=SENT,
        first_attempt_at=first_sent,
        next_attempt_at=None,
        lease_owner=None,
        lease_until=None,
        last_error=None,
        body=b"sealed",
    )


def _case_with(state: str) -> StoredCase:
    return stored_case(
        "case-1",
        Direction.INCOMING,
        CaseState.REQUEST_RECEIVED,
        at=SENT,
        regime=DublinRegime.AMMR,
        other_state=state,
        reference=f"{state}-2026-1",
        submitter="dublin-unit",
        request_message_id=str(uuid.uuid4()),
    )


def _facts(answered: StoredMessage | None = None, case: StoredCase | None = None) -> Facts:
    return Facts(own_state="BE", answered=answered, case=case, now=NOW)


def _code(message: Message, facts: Facts) -> tuple[str, str] | None:
    error = refusal(message, facts)
    return None if error is None else (error.code, error.path or "")


def _ack(received: datetime = NOW, *, sender: Party = NL, created: datetime = NOW) -> Message:
    return _message(
        Acknowledgement(acknowledged_message_id=OURS, received_at=received),
        "dublinet.ack",
        sender=sender,
        correlation=OURS,
        created=created,
    )


def _reply(replying: str = "NL", *, sender: Party = NL) -> Message:
    content = DublinReply(
        request_reference="BE-1", replying_state=replying, outcome=ReplyOutcome.ACCEPT
    )
    return _message(content, "dublinet.reply", sender=sender, correlation=OURS)


def test_an_acknowledgement_from_the_party_our_message_went_to_is_its_to_send() -> None:
    assert _code(_ack(), _facts(_sent_to("NL:dublinet"))) is None


def test_another_party_cannot_acknowledge_or_answer_our_message() -> None:
    facts = _facts(_sent_to("FR:dublinet"))
    assert _code(_ack(), facts) == ("GW-IN-NOT-YOUR-MESSAGE", "AcknowledgedMessageId")
    assert _code(_reply(), facts) == ("GW-IN-NOT-YOUR-MESSAGE", "Envelope/CorrelationId")


def test_an_acknowledgement_names_what_it_correlates_with() -> None:
    ack = _ack()
    other = dataclasses.replace(ack.envelope, correlation_id=uuid.uuid4())
    forged = dataclasses.replace(ack, envelope=other)
    assert _code(forged, _facts(_sent_to("NL:dublinet"))) == (
        "GW-IN-NOT-YOUR-MESSAGE",
        "Envelope/CorrelationId",
    )


@pytest.mark.parametrize(
    ("message_type", "sender"),
    [
        ("eurodac.hit", NL),
        ("eurodac.no-hit", Party(authority="EU", system="dublinet")),
        ("eurodac.ack", Party(authority="NL", system="eurodac")),
        ("dublinet.reply", EURODAC),
        ("dublinet.reply", Party(authority="BE", system="dublinet")),
        ("dublinet.reply", Party(authority="NL", system="gateway")),
    ],
)
def test_eurodac_from_the_central_system_dublinet_from_another_state(
    message_type: str, sender: Party
) -> None:
    regime: MessageRegime = (
        Regime.EURODAC_2024 if message_type.startswith("eurodac") else DublinRegime.AMMR
    )
    content = example_content(message_type, regime)
    message = _message(content, message_type, sender=sender, regime=regime)
    assert _code(message, _facts()) == ("GW-IN-WRONG-SYSTEM", "Envelope/Sender")


def test_the_central_system_answers_our_eurodac_message() -> None:
    content = example_content("eurodac.no-hit", Regime.EURODAC_2024)
    message = _message(
        content, "eurodac.no-hit", sender=EURODAC, regime=Regime.EURODAC_2024, correlation=OURS
    )
    assert _code(message, _facts(_sent_to("EU:eurodac"))) is None
    assert _code(message, _facts(_sent_to("NL:dublinet")))[0] == "GW-IN-NOT-YOUR-MESSAGE"  # type: ignore[index]


def _request(requesting: str, requested: str) -> Message:
    example = example_content("dublinet.take-charge-request", DublinRegime.AMMR)
    assert isinstance(example, DublinSubmission)
    request = dataclasses.replace(
        example.request, requesting_state=requesting, requested_state=requested
    )
    return _message(dataclasses.replace(example, request=request), "dublinet.take-charge-request")


def test_what_a_dublinet_message_says_of_its_parties_agrees_with_its_envelope() -> None:
    assert _code(_request("NL", "BE"), _facts()) is None
    assert _code(_request("FR", "BE"), _facts()) == (
        "GW-IN-WRONG-STATE",
        "DublinReference/SenderState",
    )
    assert _code(_request("NL", "DE"), _facts()) == ("GW-IN-NOT-FOR-US", "RequestedState")
    assert _code(_reply("FR"), _facts()) == ("GW-IN-WRONG-STATE", "ReplyingState")
    reexamination = ReexaminationRequest(
        request_reference="NL-1", requesting_state="NL", requested_state="FR", reasons="x"
    )
    message = _message(reexamination, "dublinet.reexamination-request")
    assert _code(message, _facts()) == ("GW-IN-NOT-FOR-US", "RequestedState")
    transfer = example_content("dublinet.transfer-arrangement", DublinRegime.AMMR)
    assert isinstance(transfer, TransferArrangement)
    message = _message(
        dataclasses.replace(transfer, transferring_state="FR", receiving_state="BE"),
        "dublinet.transfer-arrangement",
    )
    assert _code(message, _facts()) == ("GW-IN-WRONG-STATE", "TransferringState")


def test_a_case_takes_messages_from_its_other_state_only() -> None:
    reexamination = ReexaminationRequest(
        request_reference="FR-2026-1", requesting_state="NL", requested_state="BE", reasons="x"
    )
    message = _message(reexamination, "dublinet.reexamination-request")
    assert _code(message, _facts(case=_case_with("NL"))) is None
    assert _code(message, _facts(case=_case_with("FR"))) == (
        "GW-IN-NOT-YOUR-CASE",
        "Envelope/ConversationId",
    )


@pytest.mark.parametrize(
    ("received", "created", "code_path"),
    [
        (SENT + timedelta(minutes=1), NOW, None),
        (SENT - CLOCK_SKEW + timedelta(seconds=1), NOW, None),  # their clock a little behind
        (SENT - timedelta(days=120), NOW, ("GW-IN-TIME", "ReceivedAt")),
        (NOW + timedelta(minutes=6), NOW, ("GW-IN-TIME", "ReceivedAt")),  # after the ack
        (
            SENT + timedelta(minutes=1),
            NOW + timedelta(hours=1),
            ("GW-IN-TIME", "Envelope/CreatedAt"),
        ),
        (
            SENT - timedelta(hours=1),
            SENT - timedelta(hours=1),
            ("GW-IN-TIME", "Envelope/CreatedAt"),
        ),
    ],
)
def test_an_acknowledgement_times_the_receipt_between_our_send_and_itself(
    received: datetime, created: datetime, code_path: tuple[str, str] | None
) -> None:
    facts = _facts(_sent_to("NL:dublinet"))
    assert _code(_ack(received, created=created), facts) == code_path


def test_nothing_acknowledges_a_message_never_sent() -> None:
    facts = _facts(_sent_to("NL:dublinet", first_sent=None))
    assert _code(_ack(), facts) == ("GW-IN-TIME", "Envelope/CorrelationId")


def test_an_answer_to_a_message_we_do_not_have_is_left_to_tracking() -> None:
    """No stored message to protect: tracking records such an answer as unmatched."""
    assert _code(_reply(), _facts()) is None
