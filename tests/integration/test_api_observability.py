"""/metrics, /readyz, request ids and the OpenAPI description, on the wired API application."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import structlog
from aiohttp.test_utils import TestClient, TestServer
from structlog.testing import capture_logs
from web_rig import api_rig, lines_with, new_message

from gateway.adapters.web.inbound import make_inbound
from gateway.broker.access import Role, roles_with
from gateway.testing import FixedClock


def _value(text: str, metric: str, **labels: str) -> float:
    for line in text.splitlines():
        if not line.startswith(metric + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(key) == value for key, value in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"no {metric} with {labels} in the exposition")


async def test_metrics_show_queues_circuits_certificates_and_sends(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        await rig.queue(new_message(1), new_message(2), new_message(3, peer="NL:dublinet"))
        rig.services.metrics.observe_send(peer="EU:eurodac", outcome="retry", seconds=0.2)
        rig.services.metrics.observe_send(peer="EU:eurodac", outcome="dead", seconds=0.1)

        async def deadlines() -> dict[str, int]:
            return {"due": 4, "overdue": 1}

        rig.services.metrics.watch_deadlines(deadlines)
        response = await rig.client.get("/metrics")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    assert _value(text, "eugw_queue_messages", peer="EU:eurodac", state="queued") == 2
    assert _value(text, "eugw_queue_messages", peer="NL:dublinet", state="queued") == 1
    assert _value(text, "eugw_circuit_state", peer="NL:dublinet", state="closed") == 1
    assert _value(text, "eugw_circuit_state", peer="NL:dublinet", state="open") == 0
    assert _value(text, "eugw_send_retries_total", peer="EU:eurodac") == 1
    assert _value(text, "eugw_dead_letters_total", peer="EU:eurodac") == 1
    assert _value(text, "eugw_send_duration_seconds_count", peer="EU:eurodac", outcome="retry") == 1
    assert _value(text, "eugw_deadlines", status="overdue") == 1
    assert _value(text, "eugw_oldest_waiting_seconds", peer="NL:dublinet") >= 0
    days = [float(line.rsplit(" ", 1)[1]) for line in lines_with(text, ["eugw_certificate_days"])]
    assert days, "the gateway's certificates are listed"
    assert all(day > 300 for day in days)  # the demo PKI is fresh
    signing = _value(text, "eugw_certificate_days_left", peer="BE:gateway")
    assert signing > 0


async def test_a_request_id_is_echoed_or_made_and_bound_in_the_logs(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        given = await rig.client.get("/healthz", headers={"X-Request-Id": "abc-123"})
        made = await rig.client.get("/healthz")
        evil = await rig.client.get("/healthz", headers={"X-Request-Id": "a b\u00e9" * 30})
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            await rig.client.post(
                "/console/login", data={"token": "wrong", "login_csrf": "x"},
                headers={"X-Request-Id": "login-1", "Cookie": "eugw_login=x"},
            )  # fmt: skip
            await rig.client.get("/console/login", headers={"X-Request-Id": "form-2"})
    assert given.headers["X-Request-Id"] == "abc-123"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-Id"])
    assert re.fullmatch(r"[0-9a-f]{32}", evil.headers["X-Request-Id"])
    assert logs, "the refused login was logged"
    assert {entry.get("request_id") for entry in logs} == {"login-1"}


async def test_ready_when_the_store_answers_and_not_when_certificates_expired(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path / "now") as rig:
        response = await rig.client.get("/readyz")
        report = await response.json()
    assert response.status == 200
    assert report["status"] == "ready"
    assert report["store"] == "ok"
    assert report["certificates"]["count"] >= 3
    assert report["peers"] == {"EU:eurodac": "closed", "NL:dublinet": "closed"}

    later = FixedClock(datetime(2100, 1, 1, tzinfo=UTC))
    async with api_rig(tmp_path / "later", clock=later) as rig:
        response = await rig.client.get("/readyz")
        report = await response.json()
    assert response.status == 503
    assert report["status"] == "not ready"
    assert report["certificates"]["expired"]


async def test_every_api_route_is_described_with_the_role_its_handler_requires(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        response = await rig.client.get("/openapi.json")
        document = await response.json()
        page = await rig.client.get("/docs")
        html = await page.text()
        routes = [
            route
            for route in rig.client.app.router.routes()  # type: ignore[union-attr]
            if route.method != "HEAD"
            and not route.resource.canonical.startswith(("/console", "/docs"))
        ]
    assert document["openapi"] == "3.1.0"
    described = {
        (method.upper(), path): operation
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    for route in routes:
        operation = described[route.method, route.resource.canonical]
        needed = getattr(route.handler, "required_permission", None)
        assert operation["x-required-permission"] == (needed.value if needed else "none")
        granted = [role.value for role in roles_with(needed)] if needed else []
        assert operation["x-roles"] == granted
        assert operation["responses"]
    submit = described["POST", "/v1/submissions"]
    assert (submit["x-required-permission"], submit["x-roles"]) == (
        "submit",
        ["submitter", "admin"],
    )
    read = described["GET", "/v1/messages"]
    assert (read["x-required-permission"], read["x-roles"]) == (
        "read_messages",
        ["operator", "auditor", "admin"],
    )
    act = described["POST", "/v1/messages/{message_id}/{action}"]["parameters"]
    [action] = [parameter for parameter in act if parameter["name"] == "action"]
    assert action["schema"]["enum"] == ["resend", "release", "retry", "cancel"]
    assert page.status == 200
    assert "<script" not in html  # rendered on the server, nothing fetched from elsewhere
    for method, path in described:
        assert path in html
        assert method in html


async def test_a_listing_limit_outside_1_to_1000_is_refused(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        headers = {"Authorization": f"Bearer {await rig.token(Role.OPERATOR)}"}
        answers = [
            await rig.client.get(f"/v1/messages?limit={limit}", headers=headers)
            for limit in ("-5", "0", "1001", "1000")
        ]
        problems = [await answer.json() for answer in answers[:3]]
        huge = await rig.client.get("/v1/messages?offset=93202328569842916917248", headers=headers)
        huge_problem = await huge.json()
    assert [answer.status for answer in answers] == [400, 400, 400, 200]
    assert {problem["problems"][0]["path"] for problem in problems} == {"limit"}
    assert (huge.status, huge_problem["problems"][0]["path"]) == (400, "offset")


async def test_the_inbound_endpoint_gives_request_ids_too(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        inbound = make_inbound(rig.services)
        async with TestClient(TestServer(inbound)) as client:
            response = await client.post(
                "/v1/inbound", data=b"<x/>", headers={"X-Request-Id": "peer-7"}
            )
            problem = await response.json()
    assert response.status == 403  # no mutual TLS on this test server
    assert problem["code"] == "GW-TLS-NO-PEER-CERT"
    assert response.headers["X-Request-Id"] == "peer-7"


async def test_the_tracking_deadlines_reach_the_metrics(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig:
        text = await (await rig.client.get("/metrics")).text()
    for status in ("overdue", "due_soon", "hits_awaiting_verification"):
        assert _value(text, "eugw_deadlines", status=status) == 0
