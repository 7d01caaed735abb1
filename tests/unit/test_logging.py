from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import structlog
from structlog.testing import capture_logs

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
