"""The services a gateway may run without (batch uploads, tracking): a route that needs one
answers 404 where it is not configured."""

from __future__ import annotations

from typing import TypeVar

from aiohttp import web

from gateway.adapters.web.keys import SERVICES
from gateway.pipeline.batches import Batches
from gateway.pipeline.services import Tracking

__all__ = ["batches_of", "tracking_of"]

T = TypeVar("T")


def tracking_of(request: web.Request) -> Tracking:
    return _configured(request.app[SERVICES].tracking, "tracking")


def batches_of(request: web.Request) -> Batches:
    return _configured(request.app[SERVICES].batches, "batch upload")


def _configured(service: T | None, what: str) -> T:
    if service is None:
        raise web.HTTPNotFound(text=f"{what} is not configured")
    return service
