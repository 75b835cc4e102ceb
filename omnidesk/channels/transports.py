"""The interface every messaging channel module implements (``registry`` lists them).

A channel module turns provider input into plain values (intake), checks the provider's signature,
declares its config schema (a ``config.ChannelConfig``) and sends an agent's text to a customer with it
(``send``); it describes itself to the registry as one ``ChannelModule``. ``send`` raises
``TransportError``, which knows whether trying again could help: the delivery worker retries the
others with backoff and fails a permanent one at once.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from omnidesk.channels.config import ConfigT, dump_document


class TransportError(Exception):
    """Sending failed. ``permanent``: the provider refused this message itself (bad number, outside the
    WhatsApp window, ...), so the same request will never succeed."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class OutboundText:
    job_id: str  # our channel_messages row: Twilio's status callback URL and WhatsApp's opaque data name it
    channel_id: str
    phone_number: str | None  # our number, E.164 (Twilio's From; absent for a messaging service)
    to: str  # the customer's number, E.164 when it parses
    body: str
    status_callback_url: str | None = None


@dataclass(frozen=True)
class ChannelModule(Generic[ConfigT]):
    """What a channel module declares of itself, for ``registry`` (one line per channel).

    ``config_type`` is its config schema, stored as the account's one encrypted JSON document but for
    ``routing_field``: a value that is no secret and by which a webhook finds the account, kept in the
    ``messaging_channels`` column of that name (unique, so indexed). ``secrets`` are masked by the API
    and, when a client sends a masked value back, kept. ``clean`` checks one value an admin gives
    (raising ``ApiError``) and returns what to store; ``check_complete`` refuses an account that lacks
    a setting; ``webhook_urls`` are what to paste into the provider's console.

    ``vouches_for_sender``: the provider authenticates the number a message comes from, so a chat on
    the channel needs no code to prove it (``actions/verification.vouched_by_provider``). Declare it
    only when a forged sender cannot reach us, or never receives our replies, and the webhook is signed.
    """

    type: str  # "sms" | "whatsapp": the chats' source type
    provider: str  # "twilio" | "whatsapp-cloud"
    label: str  # "SMS" | "WhatsApp"
    noun: str  # in errors: "an SMS channel"
    config_type: builtins.type[ConfigT]  # (the field above shadows the builtin here)
    send: Callable[[OutboundText, ConfigT], str]  # returns the provider's id of the message sent
    secrets: tuple[str, ...]
    routing_field: str | None
    routing_label: str  # the routing value in an error: "messaging service", "phone number id"
    clean: Callable[[str, str], str | None]
    check_complete: Callable[[ConfigT, str | None], None]
    webhook_urls: Callable[[str, str], dict[str, str]]  # (public URL, channel id) -> API name: URL
    vouches_for_sender: bool

    def fields(self) -> tuple[str, ...]:
        return tuple(self.config_type.model_fields)

    def load(self, document: dict[str, Any] | None, routing_value: str | None) -> ConfigT:
        values = dict(document or {})
        if self.routing_field is not None:
            values[self.routing_field] = routing_value
        return self.config_type.model_validate(values)

    def dump(self, config: ConfigT) -> tuple[dict[str, Any], str | None]:
        """The document to store and the routing column's value."""
        values = dump_document(config)
        routing = values.pop(self.routing_field, None) if self.routing_field is not None else None
        return values, routing


def classify_http_failure(status: int) -> bool:
    """Whether an HTTP error answer is permanent. A wrong credential (401/403) is the workspace's to fix,
    rate limits and server errors pass: those are retried; any other 4xx refuses the message itself."""
    return 400 <= status < 500 and status not in (401, 403, 408, 409, 425, 429)
