"""A board of another module's API, laid out by the console's script in Debian's chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import async_playwright, expect
from web_rig import api_rig

from gateway.adapters.web.auth import requires
from gateway.adapters.web.console.boards import Board, add_board
from gateway.broker.access import Role

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MARKUP = "<img src=x onerror=alert(1)>"


@requires(Role.OPERATOR)
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


@pytest.fixture
def chromium() -> Path:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run `make system-deps`"
    return CHROMIUM


async def test_a_board_shows_the_api_answer_as_tables_and_text_only(
    tmp_path: Path, chromium: Path
) -> None:
    async with api_rig(tmp_path, routes=with_probe) as rig:
        base = str(rig.client.make_url("")).rstrip("/")
        token = await rig.token(Role.OPERATOR)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=str(chromium))
            try:
                page = await browser.new_page()
                page.set_default_timeout(20_000)
                await page.goto(f"{base}/console/login")
                await page.fill("#token", token)
                await page.click("button[type=submit]")
                await page.click("nav >> text=Probe board")
                board = page.locator("#board")
                await expect(board.locator("table td").first).to_have_text("h-1")
                await expect(board).to_contain_text(MARKUP)  # shown as text, not run
                await expect(board.locator("img")).to_have_count(0)
                ARTIFACTS.mkdir(exist_ok=True)
                await page.screenshot(path=str(ARTIFACTS / "board-probe.png"), full_page=True)
            finally:
                await browser.close()
