"""Metrics from the dispatcher's sends, the console's charts and its sessions, all without I/O."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.adapters.web.console.charts import chart_of, last_hour
from gateway.adapters.web.console.pages import age
from gateway.adapters.web.console.sessions import Sessions, same_secret
from gateway.broker.breaker import BreakerPolicy
from gateway.broker.dispatcher import Dispatcher, DispatcherPolicy
from gateway.broker.outbox import Outbox
from gateway.broker.records import NewMessage, StateChange
from gateway.broker.retry import RetryPolicy
from gateway.broker.sealing import BodyCipher
from gateway.broker.states import Event, MessageState
from gateway.errors import RemoteError, TransportError
from gateway.observability import Metrics
from gateway.testing import FixedClock, InMemoryStore, RecordingTransport

T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
EU = "EU:eurodac"
S, E = MessageState, Event


def _message(number: int) -> NewMessage:
    return NewMessage(
        message_id=f"m-{number}",
        peer=EU,
        message_type="eurodac.enrolment",
        conversation_id=f"c-{number}",
        body=b"<x/>",
    )


def _sample(metrics: Metrics, name: str, **labels: str) -> float:
    value = metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


async def test_the_dispatcher_reports_latency_retries_and_dead_letters() -> None:
    clock = FixedClock(T0)
    store = InMemoryStore()
    outbox = Outbox(store, BodyCipher.generate(), clock)
    transport = RecordingTransport()
    metrics = Metrics()
    dispatcher = Dispatcher(
        outbox=outbox,
        transport=transport,
        peers=[EU],
        policy=DispatcherPolicy(
            retry=RetryPolicy(max_attempts=2), breaker=BreakerPolicy(failure_threshold=10)
        ),
        jitter=lambda: 0.5,
        observer=metrics,
    )
    down = TransportError("GW-TRN-REFUSED", "down")
    transport.script(EU, down, down, RemoteError("GW-RMT-REFUSED", "no"))
    await outbox.put([_message(1), _message(2)])
    await dispatcher.send_due(EU)  # both fail once: retry
    clock.advance(timedelta(minutes=5))
    await dispatcher.send_due(EU)  # one refused for good, one acknowledged
    assert _sample(metrics, "eugw_send_retries_total", peer=EU) == 2
    assert _sample(metrics, "eugw_dead_letters_total", peer=EU) == 1
    for outcome, count in (("retry", 2), ("refused", 1), ("acknowledged", 1)):
        labels = {"peer": EU, "outcome": outcome}
        assert _sample(metrics, "eugw_send_duration_seconds_count", **labels) == count
    assert _sample(metrics, "eugw_send_duration_seconds_sum", peer=EU, outcome="retry") >= 0


def test_gauges_forget_what_emptied_between_two_scrapes() -> None:
    metrics = Metrics()
    metrics.set_queue({(EU, "queued"): 3, (EU, "dead"): 1})
    metrics.set_queue({(EU, "queued"): 2})
    assert (
        metrics.registry.get_sample_value("eugw_queue_messages", {"peer": EU, "state": "dead"})
        is None
    )
    assert _sample(metrics, "eugw_queue_messages", peer=EU, state="queued") == 2
    metrics.set_circuits({EU: "open"}, ["closed", "open", "half_open"])
    assert _sample(metrics, "eugw_circuit_state", peer=EU, state="open") == 1
    assert _sample(metrics, "eugw_circuit_state", peer=EU, state="closed") == 0
    assert b"eugw_queue_messages" in metrics.exposition()


def _change(at: datetime, from_state: S | None, to_state: S, event: E) -> StateChange:
    return StateChange(message_id="m", at=at, from_state=from_state, to_state=to_state, event=event)


def test_deliveries_and_their_latency_fall_into_five_minute_buckets() -> None:
    now = T0
    early, late = now - timedelta(minutes=58), now - timedelta(minutes=2)
    ms = timedelta(milliseconds=1)
    fast = [
        _change(early, None, S.QUEUED, E.QUEUE),
        _change(early, S.QUEUED, S.SENDING, E.CLAIM),
        _change(early + 40 * ms, S.SENDING, S.ACKNOWLEDGED, E.ACKNOWLEDGE),
    ]
    retried = [
        _change(now - timedelta(minutes=3), S.QUEUED, S.SENDING, E.CLAIM),
        _change(now - timedelta(minutes=3), S.SENDING, S.RETRY_WAIT, E.FAIL),
        _change(late, S.RETRY_WAIT, S.SENDING, E.CLAIM),
        _change(late + 100 * ms, S.SENDING, S.ANSWERED, E.ANSWER),
    ]
    old = [_change(now - timedelta(hours=2), S.SENDING, S.ACKNOWLEDGED, E.ACKNOWLEDGE)]
    throughput, latency = last_hour([fast, retried, old], now)
    assert throughput.values == (1.0,) + (0.0,) * 10 + (1.0,)
    assert latency.values[0] == 40.0
    assert latency.values[-1] == 100.0  # from the claim that succeeded, not the first one
    assert throughput.unit == "per 5 min"
    chart = chart_of(throughput, width=110, height=20)
    points = chart.points.split()
    assert len(points) == 12
    assert points[0] == "0.0,2.0"  # the peak at the top
    assert points[1] == "10.0,18.0"  # zero at the bottom
    assert chart.total == 2


def test_an_empty_hour_draws_a_flat_line() -> None:
    throughput, _ = last_hour([], T0)
    chart = chart_of(throughput, width=110, height=20)
    assert chart.peak == 0
    assert {point.split(",")[1] for point in chart.points.split()} == {"18.0"}


def test_sessions_expire_close_and_compare_secrets_safely() -> None:
    sessions = Sessions(lifetime=timedelta(hours=1), limit=2)
    first = sessions.open("digest-1", now=T0)
    assert sessions.get(first.session_id, now=T0 + timedelta(minutes=59)) == first
    assert sessions.get(first.session_id, now=T0 + timedelta(hours=1)) is None
    second = sessions.open("digest-2", now=T0)
    third = sessions.open("digest-3", now=T0 + timedelta(seconds=1))
    fourth = sessions.open("digest-4", now=T0 + timedelta(seconds=2))  # over the limit
    assert sessions.get(second.session_id, now=T0) is None  # the oldest went
    assert sessions.get(third.session_id, now=T0) == third
    sessions.close(fourth.session_id)
    assert sessions.get(fourth.session_id, now=T0) is None
    assert sessions.get(None, now=T0) is None
    assert third.csrf != third.session_id
    assert same_secret(third.csrf, third.csrf)
    assert not same_secret("guess", third.csrf)
    assert not same_secret(None, third.csrf)


def test_ages_are_short_and_never_negative() -> None:
    assert [age(timedelta(seconds=n)) for n in (-3, 42, 420, 18_000, 260_000)] == [
        "0 s", "42 s", "7 min", "5 h", "3 d",
    ]  # fmt: skip
