"""Messages on a Dublin case besides its request and reply: who sends which, on which case,
and what each does (`gateway.tracking.followups`), and how the API reads one."""

from __future__ import annotations

from datetime import date

import pytest

from gateway.adapters.web.case_messages import follow_up_of
from gateway.domain.dublin import DublinRegime, ReplyOutcome
from gateway.domain.requests import TransferMode
from gateway.errors import InputError
from gateway.tracking.cases import (
    TRANSITIONS,
    CaseEvent,
    CaseKind,
    CaseState,
    Direction,
    DublinCase,
)
from gateway.tracking.followups import (
    FOLLOW_UPS,
    Sender,
    check_arrival,
    follow_up_event,
    reply_event,
)

S = CaseState


def _case(state: CaseState, direction: Direction = Direction.INCOMING) -> DublinCase:
    return DublinCase(
        case_id="c-1",
        direction=direction,
        kind=CaseKind.TAKE_CHARGE,
        regime=DublinRegime.AMMR,
        other_state="NL",
        state=state,
    )


def _state_taking(event: CaseEvent | None) -> CaseState:
    """A state in which the event can happen (any open one for a message that moves nothing)."""
    if event is None:
        return S.ACCEPTED
    return next(state for state, happening in TRANSITIONS if happening is event)


@pytest.mark.parametrize(("row", "event"), sorted(FOLLOW_UPS.items()))
def test_every_listed_follow_up_brings_its_event(
    row: tuple[str, Direction, Sender], event: CaseEvent | None
) -> None:
    message_type, direction, sender = row
    case = _case(_state_taking(event), direction)
    assert follow_up_event(case, message_type, sender) is event


def test_only_the_requesting_state_asks_again_or_arranges_the_transfer() -> None:
    for message_type in ("dublinet.reexamination-request", "dublinet.transfer-arrangement"):
        for direction, sender in (
            (Direction.INCOMING, Sender.US),
            (Direction.OUTGOING, Sender.THEM),
        ):
            with pytest.raises(InputError) as refused:
                follow_up_event(_case(S.REJECTED, direction), message_type, sender)
            assert refused.value.code == "GW-CASE-MESSAGE"


def test_a_closed_case_takes_no_message_and_an_event_must_fit_the_state() -> None:
    with pytest.raises(InputError) as closed:
        follow_up_event(_case(S.TRANSFERRED), "dublinet.info-request", Sender.THEM)
    assert closed.value.code == "GW-CASE-MESSAGE"
    with pytest.raises(InputError) as early:
        follow_up_event(
            _case(S.ACKNOWLEDGED, Direction.OUTGOING), "dublinet.reexamination-request", Sender.US
        )
    assert early.value.code == "GW-CASE-TRANSITION"


def _arrival(case: DublinCase | None, **changes: str) -> CaseEvent | None:
    facts = {
        "message_type": "dublinet.transfer-arrangement",
        "sender_state": "NL",
        "reference": "NL-1",
        "case_reference": "NL-1",
        "addressed_to": "BE",
        "own_state": "BE",
    } | changes
    return check_arrival(case, **facts)


def test_a_peers_follow_up_fits_its_case_or_is_unmatched_with_the_reason() -> None:
    assert _arrival(_case(S.ACCEPTED)) is CaseEvent.TRANSFER_PLANNED
    reasons = {
        "no case": (None, {}),
        "another state's case": (_case(S.ACCEPTED), {"sender_state": "FR"}),
        "not for us": (_case(S.ACCEPTED), {"addressed_to": "DE"}),
        "another request": (_case(S.ACCEPTED), {"reference": "NL-2"}),
        "not accepted yet": (_case(S.REQUEST_RECEIVED), {}),
    }
    for name, (case, changes) in reasons.items():
        with pytest.raises(InputError) as unmatched:
            _arrival(case, **changes)
        assert unmatched.value.code == "GW-CASE-UNMATCHED", name


def test_a_reply_moves_its_case_only_when_it_answers_the_request_or_a_reexamination() -> None:
    accept, reject = ReplyOutcome.ACCEPT, ReplyOutcome.REJECT
    assert reply_event("dublinet.reply", accept, answers_request=True) is CaseEvent.ACCEPTANCE
    assert reply_event("dublinet.reply", reject, answers_request=True) is CaseEvent.REJECTION
    assert reply_event("dublinet.reexamination-reply", accept, answers_request=False) is (
        CaseEvent.ACCEPTANCE
    )
    assert reply_event("dublinet.reply", accept, answers_request=False) is None


def test_the_api_reads_a_follow_up_or_names_every_problem() -> None:
    transfer = follow_up_of(
        {"type": "transfer-arrangement", "transfer_date": "2027-01-05", "arrival_place": "Schiphol",
         "mode": "escorted", "escorts": 2}
    )  # fmt: skip
    assert (transfer.message_type, transfer.transfer_date, transfer.mode, transfer.escorts) == (
        "dublinet.transfer-arrangement",
        date(2027, 1, 5),
        TransferMode.ESCORTED,
        2,
    )
    assert follow_up_of({"type": "health-certificate", "legal_basis": " Art 32 "}).legal_basis == (
        "Art 32"
    )
    with pytest.raises(InputError) as bad:
        follow_up_of(
            {"type": "transfer-arrangement", "transfer_date": "soon", "mode": "by-balloon",
             "escorts": -1, "remarks": 3, "reasons": "x"}
        )  # fmt: skip
    assert sorted(problem.path for problem in bad.value.problems) == [
        "arrival_place",
        "escorts",
        "mode",
        "reasons",
        "remarks",
        "transfer_date",
    ]
    assert {problem.code for problem in bad.value.problems} == {"GW-CASE-MESSAGE"}
    with pytest.raises(InputError) as unknown:
        follow_up_of({"type": "reply"})
    assert unknown.value.path == "type"
