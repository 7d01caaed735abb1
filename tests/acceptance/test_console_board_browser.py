"""A board of another module's API, laid out by the console's script, and an expert's verdict on
a hit, in Debian's chromium."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from console_rig import browser_page, pending_hit, screenshot, type_token
from playwright.async_api import expect
from web_rig import api_rig

from gateway.adapters.web.auth import requires
from gateway.adapters.web.console.extensions import Board, add_board
from gateway.broker.access import Permission, Role
from gateway.tracking.hits import HitStatus

MARKUP = "<img src=x onerror=alert(1)>"


@requires(Permission.READ_MESSAGES)
async def list_hits(_: web.Request) -> web.Response:
    hits = [
        {"hit_id": "h-1", "status": "awaiting_verification", "note": MARKUP},
        {"hit_id": "h-2", "status": "awaiting_verification", "due": "2026-12-01"},
    ]
    return web.json_response({"hits": hits, "count": 2})


def with_probe(app: web.Application) -> None:
    # A board of its own, so the test holds whatever API routes the gateway has.
    app.router.add_get("/v1/probe", list_hits)
    add_board(
        app, Board(name="probe", title="Probe board", api_path="/v1/probe", source="/v1/probe")
    )


async def test_a_board_shows_the_api_answer_as_tables_and_text_only(
    tmp_path: Path, chromium: Path
) -> None:
    async with api_rig(tmp_path, routes=with_probe) as rig:
        base = str(rig.client.make_url("")).rstrip("/")
        token = await rig.token(Role.OPERATOR)
        async with browser_page(chromium, base) as page:
            await page.goto("/console/login")
            await type_token(page, token)
            await page.click("nav >> text=Probe board")
            board = page.locator("#board")
            await expect(board.locator("table td").first).to_have_text("h-1")
            await expect(board).to_contain_text(MARKUP)  # shown as text, not run
            await expect(board.locator("img")).to_have_count(0)
            await screenshot(page, "board-probe")


async def test_an_expert_rejects_a_hit_in_the_browser(tmp_path: Path, chromium: Path) -> None:
    async with api_rig(tmp_path) as rig:
        tracking = rig.services.tracking
        assert tracking is not None
        await tracking.store.add_hit(pending_hit("h-9"), [])
        base = str(rig.client.make_url("")).rstrip("/")
        token = await rig.token(Role.OPERATOR, name="expert-2")
        async with browser_page(chromium, base) as page:
            await page.goto("/console/login?next=/console/hits?state=pending")
            await type_token(page, token)
            await page.click("text=h-9")
            await page.fill("#reject-reason", "different ridges")
            await page.click("#reject")
            await expect(page.locator(".notice")).to_have_text("Done: rejected.")
            await expect(page.locator("#hit-status")).to_have_text("rejected")
            await expect(page.locator("#reported")).to_be_visible()  # the report is due
            await screenshot(page, "board-hit-rejected", full_page=False)
        stored = await tracking.hits.hit("h-9")
    assert (stored.status, stored.decided_by) == (HitStatus.REJECTED, "expert-2")
