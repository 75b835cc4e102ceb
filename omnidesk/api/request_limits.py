"""What a request may be before any route sees it: bounded headers and body, no NUL in path or query.

- **Bodies.** A request that carries no credentials (no ``X-Auth-Token``, no session cookie) can come
  from anyone on the internet: visitors, webhooks, the sign-in form. It gets the small limit
  (``OMNIDESK_MAX_PUBLIC_BODY_BYTES``, 64 KiB); one with credentials the larger one
  (``OMNIDESK_MAX_BODY_BYTES``, 1 MiB), which its route then checks. A declared ``Content-Length``
  over the limit is answered 413 before anything is read; a streamed body is counted as it arrives
  and refused at the first chunk past the limit. (Starlette's own body limit answers 413 in plain
  text, not in the API's envelope.)
- **Headers.** At most 100, 16 KiB in all, answered 431; uvicorn bounds the header block itself
  too, and this keeps the bound behind any other ASGI server.
- **NUL.** A NUL in the path or the query string would reach a database that cannot store it
  (``input_rules``); percent-decoding replaces any invalid UTF-8, so NUL is the one character to look
  for. JSON bodies are checked by their schemas (``api/validation.Body``).
"""

from __future__ import annotations

import json

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omnidesk.browser_session import SESSION_COOKIE
from omnidesk.settings import Settings

MAX_HEADERS = 100
# The routes that take a file (api/uploads.py); here so that this module imports no router.
UPLOAD_PATHS = ("/api/v1/livechat/upload/", "/api/v1/rooms.media/")
MAX_HEADER_BYTES = 16 * 1024

_CREDENTIALS = (b"x-auth-token",)
_SESSION_COOKIE = SESSION_COOKIE.encode() + b"="


class RequestTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit; rendered by ``api/errors``."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail="Request body too large")


class RequestLimits:
    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.public_limit = settings.max_public_body_bytes
        self.limit = settings.max_body_bytes
        self.upload_limit = settings.max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = scope["headers"]
        if (
            len(headers) > MAX_HEADERS
            or sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES
        ):
            await _refuse(
                scope, receive, send, 431, "Request header fields too large", "error-headers-too-large"
            )
            return
        query = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query or "\x00" in scope.get("path", ""):
            await _refuse(scope, receive, send, 400, "must NOT contain NUL characters", "invalid-params")
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(UPLOAD_PATHS):
            limit = self.upload_limit
        else:
            limit = self.limit if _has_credentials(headers) else self.public_limit
        declared = _content_length(headers)
        if declared is not None and declared > limit:
            await _refuse(scope, receive, send, 413, "Request body too large", "error-request-too-large")
            return
        await self.app(scope, _counting(receive, limit), send)


def _has_credentials(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name in _CREDENTIALS or (name == b"cookie" and _SESSION_COOKIE in value):
            return True
    return False


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _counting(receive: Receive, limit: int) -> Receive:
    received = 0

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise RequestTooLarge
        return message

    return counted


async def _refuse(
    scope: Scope, receive: Receive, send: Send, status: int, reason: str, error_type: str
) -> None:
    if scope["type"] == "websocket":
        await receive()  # the connect message, then refuse the handshake
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps(
        {"success": False, "error": f"{reason} [{error_type}]", "errorType": error_type}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
