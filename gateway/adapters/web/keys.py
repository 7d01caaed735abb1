"""Typed keys for what the aiohttp applications and requests carry."""

from __future__ import annotations

from aiohttp import web

from gateway.broker.access import ApiToken
from gateway.pipeline.services import Services

__all__ = ["CALLER", "SERVICES"]

SERVICES = web.AppKey("services", Services)
CALLER = web.RequestKey("caller", ApiToken)  # the caller's token, set by `requires`
