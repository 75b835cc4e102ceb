"""The interface of voice: what any voice source reports of a call, in plain values, and what a provider
module declares of itself.

Who calls whom (``CallIdentity``) and what happened when (``ReportedEvent``): provider modules
(``voice_twilio``) and the calls API produce them; ``actions/calls`` folds them into the call log. A
provider module describes itself to ``voice_registry`` as one ``VoiceProvider``: its config schema (a
``config.ChannelConfig``), which settings are secrets, how a setting is checked, and the webhook URLs
a line gives its provider.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic
from urllib.parse import urlsplit

from omnidesk.channels.config import ConfigT, dump_document, load_document


@dataclass(frozen=True)
class CallIdentity:
    """Who calls whom, as the source reported it. ``external_id`` is the source's call id."""

    provider: str
    external_id: str | None
    direction: str  # "inbound" | "outbound"
    from_number: str
    to_number: str
    caller_name: str | None = None


@dataclass(frozen=True)
class ReportedEvent:
    kind: str
    at: datetime
    dedup_key: str
    source: str  # "twilio" | "api" | "manual"
    sequence: int | None = None
    # agentId/agentUsername, state (for "ended"), duration, queue, queueTime, recording fields...
    data: dict[str, Any] = field(default_factory=dict)


def is_web_url(value: str) -> bool:
    """An absolute http(s) URL. The Calls panel links to a call's recording: any other scheme
    (``javascript:``, ``data:``) would run or show content as our own site."""
    try:
        parts = urlsplit(value)
    except ValueError:  # "http://[::1": an unclosed IPv6 address
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


@dataclass(frozen=True)
class VoiceProvider(Generic[ConfigT]):
    """What a voice provider module declares of itself, for ``voice_registry`` (one line per provider).

    ``config_type`` is its config schema, stored as the line's one encrypted JSON document; the number
    calls arrive on stays the line's own column, which lookups need. ``secrets`` are masked by the API
    and, when a client sends a masked value back, kept. ``clean`` checks one setting an admin gives that
    is no secret (raising ``ApiError``) and returns what to store; ``check_complete`` refuses a line
    that lacks a setting; ``webhook_urls`` are what to paste into the provider's console."""

    provider: str  # "twilio": the line's provider column, as the API names it
    config_type: type[ConfigT]
    secrets: tuple[str, ...]
    clean: Callable[[str, str], str]
    check_complete: Callable[[ConfigT], None]
    webhook_urls: Callable[[str, str], dict[str, str]]  # (public URL, line id) -> API name: URL

    def fields(self) -> tuple[str, ...]:
        return tuple(self.config_type.model_fields)

    def load(self, document: dict[str, Any] | None) -> ConfigT:
        return load_document(self.config_type, document)

    def dump(self, config: ConfigT) -> dict[str, Any]:
        return dump_document(config)
