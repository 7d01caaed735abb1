"""The Dublin case state machine: the table, and nothing but the table."""

from __future__ import annotations

import itertools

import pytest

from gateway.domain.dublin import DublinRegime
from gateway.errors import InputError
from gateway.tracking.cases import (
    RUNNING_STEP,
    TERMINAL,
    TRANSITIONS,
    CaseEvent,
    CaseKind,
    CaseState,
    Direction,
    DublinCase,
    apply_event,
    open_case,
    running_step,
)
from gateway.tracking.rules import Step, steps_of

S, V = CaseState, CaseEvent


def case_in(state: CaseState, *, kind: CaseKind = CaseKind.TAKE_CHARGE) -> DublinCase:
    return DublinCase(
        case_id="C-1",
        direction=Direction.OUTGOING,
        kind=kind,
        regime=DublinRegime.DUBLIN3,
        other_state="NL",
        state=state,
    )


def test_cases_open_in_their_direction() -> None:
    def opened(direction: Direction) -> CaseState:
        return open_case(
            case_id="C-1", direction=direction, kind=CaseKind.TAKE_BACK,
            regime=DublinRegime.AMMR, other_state="FR",
        ).state  # fmt: skip

    assert opened(Direction.OUTGOING) is S.REQUEST_SENT
    assert opened(Direction.INCOMING) is S.REQUEST_RECEIVED


@pytest.mark.parametrize(("state", "event"), sorted(TRANSITIONS))
def test_every_listed_transition(state: CaseState, event: CaseEvent) -> None:
    moved = apply_event(case_in(state), event)
    assert moved.state is TRANSITIONS[(state, event)]
    assert moved.history == ((event, moved.state),)


UNLISTED = sorted(set(itertools.product(CaseState, CaseEvent)) - TRANSITIONS.keys())


@pytest.mark.parametrize(("state", "event"), UNLISTED)
def test_every_other_transition_is_refused(state: CaseState, event: CaseEvent) -> None:
    with pytest.raises(InputError) as raised:
        apply_event(case_in(state), event)
    assert raised.value.code == "GW-CASE-TRANSITION"
    assert state.value in raised.value.message


def test_some_moves_the_law_forbids_are_unlisted() -> None:
    # No tacit acceptance before receipt is proven: the clock starts with the acknowledgement.
    assert (S.REQUEST_SENT, V.REPLY_DEADLINE_PASSED) in UNLISTED
    # Re-examination is asked once, after a rejection only.
    assert (S.ACCEPTED, V.REEXAMINATION_REQUEST) in UNLISTED
    assert (S.REEXAMINATION_REQUESTED, V.REEXAMINATION_REQUEST) in UNLISTED
    # A transfer follows an acceptance.
    assert (S.REJECTED, V.TRANSFER_PLANNED) in UNLISTED
    assert (S.ACKNOWLEDGED, V.TRANSFER_DONE) in UNLISTED


def test_terminal_states_have_no_way_out() -> None:
    assert {state for state, _ in TRANSITIONS}.isdisjoint(TERMINAL)


def test_every_state_is_reachable() -> None:
    reached = {S.REQUEST_SENT, S.REQUEST_RECEIVED}
    while True:
        more = {target for (state, _), target in TRANSITIONS.items() if state in reached}
        if more <= reached:
            break
        reached |= more
    assert reached == set(CaseState)


def test_a_silent_peer_then_a_missed_transfer() -> None:
    case = open_case(
        case_id="C-7", direction=Direction.OUTGOING, kind=CaseKind.TAKE_CHARGE,
        regime=DublinRegime.DUBLIN3, other_state="DE",
    )  # fmt: skip
    for event in (V.ACKNOWLEDGEMENT, V.REPLY_DEADLINE_PASSED, V.TRANSFER_PLANNED,
                  V.TRANSFER_DEADLINE_PASSED):  # fmt: skip
        case = apply_event(case, event)
    assert case.state is S.RESPONSIBILITY_SHIFTED
    assert [state for _, state in case.history] == [
        S.ACKNOWLEDGED, S.TACITLY_ACCEPTED, S.TRANSFER_PLANNED, S.RESPONSIBILITY_SHIFTED,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "regime", "step"),
    [
        (CaseKind.TAKE_CHARGE, DublinRegime.DUBLIN3, Step.TAKE_CHARGE_REPLY),
        (CaseKind.TAKE_BACK, DublinRegime.DUBLIN3, Step.TAKE_BACK_REPLY),
        (CaseKind.TAKE_CHARGE, DublinRegime.AMMR, Step.TAKE_CHARGE_REPLY),
        (CaseKind.TAKE_BACK, DublinRegime.AMMR, Step.TAKE_BACK_CONFIRMATION),
    ],
)
def test_the_reply_clock_runs_once_receipt_is_proven(
    kind: CaseKind, regime: DublinRegime, step: Step
) -> None:
    for state in (S.ACKNOWLEDGED, S.REQUEST_RECEIVED):
        case = DublinCase(
            case_id="C-1", direction=Direction.OUTGOING, kind=kind, regime=regime,
            other_state="NL", state=state,
        )  # fmt: skip
        assert running_step(case) is step
    assert running_step(case_in(S.REQUEST_SENT, kind=kind)) is None


def test_running_steps_exist_in_their_regime() -> None:
    for (state, _, regime), step in RUNNING_STEP.items():
        assert step in steps_of(regime), (state, regime, step)
        assert state not in TERMINAL
