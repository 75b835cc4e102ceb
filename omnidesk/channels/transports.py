"""The interface every messaging channel module implements (``registry`` lists them).

A channel module turns provider input into plain values (intake) and sends an agent's text to a customer
(``send``). ``send`` raises ``TransportError``, which knows whether trying again could help: the delivery
worker retries the others with backoff and fails a permanent one at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


class TransportError(Exception):
    """Sending failed. ``permanent``: the provider refused this message itself (bad number, outside the
    WhatsApp window, ...), so the same request will never succeed."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class Account:
    """What sending needs of a messaging channel, read while its row was at hand."""

    id: str
    type: str
    phone_number: str | None
    account_sid: str | None = None
    auth_token: str | None = None
    messaging_service_sid: str | None = None
    phone_number_id: str | None = None
    access_token: str | None = None


@dataclass(frozen=True)
class OutboundText:
    job_id: str  # our channel_messages row: Twilio's status callback URL and WhatsApp's opaque data name it
    account: Account
    to: str  # the customer's number, E.164 when it parses
    body: str
    status_callback_url: str | None = None


Send = Callable[[OutboundText], str]  # returns the provider's id of the message sent


def classify_http_failure(status: int) -> bool:
    """Whether an HTTP error answer is permanent. A wrong credential (401/403) is the workspace's to fix,
    rate limits and server errors pass: those are retried; any other 4xx refuses the message itself."""
    return 400 <= status < 500 and status not in (401, 403, 408, 409, 425, 429)
