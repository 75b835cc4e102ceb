"""The one place Omnidesk makes HTTP requests to other services (Twilio, Meta's Graph API, the
workspace's livechat webhook).

Transports call ``outbound_http.post(...)`` through this module, so a test replaces one name
(``monkeypatch.setattr(outbound_http, "post", fake)``) or points a request at a local server, and the
suite never touches the network. Any HTTP status comes back as a ``HttpResponse``; only a request
that got no answer (DNS, refused connection, timeout) raises ``HttpUnreachable``.

What every request is held to: a timeout, an answer read up to ``MAX_RESPONSE_BYTES``, and no
redirects followed. A 3xx comes back as the answer: a URL someone configured (a webhook) cannot bounce
the request, with its credentials, to an address nobody configured, such as one inside our network.
"""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from omnidesk import __version__

TIMEOUT_SECONDS = 20.0
MAX_RESPONSE_BYTES = 1_000_000
USER_AGENT = f"Omnidesk/{__version__}"


class HttpUnreachable(Exception):
    """No HTTP answer at all: worth trying again later. ``reason`` says why without the URL."""

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes
    content_type: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def text(self, limit: int = 500) -> str:
        return self.body[:limit].decode("utf-8", "replace")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None  # urllib then raises the 3xx as an HTTPError, which ``_send`` returns as the answer


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(
    url: str,
    *,
    form: Sequence[tuple[str, str]] | None = None,
    json_body: Any = None,
    json_bytes: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    basic_auth: tuple[str, str] | None = None,
    bearer_token: str | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> HttpResponse:
    """POST a form-encoded (``form``) or JSON body: ``json_body`` to serialise, or ``json_bytes``
    serialised already (sent as they are)."""
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}
    data: bytes | None = None
    if form is not None:
        data = urlencode(list(form)).encode("utf-8")
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif json_body is not None or json_bytes is not None:
        data = json_bytes if json_bytes is not None else json.dumps(json_body).encode("utf-8")
        all_headers["Content-Type"] = "application/json"
    if basic_auth is not None:
        credentials = base64.b64encode(f"{basic_auth[0]}:{basic_auth[1]}".encode()).decode("ascii")
        all_headers["Authorization"] = f"Basic {credentials}"
    elif bearer_token is not None:
        all_headers["Authorization"] = f"Bearer {bearer_token}"
    request = urllib.request.Request(url, data=data, headers=all_headers, method="POST")
    return _send(request, timeout=timeout)


def _send(request: urllib.request.Request, *, timeout: float) -> HttpResponse:
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return HttpResponse(
                status=response.status,
                body=response.read(MAX_RESPONSE_BYTES),
                content_type=response.headers.get("Content-Type", ""),
            )
    except urllib.error.HTTPError as error:  # a 3xx, 4xx or 5xx answer is an answer
        with error:
            return HttpResponse(
                status=error.code,
                body=error.read(MAX_RESPONSE_BYTES),
                content_type=error.headers.get("Content-Type", "") if error.headers else "",
            )
    # A garbled answer (not HTTP, cut short) is no answer either.
    except (TimeoutError, urllib.error.URLError, OSError, http.client.HTTPException) as error:
        reason = getattr(error, "reason", error)
        raise HttpUnreachable(f"{request.full_url.split('?')[0]}: {reason}", reason=str(reason)) from None
