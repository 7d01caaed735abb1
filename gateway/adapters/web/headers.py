"""The headers every response of the gateway's servers carries, set in this one place.

`Server` names the gateway without versions (aiohttp's own says `Python/3.x
aiohttp/3.y`, also on the answers to malformed requests that reach no application).
Pages (HTML) get a Content-Security-Policy that allows this origin's scripts, styles and
images only; everything else (JSON, XML, text) allows nothing at all. Every response is
`nosniff`, never framed, sends no referrer and is not cached unless it says otherwise;
over TLS, Strict-Transport-Security tells browsers to come back over TLS only.
"""

from __future__ import annotations

from aiohttp import web, web_response

__all__ = ["PAGE_POLICY", "SERVER", "add_security_headers"]

SERVER = "eu-gateway"
PAGE_POLICY = "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000"  # one year
_ALWAYS = {
    "Server": SERVER,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def add_security_headers(app: web.Application) -> None:
    """The headers above on every response of `app`."""
    # Responses aiohttp makes itself (a request line it cannot parse) take this default.
    setattr(web_response, "SERVER_SOFTWARE", SERVER)  # noqa: B010 - not re-exported, mypy
    app.on_response_prepare.append(_secure)


async def _secure(request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers.update(_ALWAYS)
    page = response.content_type == "text/html"
    headers["Content-Security-Policy"] = PAGE_POLICY if page else DATA_POLICY
    headers.setdefault("Cache-Control", "no-store")
    if request.secure:
        headers["Strict-Transport-Security"] = HSTS
