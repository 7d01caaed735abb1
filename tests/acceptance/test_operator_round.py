"""An operator's round in a real headless Chromium (Debian's, driven by Playwright).

A record is submitted; the stand-in Central System fails the first delivery
(with one attempt allowed, the message becomes a dead letter), then holds the
second one until the test lets it through and acknowledges it. The operator
logs in, opens the dashboard, finds the dead letter, reads its XML and
error, sends it again, and watches it turn acknowledged without reloading.
Screenshots go to test-artifacts/. Without the browser this test fails
(`make system-deps` installs it); it never skips.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from console_rig import browser_page, screenshot, type_token
from playwright.async_api import Page, expect
from web_rig import (
    demo_data_dir,
    eurodac_ack,
    eurodac_gateway_settings,
    eurodac_site,
    served_gateway,
    token_for,
)

from gateway.broker.access import Role
from gateway.messages import read_message
from gateway.pipeline.services import Services

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE = PROJECT / "mappings" / "samples" / "canonical" / "applicant-2026.json"


@dataclass
class FlakyCentralSystem:
    """Answers 503 to the first delivery; holds later ones until `gate` is set, then
    acknowledges them, signed as EU:eurodac."""

    folder: Path
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    deliveries: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        message = read_message(await request.read())
        self.deliveries += 1
        if self.deliveries == 1:
            return web.Response(status=503, text="down for maintenance")
        await self.gate.wait()
        return web.Response(body=eurodac_ack(message, self.folder), content_type="application/xml")


@dataclass
class Gateway:
    services: Services
    url: str
    central: FlakyCentralSystem
    operator_token: str
    submitter_token: str


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    data = demo_data_dir(tmp_path / "data")
    central = FlakyCentralSystem(folder=data / "peers" / "eu-eurodac")
    async with (
        eurodac_site(central.handle, data) as eurodac_url,
        _gateway(data, eurodac_url, central) as gateway,
    ):
        yield gateway


@asynccontextmanager
async def _gateway(
    data: Path, eurodac_url: str, central: FlakyCentralSystem
) -> AsyncIterator[Gateway]:
    """The gateway delivering to `eurodac_url`, with an operator's and a submitter's tokens."""
    # the first failure makes a dead letter
    settings = eurodac_gateway_settings(data, eurodac_url, retry_max_attempts=1)
    async with served_gateway(settings) as (services, endpoints):
        try:
            yield Gateway(
                services=services,
                url=endpoints.api,
                central=central,
                operator_token=await token_for(services, "operator-1", Role.OPERATOR),
                submitter_token=await token_for(services, "submitter-1", Role.SUBMITTER),
            )
        finally:
            central.gate.set()


async def _submit(gateway: Gateway) -> str:
    headers = {
        "Authorization": f"Bearer {gateway.submitter_token}",
        "Idempotency-Key": "round-1",
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{gateway.url}/v1/submissions", data=SAMPLE.read_bytes(), headers=headers
        ) as response,
    ):
        assert response.status == 202, await response.text()
        [message_id] = (await response.json())["message_ids"]
        return str(message_id)


async def _shot(page: Page, name: str) -> None:
    await screenshot(page, f"operator-round-{name}")


async def test_an_operator_finds_a_dead_letter_resends_it_and_sees_it_acknowledged_live(
    gateway: Gateway, chromium: Path
) -> None:
    message_id = await _submit(gateway)
    viewport = {"width": 1280, "height": 900}
    async with browser_page(chromium, gateway.url, viewport=viewport) as page:
        await page.goto("/console")
        await expect(page).to_have_url(f"{gateway.url}/console/login?next=/console")
        await type_token(page, gateway.operator_token)
        await expect(page.locator("h1")).to_have_text("Queues")
        # The dashboard's counts follow the queue live: the message turns dead.
        await expect(page.locator("#counts td.state-dead")).to_have_text("1")
        await _shot(page, "1-dashboard")

        await page.click("nav >> text=Dead letters")
        row = page.locator(f'tr[data-message-id="{message_id}"]')
        await expect(row.locator('[data-field="state"]')).to_have_text("dead")
        await _shot(page, "2-dead-letters")
        await row.locator("a").click()

        await expect(page.locator("#state")).to_have_text("dead")
        await expect(page.locator("#last-error")).to_contain_text("GW-TRN-HTTP")
        await expect(page.locator("#xml")).to_contain_text("Envelope")
        await expect(page.locator("#signature-valid")).to_have_text("valid")
        await _shot(page, "3-dead-letter")

        await page.click("#action-release")
        await expect(page.locator(".notice")).to_have_text("Done: release.")
        await expect(page.locator("#state")).to_have_text("sending")
        gateway.central.gate.set()  # now the Central System acknowledges
        await expect(page.locator("#state")).to_have_text("acknowledged")
        # The timeline and the actions follow, still without a reload.
        await expect(page.locator("#live-timeline")).to_contain_text("acknowledge")
        await expect(page.locator("#action-resend")).to_be_visible()
        await expect(page.locator("#action-release")).to_have_count(0)
        await expect(page.locator(".notice")).to_have_text("Done: release.")
        await _shot(page, "4-acknowledged")

        await page.click("nav >> text=Dashboard")
        await expect(page.locator("#counts td.state-acknowledged")).to_have_text("1")
        await expect(page.locator("figcaption").first).to_contain_text("total 1")
        await _shot(page, "5-dashboard-after")
    stored = await gateway.services.store.get(message_id)
    assert stored is not None
    assert stored.state.value == "acknowledged"
    assert gateway.central.deliveries == 2
