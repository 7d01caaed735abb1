"""The composition root: the one place where settings meet adapters.

Everything else receives its collaborators as arguments; tests build the
same object with fakes from `gateway.testing`.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.adapters.clock import SystemClock
from gateway.logging import configure_logging
from gateway.ports import Clock
from gateway.settings import Settings

__all__ = ["Gateway", "build_gateway"]


@dataclass(frozen=True, kw_only=True, slots=True)
class Gateway:
    """The gateway's collaborators, wired."""

    settings: Settings
    clock: Clock


def build_gateway(settings: Settings, *, clock: Clock | None = None) -> Gateway:
    """Configure logging and wire the adapters the settings ask for."""
    configure_logging(settings.log_level, settings.log_format)
    return Gateway(settings=settings, clock=clock or SystemClock())
