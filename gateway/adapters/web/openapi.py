"""The OpenAPI 3.1 description of the HTTP API, built from the routes themselves.

Every route of the API application is described: the paths, methods and
permissions come from the router and from `requires(Permission.X)` on each handler, the
roles that grant it from `GRANTS` (so a new endpoint cannot go undocumented or claim the
wrong role); what a
route takes and answers comes from `OPERATIONS`, or, for a route not listed
there yet, from its handler's docstring. `/openapi.json` serves the
document and `/docs` renders it server-side (no script from elsewhere: the
gateway often runs without internet access).
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp_jinja2
from aiohttp import web

import gateway
from gateway.adapters.web.console import setup_templates
from gateway.adapters.web.openapi_schemas import COMPONENTS, OPERATIONS, ref
from gateway.adapters.web.params import PATH_SCHEMA, query_parameters
from gateway.broker.access import Permission, roles_with

__all__ = ["add_routes", "openapi_document"]

# Pages for people (the console, its assets, the rendered docs) are not part of the API.
_NOT_API = re.compile(r"^/(console|docs|static)(/|$)")
_PLACEHOLDER = re.compile(r"{(\w+)}")
_GENERIC_PROBLEMS = {
    "400": "The request is malformed.",
    "404": "There is no such resource.",
    "409": "The resource's state does not allow this.",
    "422": "The content is refused; every problem is listed.",
}
_ENUM_GROUP = re.compile(r"\(\?P<(\w+)>([\w|]+)\)")  # {action:resend|release|cancel}


def add_routes(app: web.Application) -> None:
    setup_templates(app)
    app.router.add_get("/openapi.json", openapi_json)
    app.router.add_get("/docs", docs)


async def openapi_json(request: web.Request) -> web.Response:
    """This document."""
    return web.json_response(openapi_document(request.app))


async def docs(request: web.Request) -> web.Response:
    """The API description as a page for people."""
    document = openapi_document(request.app)
    operations = [
        {"path": path, "method": method.upper(), **operation}
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    return aiohttp_jinja2.render_template(
        "docs.html", request, {"document": document, "operations": operations}
    )


def openapi_document(app: web.Application) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in app.router.routes():
        resource = route.resource
        if resource is None or route.method in {"HEAD", "*"}:
            continue
        info = resource.get_info()
        path = str(info.get("formatter") or info.get("path") or resource.canonical)
        if _NOT_API.match(path):
            continue
        pattern = info.get("pattern")
        enums = dict(_ENUM_GROUP.findall(pattern.pattern)) if pattern is not None else {}
        method = route.method.lower()
        paths.setdefault(path, {})[method] = _operation(method, path, enums, route.handler)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "eu-gateway",
            "version": gateway.__version__,
            "description": (
                "Submissions from national systems and the operators' view of the queues. "
                "Authenticate with `Authorization: Bearer <token>` (tokens are made with "
                "`eugw tokens create`); each operation names the permission it needs in "
                "`x-required-permission` and the roles that grant it in `x-roles`. Errors are "
                "RFC 9457 problem documents with a stable code."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            **COMPONENTS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(method: str, path: str, enums: dict[str, str], handler: Any) -> dict[str, Any]:
    known = OPERATIONS.get((method, path))
    doc = (handler.__doc__ or "").strip()
    operation: dict[str, Any] = {
        "operationId": f"{method}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}",
        "summary": doc.splitlines()[0] if doc else path,
        "responses": {"200": {"description": "OK"}},
    }
    if known is not None:
        operation.update(known)
    else:  # described from the handler alone until it gets its entry in OPERATIONS
        operation["x-described"] = False
        operation["responses"] = {
            "200": {"description": "OK", "content": {"application/json": {"schema": {}}}},
            **{status: _problem(reason) for status, reason in _GENERIC_PROBLEMS.items()},
        }
        if method in {"post", "put", "patch"}:
            operation["requestBody"] = {"content": {"application/json": {"schema": {}}}}
    permission: Permission | None = getattr(handler, "required_permission", None)
    parameters = list(operation.get("parameters", []))
    named = {(parameter["in"], parameter["name"]) for parameter in parameters}
    for name in _PLACEHOLDER.findall(path):
        if ("path", name) not in named:
            schema: dict[str, Any] = dict(PATH_SCHEMA)
            if name in enums:
                schema = {"type": "string", "enum": enums[name].split("|")}
            parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    parameters += [
        declared.openapi()
        for declared in query_parameters(handler)
        if ("query", declared.name) not in named
    ]
    if parameters:
        operation["parameters"] = parameters
    responses = operation["responses"] = dict(operation["responses"])
    if parameters:
        responses.setdefault("400", _problem("A parameter is refused; its name is the path."))
    if "requestBody" in operation:
        responses.setdefault("400", _problem("The body is not JSON, or nests too deeply."))
        responses.setdefault("408", _problem("The body did not arrive in time."))
        responses.setdefault("413", _problem("The body is larger than allowed."))
        responses.setdefault("503", _busy("The gateway holds as many bodies as it may."))
    if permission is None:
        operation["security"] = []
        operation["x-required-permission"] = "none"
        operation["x-roles"] = []
    else:
        roles = [role.value for role in roles_with(permission)]
        operation["security"] = [{"bearer": []}]
        operation["x-required-permission"] = permission.value
        operation["x-roles"] = roles
        operation["description"] = (
            f"Needs the `{permission.value}` permission: a token with the role "
            + " or ".join(f"`{role}`" for role in roles)
            + ". "
            + operation.get("description", "")
        ).strip()
        responses.setdefault("401", _problem("No valid bearer token."))
        responses.setdefault("403", _problem(f"The token lacks the {permission.value} permission."))
        responses.setdefault("429", _busy("The token sent more requests than its rate limit."))
    return operation


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }


def _busy(description: str) -> dict[str, Any]:
    """A refusal to try again later, after the seconds of its Retry-After header."""
    return _problem(description) | {
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}}
    }
