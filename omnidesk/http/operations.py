"""The operator's endpoints (``/healthz``, ``/readyz``, ``/metrics``), answered before anything else.

They sit outside the request limits, the admission gate and the routes, and take no credentials of
a user: a probe must get through when the app is full (that is when it is asked), and costs a dict
lookup per request rather than a place in the route list. They speak ASGI directly, like the
middlewares around them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Scope, Receive, Send], Awaitable[None]]
Header = tuple[bytes, bytes]

_READ_METHODS = frozenset({"GET", "HEAD"})
_NO_STORE = (b"cache-control", b"no-store")


class OperationsEndpoints:
    """ASGI middleware: ``endpoints`` by exact path; every other request goes on to ``app``."""

    def __init__(self, app: ASGIApp, *, endpoints: Mapping[str, Endpoint]) -> None:
        self.app = app
        self.endpoints = dict(endpoints)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.endpoints.get(scope["path"])
            if endpoint is not None:
                await endpoint(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def answer(
    scope: Scope, send: Send, status: int, body: bytes, content_type: bytes, headers: Iterable[Header] = ()
) -> None:
    """Send a whole answer; a HEAD request gets its headers only."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                _NO_STORE,
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


async def answer_json(
    scope: Scope, send: Send, status: int, content: Any, headers: Iterable[Header] = ()
) -> None:
    await answer(scope, send, status, json.dumps(content).encode(), b"application/json", headers)


async def refuse_other_methods(scope: Scope, send: Send) -> bool:
    """Answer 405 to anything but GET and HEAD; whether it did."""
    if scope["method"] in _READ_METHODS:
        return False
    await answer_json(
        scope,
        send,
        405,
        {"success": False, "error": "Method Not Allowed", "errorType": "error-method-not-allowed"},
        headers=((b"allow", b"GET, HEAD"),),
    )
    return True
