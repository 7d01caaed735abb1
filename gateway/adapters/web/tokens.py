"""`/v1/tokens`: an admin lists, makes and revokes API tokens over HTTP, as the console's
Tokens page and `eugw tokens` do (permission `manage_tokens`, `GRANTS`).

A new token's secret is in the answer that made it and nowhere else (the store keeps its
digest). Making and revoking are in the audit trail with the admin's name
(`token.created`, `token.revoked`). The token a request comes with is not revoked by that
request (the admin would lock themselves out mid-action); another admin's token is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from gateway.adapters.web.auth import caller, requires
from gateway.adapters.web.bodies import json_object
from gateway.adapters.web.keys import SERVICES
from gateway.broker.access import ApiToken, Permission, Role, new_token
from gateway.errors import InputError
from gateway.logging import get_logger

__all__ = ["add_routes", "checked_request", "token_view"]

CODE = "GW-API-TOKEN"
OWN = "GW-API-TOKEN-OWN"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
_KNOWN = {role.value: role for role in Role}


def checked_request(
    name: object, roles: Iterable[object], *, code: str, roles_at: str = "roles"
) -> tuple[str, frozenset[Role]]:
    """A token's name and roles as a person or a program gave them (the roles at the field
    `roles_at`), or `InputError` (`code`) listing every problem: the name is 1 to 100
    letters, digits, '.', '_', '@' or '-'; the roles are one or more of `Role`."""
    text = name.strip() if isinstance(name, str) else ""
    wanted = list(roles)
    problems: list[InputError] = []
    if not _NAME.fullmatch(text):
        problems.append(
            InputError(code, "name is 1 to 100 letters, digits, '.', '_', '@' or '-'", "name")
        )
    if not wanted or any(not isinstance(value, str) or value not in _KNOWN for value in wanted):
        sentence = f"{roles_at}: one or more of {', '.join(_KNOWN)}"
        problems.append(InputError(code, sentence, roles_at))
    if problems:
        raise InputError.from_problems(p for problem in problems for p in problem.problems)
    return text, frozenset(_KNOWN[str(value)] for value in wanted)


def token_view(token: ApiToken) -> dict[str, Any]:
    """A token as the API shows it: never its secret nor its digest."""
    return {
        "token_id": token.token_id,
        "name": token.name,
        "roles": sorted(role.value for role in token.roles),
        "created_at": token.created_at.isoformat(),
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/tokens", list_tokens)
    app.router.add_post("/v1/tokens", create_token)
    app.router.add_post("/v1/tokens/{token_id}/revoke", revoke_token)


@requires(Permission.MANAGE_TOKENS)
async def list_tokens(request: web.Request) -> web.Response:
    """Every token, the newest first, revoked ones included: `{"tokens": [{"token_id",
    "name", "roles", "created_at", "revoked_at"}]}` (no secret, no digest)."""
    listed = await request.app[SERVICES].store.tokens()
    ordered = sorted(listed, key=lambda token: token.created_at, reverse=True)
    return web.json_response({"tokens": [token_view(token) for token in ordered]})


@requires(Permission.MANAGE_TOKENS)
async def create_token(request: web.Request) -> web.Response:
    """Make a token: `{"name": "evibel-2", "roles": ["submitter"]}`. 201 with the token and
    its `secret`, shown this once; audited as `token.created` with the admin's name. A bad
    name or role: 400 `GW-API-TOKEN` naming each."""
    body = await json_object(request)
    unknown = sorted(set(body) - {"name", "roles"})
    if unknown:
        raise InputError(CODE, "a token has a name and roles, nothing else", unknown[0])
    roles = body.get("roles")
    name, granted = checked_request(
        body.get("name"), roles if isinstance(roles, list) else [], code=CODE
    )
    services = request.app[SERVICES]
    token, secret = new_token(name=name, roles=granted, now=services.clock.now())
    await services.store.add_token(token, actor=caller(request).name)
    get_logger().info("token created", operation="token.create", source="api")
    response = web.json_response({**token_view(token), "secret": secret}, status=201)
    response.headers["Cache-Control"] = "no-store"  # the secret is in it
    return response


@requires(Permission.MANAGE_TOKENS)
async def revoke_token(request: web.Request) -> web.Response:
    """Revoke a token: its requests and console sessions are refused from now on; audited as
    `token.revoked`. Not the token of this request (409 `GW-API-TOKEN-OWN`); no such token: 404
    `GW-IN-NO-TOKEN`."""
    services, me = request.app[SERVICES], caller(request)
    token_id = request.match_info["token_id"]
    if token_id == me.token_id:
        raise InputError(
            OWN,
            "this is the token of this request; revoke it with another admin's token or with "
            "eugw tokens revoke",
            "token_id",
        )
    if not await services.store.revoke_token(token_id, at=services.clock.now(), actor=me.name):
        raise InputError("GW-IN-NO-TOKEN", f"no token with id {token_id}", "token_id")
    get_logger().info("token revoked", operation="token.revoke", source="api")
    revoked = next(token for token in await services.store.tokens() if token.token_id == token_id)
    return web.json_response(token_view(revoked))
