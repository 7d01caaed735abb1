"""What a console page looks for and does not find: the page says so (404, `missing.html`,
rendered by `access.page`), whichever helper found it missing."""

from __future__ import annotations

from aiohttp import web

from gateway.adapters.web.keys import SERVICES
from gateway.pipeline.services import Tracking

__all__ = ["Missing", "tracking_or_missing"]


class Missing(Exception):  # noqa: N818 - a page's answer, not an error of the gateway
    """Raised by a console page: there is no such `what` here."""

    def __init__(self, what: str) -> None:
        super().__init__(f"there is no such {what}")
        self.what = what


def tracking_or_missing(request: web.Request, what: str) -> Tracking:
    """The tracking services; `Missing(what)` where the gateway tracks no hits or cases."""
    tracking = request.app[SERVICES].tracking
    if tracking is None:
        raise Missing(what)
    return tracking
