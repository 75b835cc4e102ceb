"""Logging a browser page in over DDP with its session cookie.

The staff pages cannot read their HttpOnly session cookie, so they cannot send a resume token. The
browser does send the cookie with the WebSocket handshake; ``login`` with ``[{"cookie": true}]`` uses
it. Any site can open a WebSocket to us and the browser would attach the cookie all the same (the
handshake is not subject to CORS), so the cookie counts only when the handshake's ``Origin`` is this
site: the ``Host`` the browser connected to, or the configured public URL. That stops cross-site
WebSocket hijacking; a client without an Origin (not a browser) logs in with a token instead.
"""

from __future__ import annotations

from typing import cast
from urllib.parse import urlsplit

from fastapi import Request
from starlette.requests import HTTPConnection

from omnidesk.browser_session import session_credentials
from omnidesk.realtime.protocol import MeteorError

DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
FOREIGN_ORIGIN = "Cookie login is accepted only from this site's own pages"
NO_SESSION = "You've been logged out by the server. Please log in again."


def _host(scheme: str, netloc: str) -> str:
    """``netloc`` lower-cased and without the scheme's default port."""
    netloc = netloc.lower()
    default = DEFAULT_PORTS.get(scheme)
    if default and netloc.endswith(f":{default}"):
        netloc = netloc[: -len(default) - 1]
    return netloc


def origin_is_this_site(connection: HTTPConnection, public_url: str) -> bool:
    origin = connection.headers.get("origin")
    if not origin:
        return False
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    origin_host = _host(parts.scheme, parts.netloc)
    host_header = connection.headers.get("host", "")
    if host_header and origin_host == _host(parts.scheme, host_header):
        return True
    public = urlsplit(public_url)
    return bool(public.netloc) and (parts.scheme, origin_host) == (
        public.scheme,
        _host(public.scheme, public.netloc),
    )


def cookie_credentials(connection: HTTPConnection, public_url: str) -> tuple[str, str]:
    """The (user id, login token) of the handshake's session cookie, from this site's pages only."""
    if not origin_is_this_site(connection, public_url):
        raise MeteorError(403, FOREIGN_ORIGIN)
    # session_credentials reads nothing but the cookies, which a WebSocket handshake carries too.
    credentials = session_credentials(cast(Request, connection))
    if credentials is None:
        raise MeteorError(403, NO_SESSION)
    return credentials
