"""Render every failure in one envelope; nothing escapes as a bare 500 page."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from omnidesk.api.validation import invalid_params_from
from omnidesk.errors import ApiError
from omnidesk.http.security_headers import security_headers
from omnidesk.logs import request_id

log = logging.getLogger(__name__)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at this path: each method is a route of its own, and Starlette's
    405 names only the first route's."""
    methods: set[str] = set()
    scope = {**request.scope, "method": ""}
    for route in iter_route_contexts(request.app.router.routes):
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods |= route.methods or set()
    return sorted(methods)


def answered_refusal(error: ApiError) -> JSONResponse:
    """A refusal returned rather than raised, so that the request's transaction still commits what it
    must keep: a counted failed login, a counted wrong verification code."""
    return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse(error.body(), status_code=error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        invalid = invalid_params_from(error.errors())
        return JSONResponse(invalid.body(), status_code=invalid.status_code)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 413:  # FastAPI's body limit
            error_type = "error-request-too-large"
            return JSONResponse(
                {
                    "success": False,
                    "error": f"Request body too large [{error_type}]",
                    "errorType": error_type,
                },
                status_code=413,
            )
        reason = "Resource not found" if error.status_code == 404 else str(error.detail)
        error_type = {404: "error-not-found", 405: "error-method-not-allowed"}.get(error.status_code, "error")
        headers = getattr(error, "headers", None)
        if error.status_code == 405:
            headers = {"Allow": ", ".join(_allowed_methods(request))}
        return JSONResponse(
            {"success": False, "error": reason, "errorType": error_type},
            status_code=error.status_code,
            headers=headers,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(
            {"success": False, "error": "Internal server error", "errorType": "error-internal"},
            status_code=500,
            # Sent from outside the middlewares, so with their headers added here.
            headers={**security_headers(request.url.path), "X-Request-ID": request_id.get()},
        )
