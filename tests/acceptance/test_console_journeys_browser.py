"""The console's main journeys in Debian's headless chromium (Playwright), each page kept as a
screenshot in test-artifacts/: a Dublin unit answers NL's request from the message it came in
(the reply form worked with the keyboard only), a fingerprint expert confirms a hit and
follows the case it opened, an operator retries a waiting message and cancels others in bulk,
an auditor searches the audit trail and exports it and reads the configuration, and an admin
makes a token. Without the browser these tests fail (`make system-deps`); they never skip."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from console_rig import browser_page, eurodac_hit, incoming_request, screenshot, type_token
from playwright.async_api import Page, expect
from web_rig import Rig, api_rig, new_message

from gateway.broker.access import Role
from gateway.broker.states import Event, MessageState
from gateway.tracking.cases import CaseState


@asynccontextmanager
async def _browser(rig: Rig, chromium: Path, role: Role, name: str) -> AsyncIterator[Page]:
    """A logged-in page of a new browser."""
    base = str(rig.client.make_url("")).rstrip("/")
    token = await rig.token(role, name=name)
    async with browser_page(chromium, base, accept_downloads=True) as page:
        await page.goto("/console/login")
        await type_token(page, token)
        await expect(page.locator(".who")).to_contain_text(name)
        yield page


async def _shot(page: Page, name: str) -> None:
    await screenshot(page, f"console-{name}")


async def test_a_dublin_unit_answers_a_request_with_the_keyboard(
    tmp_path: Path, chromium: Path
) -> None:
    async with api_rig(tmp_path) as rig:
        request_id, case = await incoming_request(rig, "NL-2026-88")
        async with _browser(rig, chromium, Role.OPERATOR, "dublin-unit-1") as page:
            await page.click("nav >> text=Messages")
            await page.select_option("#filter-direction", "inbound")
            await page.click("#search")
            await page.wait_for_url("**/console/messages?*direction=inbound*")  # kept in the URL
            await expect(page.locator("#filter-direction")).to_have_value("inbound")
            await _shot(page, "messages-inbound")
            await page.click(f'a[href="/console/messages/{request_id}"]')
            await expect(page.locator("#peer")).to_have_text("NL:dublinet")
            await expect(page.locator("#signature-valid")).to_have_text("valid")
            await _shot(page, "message-inbound")
            await page.click("#case-link")
            await expect(page.locator("#case-state")).to_have_text("request_received")
            await _shot(page, "case-incoming")

            # Keyboard only from the first radio button on: arrows, Tab, typing, Enter.
            await page.locator("#outcome-accept").focus()
            await page.keyboard.press("ArrowRight")  # the next radio: reject
            await expect(page.locator("#outcome-reject")).to_be_checked()
            await page.keyboard.press("Tab")
            await page.keyboard.press("Tab")  # past the legal basis: left empty
            await page.keyboard.type("not-responsible")
            await page.keyboard.press("Tab")
            await page.keyboard.press("Tab")
            await page.keyboard.press("Enter")  # the reply's submit button
            await expect(page.locator("#problem")).to_contain_text("GW-CASE-REFUSAL-REASONS")
            await expect(page.locator("#reply-codes")).to_have_value("not-responsible")
            await _shot(page, "case-refusal-refused")
            await page.locator("#reply-basis").focus()
            await page.keyboard.type("Reg 2024/1351 Art 39")
            await page.keyboard.press("Tab")
            await page.keyboard.press("Tab")
            await page.keyboard.type("The person was never registered in Belgium.")
            await page.keyboard.press("Tab")
            await page.keyboard.press("Enter")
            await expect(page.locator(".notice")).to_have_text("Done: our reply (reject) sent.")
            await expect(page.locator("#case-state")).to_have_text("rejected")
            await _shot(page, "case-replied")
        tracking = rig.services.tracking
        assert tracking is not None
        stored = await tracking.store.case(case.case_id)
    assert stored is not None
    assert stored.state is CaseState.REJECTED


async def test_an_expert_confirms_a_hit_and_follows_the_case_it_opened(
    tmp_path: Path, chromium: Path
) -> None:
    async with api_rig(tmp_path) as rig:
        await eurodac_hit(rig)
        async with _browser(rig, chromium, Role.OPERATOR, "expert-1") as page:
            await page.click("nav >> text=Hits")
            await _shot(page, "hits")
            await page.click("table.hits tbody a")
            await expect(page.locator("#matched-data")).to_contain_text("captured_on")
            await _shot(page, "hit-pending")
            await page.click("#confirm")
            await expect(page.locator("#done")).to_contain_text("was opened")
            await _shot(page, "hit-confirmed")
            await page.click("#opened-case")
            await expect(page.locator("#case-state")).to_have_text("request_sent")
            await _shot(page, "case-outgoing")
            await page.click("nav >> text=Dublin cases")
            await expect(page.locator("table.cases tbody tr")).to_have_count(1)
            await _shot(page, "cases")


async def test_an_operator_retries_now_and_cancels_in_bulk(tmp_path: Path, chromium: Path) -> None:
    async with api_rig(tmp_path) as rig:
        await rig.queue(new_message(1), new_message(2), new_message(3, peer="NL:dublinet"))
        store, now = rig.services.store, datetime.now(tz=UTC)
        await store.claim(
            worker="w", now=now, lease=timedelta(minutes=1), limit=1, peer="NL:dublinet"
        )
        await store.record(
            "m-3", Event.FAIL, at=now, worker="w", retry_at=now + timedelta(hours=1), detail="x"
        )
        async with _browser(rig, chromium, Role.OPERATOR, "op-1") as page:
            await page.goto("/console/messages/m-3")
            await expect(page.locator("#next-attempt")).to_be_visible()
            await _shot(page, "message-retry-wait")
            await page.click("#action-retry")
            await expect(page.locator(".notice")).to_have_text("Done: retry.")
            await expect(page.locator("#next-attempt")).to_have_count(0)
            await page.goto("/console/messages?peer=EU:eurodac")
            await page.click("#select-all")
            await page.select_option("#bulk-action", "cancel")
            await page.click("#bulk-submit")
            await expect(page.locator("#bulk-result")).to_have_text("Cancel: 2 done.")
            assert "peer=EU" in page.url  # back to the same filtered list
            await _shot(page, "messages-bulk-cancelled")
        states = [await store.get(f"m-{n}") for n in (1, 2, 3)]
    assert [message.state if message else None for message in states] == [
        MessageState.CANCELLED,
        MessageState.CANCELLED,
        MessageState.QUEUED,
    ]


async def test_an_auditor_searches_and_exports_the_trail_and_reads_the_configuration(
    tmp_path: Path, chromium: Path
) -> None:
    async with api_rig(tmp_path) as rig:
        _, case = await incoming_request(rig)
        async with _browser(rig, chromium, Role.AUDITOR, "auditor-1") as page:
            await page.click("nav >> text=Audit trail")
            await page.fill('input[name="kind"]', "case.")
            await page.click("#audit-search")
            await expect(page.locator("table.audit tbody tr")).to_have_count(1)
            await expect(page.locator("table.audit tbody")).to_contain_text(case.case_id)
            await _shot(page, "audit-filtered")
            async with page.expect_download() as download:
                await page.click("#export")
            exported = await (await download.value).path()
            assert exported is not None
            lines = (await asyncio.to_thread(Path(exported).read_text)).splitlines()
            assert lines[0].startswith("seq,at,kind")
            assert len(lines) == 2
            assert ",case.opened," in lines[1]
            for name in ("Alerts", "Peers", "Trust store", "Settings", "Dublin cases"):
                await page.click(f"nav >> text={name}")
                await expect(page.locator("h1")).to_have_text(name)
                await _shot(page, name.lower().replace(" ", "-"))
            await page.goto(f"/console/cases/{case.case_id}")
            await expect(page.locator("#clock")).to_be_visible()
            await expect(page.locator("#reply-form")).to_have_count(0)  # reads, never acts


async def test_an_admin_makes_a_token(tmp_path: Path, chromium: Path) -> None:
    async with api_rig(tmp_path) as rig:
        async with _browser(rig, chromium, Role.ADMIN, "root-1") as page:
            await page.click("nav >> text=Tokens")
            await page.fill("#token-name", "evibel-2")
            await page.check("#role-submitter")
            await page.click("#make-token")
            await expect(page.locator("#secret")).to_contain_text("eugw_")
            await _shot(page, "tokens-made")
        tokens = {token.name for token in await rig.services.store.tokens()}
    assert "evibel-2" in tokens
