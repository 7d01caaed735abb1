"""Configuration views over HTTP: each peer with its endpoint, circuit, queue, certificates
and revocation list and the retry policy; the settings with their secrets hidden; the alerts
(dead letters, open circuits, time limits due, certificates expiring, stale revocation
lists), also summed up on the dashboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from console_rig import incoming_request, log_in
from web_rig import api_rig, new_message

from gateway.adapters.web.console.configuration import HIDDEN, shown_settings
from gateway.broker.access import Role
from gateway.broker.states import Event
from gateway.errors import ConfigError
from gateway.settings import Settings, load_settings
from gateway.testing import FixedClock

TOKEN = "sim-control-token-0123456789"  # noqa: S105 - a test's stand-in
WEBHOOK_SECRET = "webhook-secret-0123456789abcdef"  # noqa: S105 - a test's stand-in


async def test_peers_show_endpoint_circuit_queue_certificates_and_retry_policy(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path, retry_max_attempts=7, retry_base_seconds=3) as rig:
        await rig.queue(new_message(1, peer="NL:dublinet"))
        circuit = rig.services.dispatcher.circuits["NL:dublinet"]
        for _ in range(circuit.policy.failure_threshold):
            circuit.record_failure(datetime.now(tz=UTC))
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        page = await (await rig.client.get("/console/peers")).text()
        [nl_ca] = rig.services.trust.anchors["NL"]

    nl = page[page.index('id="peer-NL-dublinet"') :]
    eurodac = page[page.index('id="peer-EU-eurodac"') :]
    assert "<code>https://localhost:9444/dublinet/NL</code>" in nl
    assert "<code>https://localhost:9443/eurodac</code>" in eurodac
    assert 'class="circuit-open">open, 5 failures in a row' in nl
    assert 'class="circuit-closed">closed' in eurodac
    assert "1 queued</a>" in nl
    assert f"<td>{nl_ca.subject.rfc4514_string()}</td>" in nl  # the CA trusted for NL
    assert "revoked" in nl  # its revocation list
    assert "at most 7 attempts" in page
    assert "backoff from 3 s" in page


async def test_settings_are_shown_with_their_secrets_hidden(tmp_path: Path) -> None:
    async with api_rig(
        tmp_path,
        simulator_control_url="http://127.0.0.1:1",
        simulator_control_token=TOKEN,
        webhooks=f"evibel=https://hooks.example/in;{WEBHOOK_SECRET}",
    ) as rig:
        await log_in(rig.client, await rig.token(Role.OPERATOR))
        page = await (await rig.client.get("/console/settings")).text()
        key_file = rig.services.settings.data_dir / "keys" / "body.keys"
        [key] = [line.split(":", 1)[1] for line in key_file.read_text().split()]

    assert TOKEN not in page
    assert WEBHOOK_SECRET not in page
    assert f"evibel=https://hooks.example/in;{HIDDEN}" in page
    assert "<code>EUGW_MEMBER_STATE</code></td><td><code>BE</code>" in page
    assert "<code>EUGW_TLS_SERVER_KEY</code></td><td><code>tls/gateway-server.key.pem" in page
    assert key not in page
    with_secrets = Settings(
        database_url="postgresql://gw:pa55word@db.example:5432/eugw", body_keys="k1:QUJD"
    )
    shown = {name: value for name, _, value in shown_settings(with_secrets)}
    assert shown["database_url"] == f"postgresql://gw:{HIDDEN}@db.example:5432/eugw"
    assert shown["body_keys"] == HIDDEN
    assert shown["simulator_control_token"] == "(empty)"  # noqa: S105 - none set


async def test_alerts_name_what_needs_an_operator_and_the_dashboard_sums_them(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path, deadline_alert_days=3660) as rig:
        await rig.queue(new_message(1))
        store, now = rig.services.store, datetime.now(tz=UTC)
        await store.claim(worker="w", now=now, lease=timedelta(minutes=1), limit=1)
        await store.record("m-1", Event.GIVE_UP, at=now, worker="w", detail="GW-RMT-REFUSED")
        rig.services.dispatcher.circuits["NL:dublinet"].record_failure(now)
        for _ in range(10):
            rig.services.dispatcher.circuits["EU:eurodac"].record_failure(now)
        await incoming_request(rig)  # our reply falls due within the (long) alert horizon
        await log_in(rig.client, await rig.token(Role.OPERATOR))
        page = await (await rig.client.get("/console/alerts")).text()
        dashboard = await (await rig.client.get("/console")).text()
        await log_in(rig.client, await rig.token(Role.TESTER))
        tester = await (await rig.client.get("/console")).text()

    assert '<a href="/console/dead">1 dead letters</a>' in page
    assert "the circuit to EU:eurodac is open" in page
    assert "NL:dublinet is" not in page  # one failure leaves its circuit closed
    assert "1 time limits due within 3660 days" in page
    assert "alert-certificate" not in page  # the demo certificates have a year left
    assert 'id="alert-summary"' in dashboard
    assert ">3 alerts</a>: 1 dead letters" in dashboard
    assert 'id="alert-summary"' not in tester  # testers see the queues only


async def test_certificates_near_their_end_and_stale_revocation_lists_are_alerts(
    tmp_path: Path,
) -> None:
    later = FixedClock(datetime.now(tz=UTC) + timedelta(days=350))
    async with api_rig(tmp_path, clock=later) as rig:
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        page = await (await rig.client.get("/console/alerts")).text()
        trust = await (await rig.client.get("/console/trust")).text()

    assert "certificate tls/gateway-server.cert.pem" in page
    assert "expires in" in page
    assert "is past its next update" in page
    assert "stale: fetch a fresh list" in trust


async def test_the_alerts_follow_their_thresholds_and_show_them(tmp_path: Path) -> None:
    later = FixedClock(datetime.now(tz=UTC) + timedelta(days=300))  # certificates: ~65 days
    async with api_rig(
        tmp_path,
        clock=later,
        dead_letter_alert_count=2,
        open_circuit_alert_count=0,
        certificate_alert_days=90,
    ) as rig:
        await rig.queue(new_message(1), new_message(2))
        store, now = rig.services.store, later.now()
        await store.claim(worker="w", now=now, lease=timedelta(minutes=1), limit=1)
        await store.record("m-1", Event.GIVE_UP, at=now, worker="w", detail="GW-RMT-REFUSED")
        for _ in range(10):
            rig.services.dispatcher.circuits["EU:eurodac"].record_failure(now)
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        one_dead = await (await rig.client.get("/console/alerts")).text()
        await store.claim(worker="w", now=now, lease=timedelta(minutes=1), limit=1)
        await store.record("m-2", Event.GIVE_UP, at=now, worker="w", detail="GW-RMT-REFUSED")
        two_dead = await (await rig.client.get("/console/alerts")).text()
    async with api_rig(tmp_path / "defaults", clock=later) as rig:
        await log_in(rig.client, await rig.token(Role.AUDITOR))
        defaults = await (await rig.client.get("/console/alerts")).text()

    assert "dead letters</a>" not in one_dead  # 1 is under the threshold of 2
    assert '<a href="/console/dead">2 dead letters</a>' in two_dead
    assert "the circuit to EU:eurodac" not in two_dead  # open circuits: off
    assert "expires in" in two_dead  # within 90 days
    assert "expires in" not in defaults  # not within the default 30
    for setting, value in (
        ("dead-letter-alert-count", 2),
        ("open-circuit-alert-count", 0),
        ("certificate-alert-days", 90),
        ("deadline-alert-days", 5),
    ):
        assert f'id="threshold-{setting}"' in two_dead
        row = two_dead.split(f'id="threshold-{setting}"', 1)[1].split("</tr>", 1)[0]
        assert f'<td class="value">{value}</td>' in row
    assert "EUGW_DEAD_LETTER_ALERT_COUNT" in two_dead
    assert "2 or more dead letters" in two_dead
    assert "never (off)" in two_dead
    assert "within 90 days" in two_dead


def test_an_alert_threshold_the_gateway_cannot_use_is_refused_at_start() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"EUGW_DEAD_LETTER_ALERT_COUNT": "-1"})
    assert (refused.value.code, refused.value.path) == (
        "GW-CFG-INVALID",
        "EUGW_DEAD_LETTER_ALERT_COUNT",
    )
    assert load_settings({"EUGW_CERTIFICATE_ALERT_DAYS": "60"}).certificate_alert_days == 60
