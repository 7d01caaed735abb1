"""The broker's pure decisions: transitions, retries, circuit breaker, sealing."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.broker.breaker import BreakerPolicy, Circuit, CircuitState
from gateway.broker.retry import GiveUp, Retry, RetryPolicy, decide
from gateway.broker.sealing import BodyCipher, parse_key_ring
from gateway.broker.states import (
    TRANSITIONS,
    Event,
    IllegalTransitionError,
    MessageState,
    next_state,
)
from gateway.errors import ConfigError, SecurityError

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def test_the_happy_path_follows_the_design() -> None:
    path = [Event.MAP, Event.VALIDATE, Event.SIGN, Event.QUEUE, Event.CLAIM, Event.ACKNOWLEDGE]
    state = MessageState.RECEIVED
    seen = [state]
    for event in [*path, Event.ANSWER]:
        state = next_state(state, event)
        seen.append(state)
    assert [s.value for s in seen] == [
        "received", "mapped", "validated", "signed", "queued", "sending", "acknowledged",
        "answered",
    ]  # fmt: skip


@pytest.mark.parametrize("state", list(MessageState))
@pytest.mark.parametrize("event", list(Event))
def test_every_pair_outside_the_table_is_refused(state: MessageState, event: Event) -> None:
    if (state, event) in TRANSITIONS:
        assert next_state(state, event) is TRANSITIONS[state, event]
    else:
        with pytest.raises(IllegalTransitionError) as raised:
            next_state(state, event)
        assert raised.value.code == "GW-BRK-TRANSITION"


def test_final_states_cannot_be_sent_again() -> None:
    for state in (MessageState.REJECTED, MessageState.CANCELLED):
        assert not [event for (source, event) in TRANSITIONS if source is state]


@given(
    attempts=st.integers(min_value=1, max_value=11),
    fraction=st.floats(min_value=0, max_value=0.999999),
)
def test_retry_delay_stays_under_the_exponential_ceiling(attempts: int, fraction: float) -> None:
    policy = RetryPolicy(
        base=timedelta(seconds=2), cap=timedelta(minutes=10), max_age=timedelta(days=9)
    )
    decision = decide(
        policy, attempts=attempts, first_attempt_at=T0, now=T0, random=lambda: fraction
    )
    assert isinstance(decision, Retry)
    ceiling = min(policy.cap, policy.base * 2 ** (attempts - 1))
    assert timedelta(0) <= decision.delay <= ceiling
    assert decision.at == T0 + decision.delay


def test_full_jitter_uses_the_whole_range() -> None:
    policy = RetryPolicy(base=timedelta(seconds=1), cap=timedelta(seconds=60))
    low = decide(policy, attempts=3, first_attempt_at=T0, now=T0, random=lambda: 0.0)
    high = decide(policy, attempts=3, first_attempt_at=T0, now=T0, random=lambda: 0.999)
    assert isinstance(low, Retry)
    assert isinstance(high, Retry)
    assert low.delay == timedelta(0)
    assert high.delay == timedelta(seconds=4) * 0.999


def test_retries_give_up_after_the_maximum_attempts_or_age() -> None:
    policy = RetryPolicy(max_attempts=3, max_age=timedelta(hours=1))
    exhausted = decide(policy, attempts=3, first_attempt_at=T0, now=T0, random=lambda: 0.5)
    assert isinstance(exhausted, GiveUp)
    assert "3 attempts" in exhausted.reason
    too_old = decide(
        policy, attempts=1, first_attempt_at=T0, now=T0 + timedelta(hours=1), random=lambda: 0.5
    )
    assert isinstance(too_old, GiveUp)
    assert "maximum age" in too_old.reason


def test_a_retry_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="base"):
        RetryPolicy(base=timedelta(0))
    with pytest.raises(ValueError, match="attempt"):
        RetryPolicy(max_attempts=0)


def test_the_circuit_opens_after_repeated_failures_and_tries_again_later() -> None:
    circuit = Circuit(BreakerPolicy(failure_threshold=3, reset_after=timedelta(seconds=30)))
    for _ in range(2):
        assert circuit.allows(T0)
        circuit.record_failure(T0)
    assert circuit.state.state is CircuitState.CLOSED
    circuit.record_failure(T0)
    assert circuit.state.state is CircuitState.OPEN
    assert not circuit.allows(T0 + timedelta(seconds=29))
    assert circuit.retry_in(T0 + timedelta(seconds=20)) == timedelta(seconds=10)
    later = T0 + timedelta(seconds=30)
    assert circuit.allows(later)  # the one trial of half-open
    assert circuit.state.state is CircuitState.HALF_OPEN
    assert not circuit.allows(later)  # no second trial at the same time
    circuit.record_failure(later)
    assert circuit.state.state is CircuitState.OPEN
    assert circuit.allows(later + timedelta(seconds=30))
    circuit.record_success()
    assert circuit.state.state is CircuitState.CLOSED
    assert circuit.allows(later + timedelta(seconds=30))


def test_a_success_resets_the_failure_count() -> None:
    circuit = Circuit(BreakerPolicy(failure_threshold=2))
    circuit.record_failure(T0)
    circuit.record_success()
    circuit.record_failure(T0)
    assert circuit.state.state is CircuitState.CLOSED


def test_sealed_bodies_open_only_for_their_message() -> None:
    cipher = BodyCipher.generate()
    sealed = cipher.seal(b"<enrolment/>", message_id="m-1")
    assert b"enrolment" not in sealed
    assert cipher.open(sealed, message_id="m-1") == b"<enrolment/>"
    with pytest.raises(SecurityError) as raised:
        cipher.open(sealed, message_id="m-2")
    assert raised.value.code == "GW-SEAL-TAMPERED"
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(SecurityError):
        cipher.open(tampered, message_id="m-1")


def test_rotated_keys_still_open_old_bodies() -> None:
    old = BodyCipher.generate("2026a")
    sealed = old.seal(b"body", message_id="m")
    rotated = BodyCipher({**old.keys, "2026b": bytes(32)}, "2026b")
    assert rotated.open(sealed, message_id="m") == b"body"
    assert rotated.key_of(rotated.seal(b"x", message_id="n")) == "2026b"
    without_old = BodyCipher({"2026b": bytes(32)}, "2026b")
    with pytest.raises(SecurityError) as raised:
        without_old.open(sealed, message_id="m")
    assert raised.value.code == "GW-SEAL-KEY"


def test_key_rings_are_parsed_and_checked() -> None:
    key = base64.b64encode(bytes(range(32))).decode()
    assert parse_key_ring(f"a:{key}, b:{key}", "EUGW_BODY_KEYS") == {
        "a": bytes(range(32)),
        "b": bytes(range(32)),
    }
    with pytest.raises(ConfigError, match="EUGW_BODY_KEYS"):
        parse_key_ring("a:c2hvcnQ=", "EUGW_BODY_KEYS")
    with pytest.raises(ConfigError):
        BodyCipher({"a": bytes(32)}, "b")
