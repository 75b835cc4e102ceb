"""POSTing one body to the workspace's livechat webhook (Rocket.Chat's ``sendRequest``): JSON, with
the secret token in ``X-RocketChat-Livechat-Token`` when one is set, through ``outbound_http`` (its
timeout, no redirects followed).

Any 2xx is delivered. A redirect is refused for good (the URL must be the receiver's own), and so is
any other 4xx but a wrong credential, a timeout, a conflict or a rate limit, which are tried again
with server errors and requests that got no answer (``transports.classify_http_failure``).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from omnidesk import outbound_http
from omnidesk.channels.transports import TransportError, classify_http_failure


class WebhookFailed(TransportError):
    """The receiver did not take the body. ``summary`` says why without its answer's text (the host and
    the status, or why nothing answered); the message adds the start of that text, for the logs."""

    def __init__(self, summary: str, *, detail: str = "", permanent: bool) -> None:
        super().__init__(f"{summary}: {detail}" if detail else summary, permanent=permanent)
        self.summary = summary


def receiver(url: str) -> str:
    """The receiving host (and port) of ``url``, for logs: its path or query may hold a secret."""
    return urlsplit(url).netloc.rpartition("@")[2] or "the webhook"


def post_webhook(url: str, *, body: str, headers: Mapping[str, str], timeout: float) -> None:
    try:
        response = outbound_http.post(url, json_bytes=body.encode("utf-8"), headers=headers, timeout=timeout)
    except outbound_http.HttpUnreachable as error:
        raise WebhookFailed(f"{receiver(url)}: {error.reason}", permanent=False) from None
    if response.ok:
        return
    summary = f"{receiver(url)} answered {response.status}"
    if 300 <= response.status < 400:
        raise WebhookFailed(f"{summary}, a redirect, which is not followed", permanent=True)
    raise WebhookFailed(summary, detail=response.text(200), permanent=classify_http_failure(response.status))
