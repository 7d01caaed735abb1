from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from eugw_process import child_env
from structlog.testing import capture_logs

from gateway.listen_ports import free_port
from gateway.logging import REDACTED, configure_logging, get_logger, redact
from gateway.settings import LogFormat, LogLevel


@pytest.fixture(autouse=True)
def _reset_structlog() -> Iterator[None]:
    structlog.reset_defaults()  # whatever an earlier test (or command) configured
    yield
    structlog.reset_defaults()


def test_bound_context_reaches_the_log() -> None:
    with capture_logs() as logs:
        get_logger(message_id="m-1", peer="NL").info("sent", attempt=2)
    assert logs == [
        {"event": "sent", "log_level": "info", "message_id": "m-1", "peer": "NL", "attempt": 2}
    ]


def test_personal_data_never_leaves_the_process() -> None:
    stream = io.StringIO()
    configure_logging(LogLevel.INFO, LogFormat.JSON, stream)
    get_logger(message_id="m-2").info(
        "mapped", family_name="HADDAD", national_number="90051703324", state="mapped"
    )
    line = json.loads(stream.getvalue())
    assert line["family_name"] == REDACTED
    assert line["national_number"] == REDACTED
    assert line["message_id"] == "m-2"
    assert line["state"] == "mapped"
    assert "HADDAD" not in stream.getvalue()
    assert "90051703324" not in stream.getvalue()


def test_redact_keeps_only_allowed_keys() -> None:
    event = redact(None, "info", {"event": "x", "peer": "FR", "name": "Olena"})
    assert event == {"event": "x", "peer": "FR", "name": REDACTED}


def test_levels_below_the_setting_are_dropped() -> None:
    stream = io.StringIO()
    configure_logging(LogLevel.WARNING, LogFormat.JSON, stream)
    get_logger().info("quiet")
    get_logger().warning("loud")
    assert [json.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["loud"]


def test_console_format_is_readable() -> None:
    stream = io.StringIO()
    configure_logging(LogLevel.INFO, LogFormat.CONSOLE, stream)
    get_logger(peer="DE").info("delivered")
    text = stream.getvalue()
    assert "delivered" in text
    assert "peer" in text
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


def test_the_libraries_logs_go_out_as_ours_do() -> None:
    stream = io.StringIO()
    configure_logging(LogLevel.INFO, LogFormat.JSON, stream)
    logging.getLogger("psycopg.pool").warning("error connecting in %r: %s", "pool-1", "refused")
    logging.getLogger("aiohttp.server").debug("below the level: dropped")
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["event"] == "error connecting in 'pool-1': refused"
    assert line["logger"] == "psycopg.pool"
    assert line["level"] == "warning"
    configure_logging(LogLevel.INFO, LogFormat.JSON, stream)  # again: one handler, not two
    logging.getLogger("aiohttp.server").error("once")
    assert stream.getvalue().count('"once"') == 1


def test_psycopgs_echo_of_an_error_the_store_handled_is_left_out() -> None:
    stream = io.StringIO()
    configure_logging(LogLevel.INFO, LogFormat.JSON, stream)
    logging.getLogger("psycopg").warning(
        "error ignored terminating %r: %s", "<psycopg.Pipeline [INERROR]>", "pipeline aborted"
    )
    logging.getLogger("psycopg").warning("error ignored in rollback: %s", "gone")
    [line] = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert line["event"] == "error ignored in rollback: gone"


def test_a_pool_that_cannot_connect_logs_json_under_json(tmp_path: Path) -> None:
    """A real psycopg pool, retrying a port nobody listens on, through `eugw queue`."""
    closed = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "queue"],
        env=child_env(
            {
                "EUGW_DATA_DIR": str(tmp_path),
                "EUGW_LOG_FORMAT": "json",
                "EUGW_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{closed}/test",
            }
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    *logged, last = result.stderr.splitlines()
    assert result.returncode == 2
    assert last.startswith("GW-STORE-OPEN")
    lines = [json.loads(text) for text in logged]  # every line JSON: none in plain text
    assert any(line.get("logger", "").startswith("psycopg") for line in lines), lines
