"""A DubliNet peer's answering policy, and the faults testers switch on."""

from __future__ import annotations

from collections import Counter

import pytest
from pki import GeneratedPki

from gateway.domain.dublin import ReplyOutcome
from gateway.errors import InputError, SecurityError
from gateway.messages import build_element, serialize
from gateway.messages.examples import example_messages
from gateway.security.verifier import Verifier
from gateway.validation import parse_xml
from simulators.common.faults import FaultBoard, Faults, SignatureFault, spoil_signature
from simulators.dublinet.policy import Action, Policy, decide


def _decide(policy: Policy, *, case: str = "BE-1", kind: int = 1, reexamination: bool = False,
            draw: float = 0.0) -> tuple[Action, ReplyOutcome | None, tuple[str, ...]]:  # fmt: skip
    decision = decide(
        policy,
        case=case,
        request_type=None if reexamination else kind,
        requesting_state="BE",
        reexamination=reexamination,
        draw=draw,
    )
    return decision.action, decision.outcome, decision.reasons


def test_without_rules_a_peer_accepts() -> None:
    assert _decide(Policy()) == (Action.ACCEPT, ReplyOutcome.ACCEPT, ())


def test_the_first_matching_rule_decides_per_case_then_per_type() -> None:
    policy = Policy.from_json(
        {
            "rules": [
                {"case": "BE-7", "action": "silent"},
                {"request_type": 2, "action": "reject", "reasons": ["not-responsible"]},
                {"action": "late", "case": "BE-8", "late_outcome": "accept"},
            ]
        }
    )
    assert _decide(policy, case="BE-7", kind=2) == (Action.SILENT, None, ())
    assert _decide(policy, case="BE-1", kind=2) == (
        Action.REJECT,
        ReplyOutcome.REJECT,
        ("not-responsible",),
    )
    assert _decide(policy, case="BE-8") == (Action.LATE, ReplyOutcome.ACCEPT, ())
    assert _decide(policy, case="BE-1", kind=1) == (Action.ACCEPT, ReplyOutcome.ACCEPT, ())


def test_weights_draw_the_action_in_proportion() -> None:
    policy = Policy.from_json({"weights": {"accept": 3, "reject": 1}})
    draws = [index / 100 for index in range(100)]
    counts = Counter(_decide(policy, draw=draw)[0] for draw in draws)
    assert counts == {Action.ACCEPT: 75, Action.REJECT: 25}


def test_a_reexamination_is_answered_by_its_own_action() -> None:
    policy = Policy.from_json({"reexamination": "accept", "default": "reject"})
    assert _decide(policy, reexamination=True)[0] is Action.ACCEPT
    assert _decide(policy)[0] is Action.REJECT


def test_a_policy_round_trips_through_json() -> None:
    data = {
        "rules": [{"case": "BE-7", "action": "silent"}],
        "weights": {"accept": 0.5, "reject": 0.5},
        "reexamination": "accept",
    }
    policy = Policy.from_json(data)
    assert Policy.from_json(policy.to_json()) == policy


@pytest.mark.parametrize(
    "bad",
    [[], {"rules": [{"action": "maybe"}]}, {"colour": "red"}, {"weights": {"accept": -1}}],
)
def test_a_bad_policy_is_refused_with_its_code(bad: object) -> None:
    with pytest.raises(InputError) as raised:
        Policy.from_json(bad)
    assert raised.value.code == "GW-SIM-POLICY"


def test_faults_from_json_and_back() -> None:
    faults = Faults.from_json({"drop": True, "delay_ms": 50, "ack_signature": "corrupt"})
    assert faults.drop
    assert faults.ack_signature is SignatureFault.CORRUPT
    assert Faults.from_json(faults.to_json()) == faults
    for bad in ({"explode": True}, {"drop": "yes"}, {"http_status": 200}, {"delay_ms": -1}):
        with pytest.raises(InputError) as raised:
            Faults.from_json(bad)
        assert raised.value.code == "GW-SIM-FAULT"


def test_the_board_falls_back_to_the_wildcard_and_forgets_cleared_faults() -> None:
    board = FaultBoard()
    board.set("*", Faults(drop=True))
    board.set("NL", Faults(delay_ms=10))
    assert board.of("FR") == Faults(drop=True)
    assert board.of("NL") == Faults(delay_ms=10)
    board.set("NL", Faults())
    assert "NL" not in board.snapshot()
    board.clear()
    assert board.of("FR") == Faults()


@pytest.mark.parametrize(
    ("fault", "code"),
    [(SignatureFault.CORRUPT, "GW-SIG-INVALID"), (SignatureFault.MISSING, "GW-SIG-MISSING")],
)
def test_a_spoiled_signature_fails_verification(
    pki: GeneratedPki, fault: SignatureFault, code: str
) -> None:
    message = next(iter(example_messages().values()))
    signed = serialize(pki.signer(pki.nl).sign(build_element(message), at=pki.now))
    verifier = Verifier(pki.trust)
    verifier.verify(
        parse_xml(spoil_signature(signed, SignatureFault.NONE)), expected=None, at=pki.now
    )
    with pytest.raises(SecurityError) as raised:
        verifier.verify(parse_xml(spoil_signature(signed, fault)), expected=None, at=pki.now)
    assert raised.value.code == code
