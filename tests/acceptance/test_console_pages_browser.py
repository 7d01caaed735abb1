"""Every page of the console in Debian's headless chromium, reached with the keyboard and kept
as a screenshot in test-artifacts/ (`console-page-*.png`): the login page, each page of an
admin's menu (with data on it: a dead letter, a Dublin case with its clock, a hit, a time
limit, the simulators), the deadlines filtered and sorted, connection tests on the peers
page (a closed port, and a peer's real mutual-TLS server), and the refusal and not-found
pages. Without the browser these tests fail (`make
system-deps`); they never skip."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer
from console_rig import (
    browser_page,
    closed_port,
    eurodac_hit,
    incoming_request,
    peer_tls_server,
    screenshot,
)
from playwright.async_api import Page, expect
from web_rig import Rig, api_rig, demo_data_dir, new_message

from gateway.broker.access import Role
from gateway.broker.states import Event

# Each page of an admin's menu and its heading.
MENU = {
    "Dashboard": "Queues",
    "Alerts": "Alerts",
    "Messages": "Messages",
    "Dead letters": "Dead letters",
    "Peers": "Peers",
    "Certificates": "Certificates",
    "Trust store": "Trust store",
    "Settings": "Settings",
    "Audit trail": "Audit trail",
    "Tokens": "API tokens",
    "Hits": "Eurodac hits",
    "Dublin cases": "Dublin cases",
    "Deadlines": "Deadlines",
    "Simulators": "Simulators",
}


@asynccontextmanager
async def _control_api() -> AsyncIterator[str]:
    """A stand-in of the simulators' control API (`eugw sim run`), with nothing set."""

    async def faults(_: web.Request) -> web.Response:
        return web.json_response({})

    async def received(_: web.Request) -> web.Response:
        return web.json_response([{"endpoint": "eurodac", "state": "acknowledged"}])

    app = web.Application()
    app.router.add_get("/control/faults", faults)
    app.router.add_get("/control/received", received)
    async with TestServer(app) as server:
        yield str(server.make_url("")).rstrip("/")


async def _shot(page: Page, name: str) -> None:
    await screenshot(page, f"console-page-{name}")


def _slug(title: str) -> str:
    return title.lower().replace(" ", "-")


async def _seeded(rig: Rig) -> None:
    """A dead letter, a Dublin case whose reply falls due, and a hit to verify."""
    await rig.queue(new_message(1))
    store, now = rig.services.store, datetime.now(tz=UTC)
    await store.claim(worker="w", now=now, lease=timedelta(minutes=1), limit=1)
    await store.record("m-1", Event.GIVE_UP, at=now, worker="w", detail="GW-RMT-REFUSED")
    await incoming_request(rig, "NL-2026-31")
    await eurodac_hit(rig)


async def _log_in_with_the_keyboard(page: Page, token: str) -> None:
    await page.goto("/console/login")
    await expect(page.locator("#token")).to_be_focused()  # autofocus: type at once
    await _shot(page, "login")
    await page.keyboard.type(token)
    await page.keyboard.press("Enter")
    await expect(page.locator(".who")).to_be_visible()


async def test_every_page_of_the_menu_is_reached_with_the_keyboard_and_kept(
    tmp_path: Path, chromium: Path
) -> None:
    data = demo_data_dir(tmp_path / "data")
    async with (
        _control_api() as control,
        peer_tls_server(data, "nl-dublinet") as nl_port,
        api_rig(
            tmp_path / "rig",
            data_dir=data,
            simulator_control_url=control,
            deadline_alert_days=60,
            eurodac_url=f"https://localhost:{closed_port()}/eurodac",
            dublinet_url=f"NL=https://localhost:{nl_port}/dublinet/NL",
        ) as rig,
    ):
        await _seeded(rig)
        base = str(rig.client.make_url("")).rstrip("/")
        token = await rig.token(Role.ADMIN, name="night-admin")
        async with browser_page(chromium, base) as page:
            await _log_in_with_the_keyboard(page, token)
            titles = await page.locator("nav a").all_inner_texts()
            assert set(MENU) <= set(titles), titles
            for title, heading in MENU.items():
                await page.locator("nav a", has_text=re.compile(f"^{title}$")).focus()
                await page.keyboard.press("Enter")
                await expect(page.locator('nav a[aria-current="page"]')).to_have_text(title)
                await expect(page.locator("h1")).to_have_text(heading)
                await _shot(page, _slug(title))
            await _deadlines_with_the_keyboard(page)
            await _a_connection_test_with_the_keyboard(page)


async def _deadlines_with_the_keyboard(page: Page) -> None:
    await page.goto("/console/deadlines")
    await expect(page.locator("table.deadlines tbody tr")).to_have_count(1)
    await page.locator("#filter-status").focus()
    await page.keyboard.press("ArrowDown")  # overdue and due → overdue
    await page.keyboard.press("ArrowDown")  # → due
    await page.locator("#search").focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/console/deadlines?*status=due*")
    await page.locator("#sort-reference").focus()
    await page.keyboard.press("Enter")
    await page.wait_for_url("**sort=reference*")
    await expect(page.locator("th[aria-sort=ascending]")).to_contain_text("case")
    await expect(page.locator("table.deadlines tbody")).to_contain_text("NL-2026-31")
    await expect(page.locator("table.deadlines tbody")).to_contain_text("Art 40(1)")
    await _shot(page, "deadlines-sorted")
    await page.locator("table.deadlines tbody a").first.focus()
    await page.keyboard.press("Enter")  # to the case, to act on it
    await expect(page.locator("h1")).to_have_text("Dublin case NL-2026-31")
    await _shot(page, "deadline-case")


async def _a_connection_test_with_the_keyboard(page: Page) -> None:
    await page.goto("/console/peers")
    await page.locator("#test-EU-eurodac").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#check-code")).to_have_text("GW-TRN-REFUSED")
    await expect(page.locator("#check-result")).to_contain_text("(Connection refused)")
    await _shot(page, "peers-connection-refused")
    await page.locator("#test-NL-dublinet").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#check-result")).to_contain_text("Connected")
    await expect(page.locator("#check-names")).to_have_text("NL:dublinet")
    await expect(page.locator("#check-subject")).to_contain_text("CN=")
    await _shot(page, "peers-connection-tested")


async def test_the_refusal_and_not_found_pages_are_kept(tmp_path: Path, chromium: Path) -> None:
    async with api_rig(tmp_path) as rig:
        base = str(rig.client.make_url("")).rstrip("/")
        token = await rig.token(Role.TESTER, name="tester-1")
        async with browser_page(chromium, base) as page:
            await _log_in_with_the_keyboard(page, token)
            answer = await page.goto("/console/audit")
            assert answer is not None
            assert answer.status == 403
            await expect(page.locator("h1")).to_have_text("Not allowed")
            await expect(page.locator("main")).to_contain_text("GW-UI-ROLE")
            await _shot(page, "denied")
            answer = await page.goto("/console/messages/no-such-message")
            assert answer is not None
            assert answer.status in {403, 404}
            await page.goto("/console/board/no-such-board")
            await expect(page.locator("h1")).to_have_text("Not found")
            await _shot(page, "missing")
