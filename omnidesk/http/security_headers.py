"""Security headers on every HTTP response: a strict Content-Security-Policy, no framing, no MIME
sniffing, no referrer sent to other sites.

The pages run no inline script and no inline style (their scripts and styles are files under
``/static``), so the policy allows scripts, styles and connections from this origin only. In CSP level 3
``'self'`` also matches ``ws:``/``wss:`` to the same host, which is how the pages reach ``/websocket``.

No page is meant to be framed: the visitor widget is a script (``/livechat/widget.js``) that draws into
the customer's own page, not a frame, so ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY`` hold
everywhere. Headers on the script, its stylesheet and the visitor API do not reach the customer's page:
a browser applies a CSP and frame rules to documents only, and ``nosniff`` merely asks that the script
be served as JavaScript and the stylesheet as CSS, which they are. No Cross-Origin-Resource-Policy is
sent, since ``same-origin`` would stop other sites from loading the widget.

FastAPI's API explorer (``/docs``, ``/redoc``) is third-party HTML that loads its code from a CDN and
starts it with an inline script, so those paths alone get a policy that allows both.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_CDN = "https://cdn.jsdelivr.net"
API_EXPLORER_POLICY = (
    f"default-src 'self'; script-src 'self' 'unsafe-inline' {_CDN}; "
    f"style-src 'self' 'unsafe-inline' {_CDN} https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
    "worker-src 'self' blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
API_EXPLORER_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})

# same-origin rather than strict-origin-when-cross-origin: page addresses carry chat, contact and call
# ids, and no other site needs even our origin (the widget's requests start from the customer's page,
# under its own policy).
_COMMON = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)
PAGE_HEADERS = ((b"content-security-policy", PAGE_POLICY.encode()), *_COMMON)
API_EXPLORER_HEADERS = ((b"content-security-policy", API_EXPLORER_POLICY.encode()), *_COMMON)


def security_headers(path: str) -> dict[str, str]:
    """The headers for ``path``, for an answer sent from outside this middleware: Starlette renders an
    unexpected error's 500 in its outermost layer, after every middleware has given up."""
    chosen = API_EXPLORER_HEADERS if path in API_EXPLORER_PATHS else PAGE_HEADERS
    return {name.decode(): value.decode() for name, value in chosen}


class SecurityHeaders:
    """ASGI middleware: adds the headers above to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = API_EXPLORER_HEADERS if scope["path"] in API_EXPLORER_PATHS else PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(header for header in added if header[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
