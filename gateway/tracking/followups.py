"""Messages on a Dublin case besides its request and its reply: which side sends which, on
which case, and what each does to the case. One literal table.

A re-examination request comes from the requesting state after a negative reply; transfer
arrangements, pre-transfer information (type 6) and health certificates (type 7) from the
state that transfers the person, the requesting one; information requests (types 3 to 5)
from either side at any time while the case is open. Replies are not follow-ups: a reply
or re-examination reply moves its case through `reply_event`.

A follow-up arriving from a peer is matched to its case by its conversation; `check_arrival`
says why it does not fit (the code GW-CASE-UNMATCHED), and the gateway records it as
unmatched with that reason.
"""

from __future__ import annotations

from enum import StrEnum

from gateway.domain.dublin import ReplyOutcome
from gateway.errors import InputError
from gateway.tracking.cases import TERMINAL, CaseEvent, Direction, DublinCase, apply_event

__all__ = [
    "FOLLOW_UPS",
    "NOT_ON_CASE",
    "REFUSAL_REASONS",
    "UNMATCHED",
    "Sender",
    "check_arrival",
    "check_our_reply",
    "follow_up_event",
    "reply_event",
]

NOT_ON_CASE = "GW-CASE-MESSAGE"
REFUSAL_REASONS = "GW-CASE-REFUSAL-REASONS"
UNMATCHED = "GW-CASE-UNMATCHED"


class Sender(StrEnum):
    US = "us"
    THEM = "them"  # the other member state of the case


_OUT, _IN = Direction.OUTGOING, Direction.INCOMING
_REQUESTING = ((_OUT, Sender.US), (_IN, Sender.THEM))  # the requesting state sends
_EITHER = (*_REQUESTING, (_OUT, Sender.THEM), (_IN, Sender.US))

# (message type, the case's direction, who sends it) -> the event it brings (None: recorded
# on the case's history, its state stays).
# fmt: off
FOLLOW_UPS: dict[tuple[str, Direction, Sender], CaseEvent | None] = {
    **{("dublinet.reexamination-request", d, s): CaseEvent.REEXAMINATION_REQUEST
       for d, s in _REQUESTING},
    **{("dublinet.transfer-arrangement", d, s): CaseEvent.TRANSFER_PLANNED for d, s in _REQUESTING},
    **{("dublinet.pre-transfer-information", d, s): None for d, s in _REQUESTING},
    **{("dublinet.health-certificate", d, s): None for d, s in _REQUESTING},
    **{("dublinet.info-request", d, s): None for d, s in _EITHER},
    **{("dublinet.dependent-persons-request", d, s): None for d, s in _EITHER},
    **{("dublinet.minor-family-request", d, s): None for d, s in _EITHER},
}
# fmt: on


def follow_up_event(case: DublinCase, message_type: str, sender: Sender) -> CaseEvent | None:
    """The event `message_type` from `sender` brings to `case` now (None: it is recorded
    only), or an `InputError` (GW-CASE-MESSAGE, or GW-CASE-TRANSITION) saying why not."""
    key = (message_type, case.direction, sender)
    if key not in FOLLOW_UPS:
        who = "we" if sender is Sender.US else case.other_state
        raise InputError(
            NOT_ON_CASE,
            f"{message_type} is not something {who} send(s) on an {case.direction.value} "
            f"{case.kind.value} case",
            "type",
        )
    if case.state in TERMINAL:
        raise InputError(
            NOT_ON_CASE, f"case {case.case_id} is {case.state.value}: it takes no messages", "type"
        )
    event = FOLLOW_UPS[key]
    if event is not None:
        apply_event(case, event)  # refused when the case cannot take it now
    return event


def check_arrival(
    case: DublinCase | None,
    *,
    message_type: str,
    sender_state: str,
    reference: str,
    case_reference: str | None,
    addressed_to: str,
    own_state: str,
) -> CaseEvent | None:
    """The event a follow-up from a peer brings to the case its conversation names, or an
    `InputError` (GW-CASE-UNMATCHED) with the reason it fits no case."""
    if case is None or case_reference is None:
        raise InputError(
            UNMATCHED,
            f"{message_type} from {sender_state} follows no request of an open case "
            "(neither its correlation nor its conversation names one)",
        )
    if case.other_state != sender_state:
        raise InputError(
            UNMATCHED,
            f"{message_type} comes from {sender_state}, case {case.case_id} is with "
            f"{case.other_state}",
        )
    if addressed_to != own_state:
        raise InputError(UNMATCHED, f"{message_type} is addressed to {addressed_to}, not to us")
    if reference != case_reference:
        raise InputError(
            UNMATCHED,
            f"{message_type} names request {reference!r}, case {case.case_id} is "
            f"{case_reference!r}",
        )
    try:
        return follow_up_event(case, message_type, Sender.THEM)
    except InputError as error:
        raise InputError(UNMATCHED, error.message) from None


def reply_event(
    message_type: str, outcome: ReplyOutcome, *, answers_request: bool
) -> CaseEvent | None:
    """What a reply does to its case: a re-examination reply, or a reply to the case's own
    request, accepts or rejects; a reply to an information request moves nothing."""
    if message_type != "dublinet.reexamination-reply" and not answers_request:
        return None
    return CaseEvent.ACCEPTANCE if outcome is ReplyOutcome.ACCEPT else CaseEvent.REJECTION


def check_our_reply(
    outcome: ReplyOutcome, *, legal_basis: str | None, explanation: str | None
) -> None:
    """A refusal states the provisions it rests on and full and detailed reasons (Reg
    1560/2003 Art 5(1): "the negative reply ... shall state full and detailed reasons for
    its refusal"); an acceptance needs neither. Reason codes alone are not reasons."""
    if outcome is not ReplyOutcome.REJECT:
        return
    for value, path, what in (
        (legal_basis, "legal_basis", "the provisions of the Dublin Regulation it rests on"),
        (explanation, "explanation", "full and detailed reasons"),
    ):
        if not (value or "").strip():
            raise InputError(
                REFUSAL_REASONS,
                f"a refusal must state {what} (Reg 1560/2003 Art 5(1))",
                path,
            )
