"""The server's own code path without HTTP: the app called as ASGI in the harness's process.

A read through the API costs three things: the HTTP round trip (socket, uvicorn's parsing, the client),
the app's Python (middleware, routing, validation, authentication, SQLAlchemy, shaping, JSON, one
worker-thread hand-off) and the SQL. The raw floor is the SQL; ``GET /api/info`` over HTTP is roughly
the round trip; the same request called in-process, measured here, is the app with its SQL and without
the round trip. Side by side they show where a read's time goes, input by input.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import unquote

from omnidesk.app import create_app
from omnidesk.services import Services


class InProcessApp:
    def __init__(self, services: Services, headers: dict[str, str]) -> None:
        # Only HTTP routes are called: the realtime layer (the app's lifespan) is not started.
        self.app = create_app(services)
        self.headers = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

    async def get(self, path: str) -> Any:
        """The decoded JSON answer of ``GET path``, as the HTTP client returns it; a status other than
        200 is an error, as it is over HTTP. The ASGI call is made by hand rather than through
        httpx's ASGI transport, whose own request and response objects would be counted as the app's."""
        raw_path, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": unquote(raw_path),
            "raw_path": raw_path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1"), *self.headers],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        sent: list[MutableMapping[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: MutableMapping[str, Any]) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        status = sent[0]["status"]
        body = b"".join(message.get("body", b"") for message in sent[1:])
        if status != 200:
            raise RuntimeError(f"GET {path} in-process: {status} {body[:300]!r}")
        return json.loads(body)
