"""A new user's first command: the demo sets everything up and plays every shipped
scenario through the real gateway, simulators, sockets, TLS and signatures; then it keeps
running for a tester to explore, through the console too."""

from __future__ import annotations

import http.cookiejar
import re
import signal
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from eugw_process import child_env, run_eugw

DEMO_SECONDS = 300


def _story_until_it_keeps_running(process: subprocess.Popen[str]) -> list[str]:
    """The demo's standard output up to the line saying it keeps running."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith(("the demo keeps running", "SOME SCENARIOS FAILED")):
            break
    return lines


def _console(api: str, token: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A console session for the token, and the login page it started from."""
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with browser.open(f"{api}/console/login", timeout=30) as response:
        login = response.read().decode()
    found = re.search(r'name="login_csrf" value="([^"]*)"', login)
    assert found, login
    form = urllib.parse.urlencode({"token": token, "login_csrf": found.group(1)}).encode()
    with browser.open(f"{api}/console/login", data=form, timeout=30) as response:
        assert response.status == 200
    return browser, login


def test_the_demo_runs_every_scenario_and_opens_the_console_to_testers(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway", "demo", "--api-port", "0", "--persons", "5",
         "--data-dir", str(data)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(),
    )  # fmt: skip
    watchdog = threading.Timer(DEMO_SECONDS, process.kill)  # a hung demo fails, never hangs
    watchdog.start()
    try:
        story = _story_until_it_keeps_running(process)
        text = "\n".join(story)
        assert "the demo keeps running; Ctrl-C stops it" in story, text
        api = re.search(r"^gateway API +(http://\S+)", text, re.MULTILINE)
        assert api, text
        console = re.search(r"^web console +(\S+)", text, re.MULTILINE)
        assert console, text
        assert console.group(1) == f"{api.group(1)}/console"
        token = (data / "demo-token.txt").read_text().strip()
        assert token.startswith("eugw_")
        browser, login = _console(api.group(1), token)
        assert '<link rel="icon" href="/console/static/favicon.svg"' in login
        with browser.open(f"{api.group(1)}/console/static/favicon.svg", timeout=30) as icon:
            assert icon.headers["Content-Type"] == "image/svg+xml"
            assert icon.read().startswith(b"<svg")
        with browser.open(f"{api.group(1)}/console/simulators", timeout=30) as page:
            assert page.status == 200  # the demo names the control API; its token tests
            assert "eurodac" in page.read().decode()
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=60)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, text + rest + errors[-3000:]
    held = re.search(r"^(\d+) of (\d+) scenarios held", text, re.MULTILINE)
    assert held, text
    assert held.group(1) == held.group(2)
    assert int(held.group(2)) >= 8
    assert text.count("Scenario:") >= 8
    assert "all scenarios passed" in story
    assert "FAIL" not in text
    # The story is the scenarios' reports; the gateway's log lines go to standard error, and
    # are readable there, not JSON.
    assert not [line for line in story if line.lstrip().startswith("{")]
    assert not [line for line in errors.splitlines() if line.lstrip().startswith("{")]
    assert (data / "samples" / "manifest.json").exists()
    audit = run_eugw("audit", "verify", env={"EUGW_DATA_DIR": str(data)})
    assert audit.returncode == 0, audit.stderr
    assert "audit trail intact" in audit.stdout
