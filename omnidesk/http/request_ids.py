"""A request id for every HTTP request: on each log record written while it runs (``omnidesk/logs.py``)
and in the answer's ``X-Request-ID``.

A proxy or client that sends its own ``X-Request-ID`` gets it back and finds it in our logs, so one id
follows a request across systems. It is taken only when it is short and made of ``[A-Za-z0-9._-]``:
anything else could forge log lines or fill them, and is replaced by a fresh id.

A fresh id is this process's random prefix and a count: unique across processes and restarts without
reading the system's random source on every request, and nothing relies on an id being unguessable.
"""

from __future__ import annotations

import itertools
import re
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from omnidesk.logs import request_id

HEADER = b"x-request-id"
_SAFE_ID = re.compile(rb"[A-Za-z0-9._-]{1,64}")
_PREFIX = secrets.token_hex(6)
_count = itertools.count(1)


def chosen_request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's id when it is safe, else a new one (``<12 hex digits>-<hex count>``)."""
    for name, value in headers:
        if name == HEADER:
            if _SAFE_ID.fullmatch(value):
                return value.decode()
            break
    return f"{_PREFIX}-{next(_count):x}"


class RequestIds:
    """ASGI middleware: sets the request's id for the logs and adds it to the answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        current = chosen_request_id(scope["headers"])
        header = (HEADER, current.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = request_id.set(current)
        await self.app(scope, receive, send_with_id)
        # Not reset when the app raises: Starlette logs and answers an unexpected error in its outermost
        # layer (``api/errors.py``), outside every middleware, and that record needs the id too. The
        # request's task ends with it.
        request_id.reset(token)
