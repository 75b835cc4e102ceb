"""A TestClient whose requests each cost one hand-off to the app's event loop.

Starlette's TestClient streams every response back through the loop (about eight blocking-portal
round trips a request, most of a small request's time in this suite). Omnidesk's responses are all
finite, so here each request runs whole on the loop through httpx's own ASGITransport, which reads the
body to its end, and comes back once. Lifespan, cookies and redirects stay the TestClient's.
"""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from fastapi.testclient import TestClient


class _WholeRequestTransport(httpx.BaseTransport):
    def __init__(self, client: TestClient, app: Any, raise_server_exceptions: bool) -> None:
        self.client = client
        self.asgi = httpx.ASGITransport(
            app=app, raise_app_exceptions=raise_server_exceptions, client=("testclient", 50000)
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # ASGITransport wants a body it can read without blocking: the request's bytes, read here.
        buffered = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.read(),
            extensions=request.extensions,
        )

        async def run() -> tuple[int, list[tuple[bytes, bytes]], bytes]:
            response = await self.asgi.handle_async_request(buffered)
            return response.status_code, response.headers.raw, await response.aread()

        portal = self.client.portal
        assert portal is not None, "the client is used outside its `with` block"
        status, headers, body = portal.call(run)
        return httpx.Response(status, headers=headers, content=body, request=request)


class OneCallTestClient(TestClient):
    """TestClient with one portal call per request; use it as ``with OneCallTestClient(app) as c``."""

    def __init__(self, app: Any, raise_server_exceptions: bool = True, **kwargs: Any) -> None:
        super().__init__(app, raise_server_exceptions=raise_server_exceptions, **kwargs)
        self._transport = _WholeRequestTransport(self, self.app, raise_server_exceptions)
