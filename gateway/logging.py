"""Structured logs: JSON when not on a terminal, readable on one, personal data never.

Redaction is an allow-list: a log line keeps the value of a key only when the
key is in `ALLOWED_KEYS`; any other value is replaced by `[redacted]`, so a
name, a national number or a fingerprint passed by mistake never reaches the
log. Add a key to the list only when its values can never be personal data.
"""

from __future__ import annotations

import io
import logging
import sys
import typing
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from gateway.settings import LogFormat, LogLevel

__all__ = ["ALLOWED_KEYS", "REDACTED", "configure_logging", "get_logger", "redact"]

REDACTED = "[redacted]"

ALLOWED_KEYS: frozenset[str] = frozenset(
    {
        # structlog's own
        "event", "level", "timestamp", "logger", "exception", "exc_info", "stack_info",
        # identifiers the gateway makes, never a person's
        "message_id", "submission_id", "correlation_id", "conversation_id", "case_id",
        "request_id", "idempotency_key_hash",
        # facts about the work, not the person
        "peer", "member_state", "state", "from_state", "to_state", "code", "path", "count",
        "attempt", "duration_ms", "regime", "category", "operation", "source", "format",
        "command", "version", "host", "port", "url", "status", "reason", "file", "problems",
        "valid", "error_type", "setting",
    }
)  # fmt: skip


def redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """structlog processor: keep allowed keys, replace every other value."""
    for key in event_dict:
        if key not in ALLOWED_KEYS:
            event_dict[key] = REDACTED
    return event_dict


def configure_logging(
    level: LogLevel = LogLevel.INFO,
    log_format: LogFormat = LogFormat.AUTO,
    stream: TextIO | None = None,
) -> None:
    """Set up structlog for the process; logs go to standard error by default."""
    out: TextIO = stream or typing.cast(TextIO, _CurrentStderr())
    readable = log_format is LogFormat.CONSOLE or (log_format is LogFormat.AUTO and out.isatty())
    renderer: Any = (
        # Colours on a terminal only: a file or a pipe gets plain readable lines.
        structlog.dev.ConsoleRenderer(colors=out.isatty())
        if readable
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.value.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    _route_library_logs(level, out, renderer)


def _route_library_logs(level: LogLevel, out: TextIO, renderer: Any) -> None:
    """The libraries' own logs (psycopg's pool, aiohttp, asyncio: the standard `logging`
    module) go out as ours do: in the same format (JSON under `log_format = json`), with
    the same redaction, the library's logger named, from the configured level on."""
    handler = logging.StreamHandler(out)
    handler.set_name(_LIBRARY_HANDLER)
    handler.addFilter(_pipeline_echo)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.processors.TimeStamper(fmt="iso", utc=True),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                redact,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [kept for kept in root.handlers if kept.get_name() != _LIBRARY_HANDLER]
    root.addHandler(handler)
    root.setLevel(logging.getLevelNamesMapping()[level.value.upper()])


_LIBRARY_HANDLER = "eugw-library-logs"


def _pipeline_echo(record: logging.LogRecord) -> bool:
    """Leave out psycopg's "error ignored terminating <Pipeline>": the echo, when a
    pipeline ends, of an error the store was raised and handled already (a conflict run
    again, an audit head another writer moved); what operators must hear, the store logs."""
    return not (
        record.name.startswith("psycopg")
        and str(record.msg).startswith("error ignored terminating")
    )


class _CurrentStderr(io.TextIOBase):
    """Standard error as it is when a line is written, not when logging was set up
    (pytest and daemons replace `sys.stderr`; a kept reference may be closed)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def get_logger(**context: Any) -> Any:
    """A logger with bound context (use allowed keys only)."""
    return structlog.get_logger().bind(**context)
