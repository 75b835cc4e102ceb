"""The OpenAPI document tells what the API answers: its error envelope and each route's 4xx codes.

FastAPI documents a 422 that this API never sends (validation failures are Rocket.Chat's 400s) and
no other error. Here every operation gets the codes its layers answer:

- 400 for any input (``api/validation``, ``input_rules``), 431 for oversized headers and, with a
  body, 413 (``api/request_limits``);
- 401 and 403 when the route takes the acting user (``deps.get_actor``);
- 404 when its path names something (a path parameter);
- and whatever the route declares itself with ``responses=`` (``errors(404, 429)``), for the
  lookups and limits a route has beyond these.

The fuzz test (``tests/test_fuzz.py``) fails on any answer the document does not list.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from omnidesk.http.deps import get_actor

ERROR_SCHEMA_NAME = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        'Rocket.Chat\'s envelope: "error" is "<reason> [<errorType>]"; a 401 adds "status" and "message"'
    ),
    "properties": {
        "success": {"type": "boolean", "enum": [False]},
        "error": {"type": "string"},
        "errorType": {"type": "string"},
        "details": {"type": "object"},
        "status": {"type": "string"},
        "message": {"type": "string"},
    },
    "required": ["success", "error", "errorType"],
}

_REASONS = {
    400: "Invalid input",
    401: "Not logged in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflicts with what exists; the error's details name it",
    413: "Request body too large",
    429: "Too many requests; Retry-After says when to try again",
    431: "Request header fields too large",
}
_WITH_BODY = {"post", "put", "patch", "delete"}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route's own error codes, in the shared envelope."""
    return {code: _error_response(code) for code in codes}


def _error_response(code: int) -> dict[str, Any]:
    return {
        "description": _REASONS[code],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}},
    }


def _takes_actor(dependant: Dependant) -> bool:
    return any(dep.call is get_actor or _takes_actor(dep) for dep in dependant.dependencies)


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            _add_errors(app, document)
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_errors(app: FastAPI, document: dict[str, Any]) -> None:
    document.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    schemas = document["components"]["schemas"]
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        path_item = document["paths"].get(context.path_format, {})
        for method in context.methods or ():
            operation = path_item.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            codes = {400, 431}
            if method.lower() in _WITH_BODY:
                codes.add(413)
            if _takes_actor(route.dependant):
                codes |= {401, 403}
            if "{" in (context.path_format or ""):
                codes.add(404)
            for code in codes:
                responses.setdefault(str(code), _error_response(code))
