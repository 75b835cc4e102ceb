"""Cross-origin access for the visitor side of livechat, which the web widget calls from other sites.

Only the public visitor endpoints (authenticated by the visitor's token in the request, never by a
cookie) answer CORS, with ``*`` and without credentials: a page on another site can talk to them as
the widget does, and still cannot read anything with a staff member's session cookie.
"""

from __future__ import annotations

import re

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

VISITOR_PATHS = re.compile(
    r"^/api/v1/livechat/(?:"
    r"config|visitor(?:/[^/]+)?|room|room\.close|message(?:/[^/]+)?|messages\.history/[^/]+"
    r"|custom\.fields?|offline\.message|agent\.info/[^/]+/[^/]+|transcript"
    r"|verification\.(?:request|confirm|status)|upload/[^/]+"
    r")$"
)


class VisitorCors:
    """ASGI middleware: CORS on the visitor endpoints, nothing anywhere else."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Content-Type", "X-Visitor-Token"],
            allow_credentials=False,
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and VISITOR_PATHS.match(scope["path"]):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
