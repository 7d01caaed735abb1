"""Per-token rate limits, body read timeouts, bodies refused before the caller is known, and
the headers every response carries: on the API application over real sockets (plain HTTP
and TLS)."""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from console_rig import log_in
from web_rig import Rig, api_rig

from gateway.adapters.web.api import make_api
from gateway.adapters.web.inbound import make_inbound
from gateway.broker.access import Role
from gateway.errors import ConfigError
from gateway.settings import Settings, load_settings

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Server": "eu-gateway",
}


async def test_a_token_over_its_rate_gets_429_with_retry_after(tmp_path: Path) -> None:
    async with api_rig(tmp_path, rate_limit_per_second=1, rate_limit_burst=2) as rig:
        fast = {"Authorization": f"Bearer {await rig.token(Role.OPERATOR, name='fast')}"}
        other = {"Authorization": f"Bearer {await rig.token(Role.OPERATOR, name='other')}"}
        answers = [await rig.client.get("/v1/queues", headers=fast) for _ in range(4)]
        refused = answers[-1]
        problem = await refused.json()
        elsewhere = await rig.client.get("/v1/queues", headers=other)
        strangers = [
            await rig.client.get("/v1/queues", headers={"Authorization": "Bearer nobody"})
            for _ in range(3)
        ]
    # Two at once, then one a second: the four requests took far less than two seconds.
    assert [answer.status for answer in answers[:2]] == [200, 200]
    assert refused.status == 429
    assert problem["code"] == "GW-API-RATE-LIMITED"
    assert int(refused.headers["Retry-After"]) >= 1
    assert elsewhere.status == 200  # each token its own bucket
    assert {answer.status for answer in strangers} == {401}
    assert strangers[0].headers["WWW-Authenticate"] == "Bearer"


async def test_console_pages_spend_the_rate_of_the_token_behind_the_session(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path, rate_limit_per_second=1, rate_limit_burst=3) as rig:
        await log_in(rig.client, await rig.token(Role.OPERATOR))
        statuses = [(await rig.client.get("/console/messages")).status for _ in range(5)]
    assert statuses[:2] == [200, 200]
    assert statuses[-1] == 429


async def test_a_body_that_does_not_come_in_time_is_408(tmp_path: Path) -> None:
    async with api_rig(tmp_path, body_timeout_seconds=1) as rig:
        token = await rig.token(Role.OPERATOR)
        head, body = await _answer_to(
            rig,
            f"POST /v1/cases HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{".encode(),
            body=True,
        )
    assert head.startswith(b"HTTP/1.1 408")
    assert b"GW-API-BODY-TIMEOUT" in body


async def test_a_stranger_is_refused_before_the_body_is_read(tmp_path: Path) -> None:
    async with api_rig(tmp_path, body_timeout_seconds=60) as rig:
        # A large body is announced and never sent: the answer does not wait for it.
        refused, _ = await _answer_to(
            rig,
            b"POST /v1/submissions HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer nobody\r\n"
            b"Content-Length: 10000000\r\n\r\n",
        )
        # A page that needs no role takes small bodies only.
        too_large, _ = await _answer_to(
            rig,
            b"POST /console/login HTTP/1.1\r\nHost: gateway\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\n\r\n",
        )
    assert refused.startswith(b"HTTP/1.1 401")
    assert too_large.startswith(b"HTTP/1.1 413")


async def test_every_response_carries_the_security_headers_and_no_versions(
    tmp_path: Path,
) -> None:
    async with api_rig(tmp_path) as rig:
        operator = {"Authorization": f"Bearer {await rig.token(Role.OPERATOR)}"}
        answers = {
            "json": await rig.client.get("/healthz"),
            "problem": await rig.client.get("/v1/nothing-here"),
            "denied": await rig.client.get("/v1/queues"),
            "metrics": await rig.client.get("/metrics"),
            "page": await rig.client.get("/console/login"),
            "docs": await rig.client.get("/docs"),
            "static": await rig.client.get("/console/static/console.js"),
            "operator": await rig.client.get("/v1/messages?limit=1", headers=operator),
        }
    for name, answer in answers.items():
        for header, value in SECURITY_HEADERS.items():
            assert answer.headers.get(header) == value, (name, header)
        assert "Strict-Transport-Security" not in answer.headers, name  # not over TLS
    for name in ("page", "docs"):
        assert answers[name].headers["Content-Security-Policy"].startswith("default-src 'self'")
    for name in ("json", "problem", "metrics", "operator", "static"):
        policy = answers[name].headers["Content-Security-Policy"]
        assert policy == "default-src 'none'; frame-ancestors 'none'", name
    assert answers["operator"].headers["Cache-Control"] == "no-store"
    assert "Secure" not in answers["page"].headers["Set-Cookie"]


