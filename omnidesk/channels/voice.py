"""What any voice source reports of a call, in plain values: who calls whom (``CallIdentity``) and what
happened when (``ReportedEvent``). Provider modules (``voice_twilio``) and the calls API produce them;
``actions/calls`` folds them into the call log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit


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
