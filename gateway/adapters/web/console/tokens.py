"""`/console/tokens`: an admin makes and revokes API tokens, as `eugw tokens` does.

A new token's secret is shown once, on the page that answers the form, and never again
(the store keeps its digest). Each change is in the audit trail with the admin's name.
Revoking a token ends its console sessions at once; the token a session stands for is not
revoked from that session (the admin would lock themselves out mid-action).
"""

from __future__ import annotations

from aiohttp import web

from gateway.adapters.web.console.access import DONE, page, render
from gateway.adapters.web.keys import CALLER, SERVICES
from gateway.adapters.web.params import query
from gateway.adapters.web.tokens import checked_request
from gateway.broker.access import GRANTS, ApiToken, Permission, Role, new_token
from gateway.errors import InputError
from gateway.logging import get_logger

__all__ = ["create_token", "revoke_token", "tokens"]

CODE = "GW-UI-TOKEN"


@page(Permission.MANAGE_TOKENS)
@query(DONE)
async def tokens(request: web.Request) -> web.Response:
    return await _page(request, done=DONE.read(request))


async def _page(
    request: web.Request,
    *,
    done: str | None = None,
    secret: str | None = None,
    made: ApiToken | None = None,
    problem: InputError | None = None,
    status: int = 200,
) -> web.Response:
    listed = await request.app[SERVICES].store.tokens()
    response = render(
        request,
        "tokens.html",
        {
            "tokens": sorted(listed, key=lambda token: token.created_at, reverse=True),
            "roles": list(Role),
            "grants": {role: sorted(p.value for p in GRANTS[role]) for role in Role},
            "mine": request[CALLER].token_id,
            "done": done,
            "secret": secret,
            "made": made,
            "problem": problem,
        },
        status=status,
    )
    response.headers["Cache-Control"] = "no-store"  # a secret may be on it
    return response


@page(Permission.MANAGE_TOKENS)
async def create_token(request: web.Request) -> web.Response:
    """Make a token for a name and its roles; the page shows its secret this once."""
    form = await request.post()
    try:
        name, roles = checked_request(
            form.get("name", ""), form.getall("role", []), code=CODE, roles_at="role"
        )
    except InputError as error:
        return await _page(request, problem=error, status=422)
    services, admin = request.app[SERVICES], request[CALLER].name
    token, secret = new_token(name=name, roles=roles, now=services.clock.now())
    await services.store.add_token(token, actor=admin)
    get_logger().info("token created", operation="token.create", source="console")
    return await _page(request, done="token made", secret=secret, made=token)


@page(Permission.MANAGE_TOKENS)
async def revoke_token(request: web.Request) -> web.StreamResponse:
    services, caller = request.app[SERVICES], request[CALLER]
    token_id = request.match_info["token_id"]
    if token_id == caller.token_id:
        error = InputError(
            CODE,
            "this is the token you are logged in with; revoke it from another admin's session "
            "or with eugw tokens revoke",
            "token_id",
        )
        return await _page(request, problem=error, status=409)
    if not await services.store.revoke_token(token_id, at=services.clock.now(), actor=caller.name):
        error = InputError("GW-IN-NO-TOKEN", f"no token with id {token_id}", "token_id")
        return await _page(request, problem=error, status=404)
    get_logger().info("token revoked", operation="token.revoke", source="console")
    raise web.HTTPSeeOther(f"/console/tokens?done=revoked {token_id}")