async def test_over_tls_hsts_and_secure_cookies(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig, _over_tls(make_api(rig.services), rig) as url:
        secret = await rig.token(Role.OPERATOR)
        connector = aiohttp.TCPConnector(ssl=False)  # the demo CA: what is checked is headers
        jar = aiohttp.CookieJar(unsafe=True)  # cookies of an IP address's site too
        async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as session:
            async with session.get(f"{url}/console/login") as form:
                page = await form.text()
                login_cookie = form.headers["Set-Cookie"]
                hsts = form.headers.get("Strict-Transport-Security")
            login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', page)
            assert login_csrf is not None
            async with session.post(
                f"{url}/console/login",
                data={"token": secret, "login_csrf": login_csrf.group(1)},
                allow_redirects=False,
            ) as logged_in:
                session_cookie = logged_in.headers["Set-Cookie"]
                assert logged_in.status == 303
    assert hsts == "max-age=31536000"
    for cookie in (login_cookie, session_cookie):
        assert re.search(r"; Secure(;|$)", cookie), cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie


async def test_the_inbound_server_carries_them_too(tmp_path: Path) -> None:
    async with api_rig(tmp_path) as rig, _over_tls(make_inbound(rig.services), rig) as url:
        connector = aiohttp.TCPConnector(ssl=False)
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.post(f"{url}/v1/inbound", data=b"<x/>") as answer,
        ):
            headers = answer.headers
            status = answer.status
    assert status == 403  # no client certificate on this test listener
    for header, value in SECURITY_HEADERS.items():
        assert headers[header] == value
    assert headers["Strict-Transport-Security"] == "max-age=31536000"


async def test_forms_posted_under_no_referrer_still_pass_their_csrf_check(tmp_path: Path) -> None:
    # Browsers send `Origin: null` on the form posts of a page served with no-referrer.
    async with api_rig(tmp_path) as rig:
        answers = {}
        for origin in ("null", "http://elsewhere.example"):
            await log_in(rig.client, await rig.token(Role.OPERATOR, name=f"op-{len(answers)}"))
            page = await (await rig.client.get("/console")).text()
            csrf = re.search(r'name="csrf" value="([^"]+)"', page)
            assert csrf is not None
            answer = await rig.client.post(
                "/console/logout",
                data={"csrf": csrf.group(1)},
                headers={"Origin": origin},
                allow_redirects=False,
            )
            answers[origin] = answer.status
    assert answers == {"null": 303, "http://elsewhere.example": 403}


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"EUGW_MAX_BODY_MEMORY_BYTES": "1000"}, "EUGW_MAX_BODY_MEMORY_BYTES"),
        ({"EUGW_HEADER_TIMEOUT_SECONDS": "0"}, "EUGW_HEADER_TIMEOUT_SECONDS"),
        ({"EUGW_TLS_HANDSHAKE_TIMEOUT_SECONDS": "-1"}, "EUGW_TLS_HANDSHAKE_TIMEOUT_SECONDS"),
        ({"EUGW_BODY_TIMEOUT_SECONDS": "soon"}, "EUGW_BODY_TIMEOUT_SECONDS"),
        ({"EUGW_RATE_LIMIT_PER_SECOND": "-5"}, "EUGW_RATE_LIMIT_PER_SECOND"),
        ({"EUGW_RATE_LIMIT_BURST": "0"}, "EUGW_RATE_LIMIT_BURST"),
    ],
)
def test_limits_that_cannot_work_are_refused_at_start(
    environ: dict[str, str], variable: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    assert (caught.value.code, caught.value.path) == ("GW-CFG-INVALID", variable)


def test_the_default_limits() -> None:
    settings = Settings()
    assert settings.header_timeout_seconds == 10
    assert settings.tls_handshake_timeout_seconds == 10
    assert settings.max_body_memory_bytes >= settings.max_request_bytes
    assert (settings.rate_limit_per_second, settings.rate_limit_burst) == (100, 200)
    assert load_settings({"EUGW_RATE_LIMIT_PER_SECOND": "0"}).rate_limit_per_second == 0


async def _answer_to(rig: Rig, request: bytes, *, body: bool = False) -> tuple[bytes, bytes]:
    """The head of the API's answer to the raw `request` (its body sent no further than
    written), and with `body` the first of the answer's body, each read within 10 s."""
    server = rig.client.server
    assert server.port is not None
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(request)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    rest = await asyncio.wait_for(reader.read(4096), 10) if body else b""
    writer.close()
    return head, rest


@asynccontextmanager
async def _over_tls(app: web.Application, rig: Rig) -> AsyncIterator[str]:
    """`app` on a TLS listener with the gateway's server certificate (no client's asked)."""
    settings = rig.services.settings
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(
        settings.data_dir / settings.tls_server_cert, settings.data_dir / settings.tls_server_key
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
    await site.start()
    try:
        yield f"https://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
