"""Admission control: at most a fixed number of HTTP requests inside the app at once.

Handlers are synchronous and run on AnyIO's worker threads (40 by default), a request's handler,
commit and encoding on one of them (``OneThreadRoute``), but a request's session may still end on a
thread of its own (``deps.get_session``). With more requests in flight than threads, every thread can
end up held by a request waiting for the database (SQLite's write lock, or a pooled connection) while
the request holding that lock waits for a thread to end its transaction: nothing moves until the busy
timeout fails them. Keeping the requests inside below the thread count leaves threads for the
requests that hold the lock; the others wait on the event loop, where waiting costs nothing.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

MAX_REQUESTS_INSIDE = 20  # half of AnyIO's default 40 worker threads
# Each login spends argon2's deliberate CPU cost: logins get a gate of their own, so that many at once
# (a password guesser) wait here without holding the places other requests need.
MAX_LOGINS_INSIDE = 2
LOGIN_PATHS = frozenset({"/api/v1/login", "/login"})
# Requests that wait for the message writer on the event loop, holding no thread and no connection:
# the writer bounds them itself (``message_writer.MAX_WAITING``), and the more wait there, the larger
# its batches.
WRITER_PATHS = frozenset({"/api/v1/livechat/message"})


class AdmissionLimit:
    def __init__(self, app: ASGIApp, limit: int = MAX_REQUESTS_INSIDE) -> None:
        self.app = app
        self.limit = limit
        self._gate: anyio.Semaphore | None = None
        self._login_gate: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._gate is None or self._login_gate is None:  # created on the serving loop
            self._gate = anyio.Semaphore(self.limit)
            self._login_gate = anyio.Semaphore(MAX_LOGINS_INSIDE)
        if scope["method"] == "POST" and scope["path"] in WRITER_PATHS:
            await self.app(scope, receive, send)
            return
        gate = self._login_gate if scope["method"] == "POST" and scope["path"] in LOGIN_PATHS else self._gate
        async with gate:
            await self.app(scope, receive, send)
