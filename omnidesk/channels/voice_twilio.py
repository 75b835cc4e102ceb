"""Twilio Voice on the wire: its form-encoded webhooks, their ``X-Twilio-Signature``, what each callback
means for a call, and the TwiML we answer with.

The signature check is Twilio's, shared with SMS (``channels/twilio_signature.py``); the key is the
line's auth token.

What the callbacks mean (all of them land on the same call, keyed by the parent CallSid):

- incoming webhook: the call rings at our number (``ringing``);
- status callbacks of the call itself: ``queued``/``initiated``/``ringing`` ring; ``in-progress`` means
  answered for an outbound call, but for an inbound one only that Twilio picked up to run our TwiML (the
  caller may still wait in the queue), so it changes nothing; ``completed``, ``busy``, ``no-answer``,
  ``failed`` and ``canceled`` end it, with ``CallDuration`` and any ``Recording*`` fields;
- status callbacks of the agent's leg (``ParentCallSid`` set, ``To=client:<username>``): ringing offers
  the call to that agent, ``in-progress`` is the agent answering, an unanswered end is a decline;
- the ``<Dial>`` action (``DialCallStatus``): ``completed`` is the agent answering
  (``DialCallDuration`` seconds before now), anything else a decline, and the caller then goes to the
  queue;
- the ``<Enqueue>`` action (``QueueResult``): ``bridged`` means an agent took the caller after
  ``QueueTime`` seconds. Twilio does not say which agent; the softphone may report it through
  ``omnichannel/calls.event``.

A line's settings are a ``TwilioVoiceConfig``, the line's encrypted config document
(``voice_registry``); the module describes itself as ``PROVIDER``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from xml.etree import ElementTree

from omnidesk.channels.config import ChannelConfig, api_name
from omnidesk.channels.twilio_signature import SIGNATURE_HEADER as SIGNATURE_HEADER
from omnidesk.channels.twilio_signature import compute_signature as compute_signature
from omnidesk.channels.twilio_signature import is_valid_signature as is_valid_signature
from omnidesk.channels.twilio_signature import parse_form as parse_form
from omnidesk.channels.voice import CallIdentity, ReportedEvent, VoiceProvider, is_web_url
from omnidesk.errors import ApiError

WEBHOOK_PATH = "/api/v1/omnichannel/voice/twilio/{line_id}/incoming"
STATUS_PATH = "/api/v1/omnichannel/voice/twilio/{line_id}/status"
TWIML_MEDIA_TYPE = "application/xml"
DIAL_TIMEOUT_SECONDS = 20

ENDING_STATUSES = ("completed", "busy", "no-answer", "failed", "canceled")
RINGING_STATUSES = ("queued", "initiated", "ringing")


_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")


# --- a line's settings ---------------------------------------------------------------------------------


class TwilioVoiceConfig(ChannelConfig):
    account_sid: str | None = None
    auth_token: str | None = None  # signs Twilio's webhooks: an HMAC key, so kept as given


def clean_setting(field: str, raw: str) -> str:
    """A setting an admin gave (not a secret), checked; what to store."""
    value = raw.strip()
    if field == "account_sid" and not _ACCOUNT_SID.match(value):
        raise ApiError("error-invalid-account-sid", "A Twilio account SID is AC followed by 32 hex digits")
    return value


def check_complete(config: TwilioVoiceConfig) -> None:
    for field in ("account_sid", "auth_token"):
        if not getattr(config, field):
            raise ApiError("invalid-params", f"must have required property '{api_name(field)}'")


# --- URLs and signatures ----------------------------------------------------------------------------


def webhook_url(public_url: str, line_id: str) -> str:
    return public_url + WEBHOOK_PATH.format(line_id=line_id)


def status_callback_url(public_url: str, line_id: str) -> str:
    return public_url + STATUS_PATH.format(line_id=line_id)


def webhook_urls(public_url: str, line_id: str) -> dict[str, str]:
    return {
        "webhookUrl": webhook_url(public_url, line_id),
        "statusCallbackUrl": status_callback_url(public_url, line_id),
    }


# --- what a callback says ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VoiceCallback:
    """One webhook request from Twilio Voice: the first value of each field."""

    fields: dict[str, str]

    @classmethod
    def from_params(cls, params: Sequence[tuple[str, str]]) -> VoiceCallback:
        fields: dict[str, str] = {}
        for name, value in params:
            fields.setdefault(name, value)
        return cls(fields)

    def get(self, name: str) -> str:
        return self.fields.get(name, "").strip()

    def integer(self, name: str) -> int | None:
        try:
            return int(self.get(name))
        except ValueError:
            return None

    @property
    def is_agent_leg(self) -> bool:
        return bool(self.get("ParentCallSid"))

    @property
    def call_id(self) -> str:
        """The call this callback is about: an agent's leg counts as part of its parent call."""
        return self.get("ParentCallSid") or self.get("CallSid")

    @property
    def timestamp(self) -> datetime | None:
        """``Timestamp`` (RFC 2822) when Twilio sent one."""
        raw = self.get("Timestamp")
        if not raw:
            return None
        try:
            moment = parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        return moment if moment.tzinfo is not None else None

    @property
    def client_identity(self) -> str | None:
        to = self.get("To")
        return to.split(":", 1)[1] if to.startswith("client:") else None


def missing_field(callback: VoiceCallback) -> str | None:
    for name in ("CallSid", "From", "To"):
        if not callback.get(name):
            return name
    return None


def call_identity(callback: VoiceCallback, *, line_number: str) -> CallIdentity:
    """Who is calling whom. An agent's leg only says which agent; the call is the caller's, to our line."""
    if callback.is_agent_leg:
        direction, from_number, to_number = "inbound", callback.get("From"), line_number
    else:
        outbound = callback.get("Direction").startswith("outbound")
        direction = "outbound" if outbound else "inbound"
        from_number, to_number = callback.get("From"), callback.get("To")
    if from_number.startswith("client:"):  # a browser softphone's identity is not a phone number
        from_number = line_number
    return CallIdentity(
        provider="twilio",
        external_id=callback.call_id,
        direction=direction,
        from_number=from_number,
        to_number=to_number,
        caller_name=callback.get("CallerName") or None,
    )


def digest(params: Sequence[tuple[str, str]]) -> str:
    """The same for a repeated delivery of one callback, whatever the order of its fields."""
    canonical = "&".join(f"{name}={value}" for name, value in sorted(params))
    return "twilio:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:48]


def _recording(callback: VoiceCallback) -> dict[str, Any]:
    data: dict[str, Any] = {}
    # Twilio's recordings are https; anything else is not a recording and is dropped, not refused, so
    # the rest of a signed callback still counts (a refusal would only make Twilio retry it).
    if is_web_url(callback.get("RecordingUrl")):
        data["recordingUrl"] = callback.get("RecordingUrl")
        data["recordingSid"] = callback.get("RecordingSid") or None
        data["recordingDuration"] = callback.integer("RecordingDuration")
    return data


def incoming_event(params: Sequence[tuple[str, str]], *, received_at: datetime) -> ReportedEvent:
    callback = VoiceCallback.from_params(params)
    return ReportedEvent(
        kind="ringing",
        at=callback.timestamp or received_at,
        dedup_key=digest(params),
        source="twilio",
        sequence=callback.integer("SequenceNumber"),
        data={"twilioStatus": callback.get("CallStatus"), **_recording(callback)},
    )


def status_event(
    params: Sequence[tuple[str, str]], *, received_at: datetime, dialled_agent_id: str | None
) -> ReportedEvent:
    """The event a status callback or a verb's action callback stands for. ``dialled_agent_id`` is the
    agent a ``<Dial>`` action was about (we put it in the action URL)."""
    callback = VoiceCallback.from_params(params)
    at = callback.timestamp or received_at
    status = callback.get("CallStatus")
    data: dict[str, Any] = {"twilioStatus": status, **_recording(callback)}
    kind = "info"
    if callback.get("DialCallStatus"):
        dial_status = callback.get("DialCallStatus")
        data["agentId"] = dialled_agent_id
        if dial_status == "completed":
            kind = "answered"
            at = received_at - timedelta(seconds=max(callback.integer("DialCallDuration") or 0, 0))
        else:
            kind = "declined"
    elif callback.get("QueueResult"):
        if callback.get("QueueResult") == "bridged":
            kind, data["queueTime"] = "dequeued", max(callback.integer("QueueTime") or 0, 0)
    elif callback.is_agent_leg:
        data["agentUsername"] = callback.client_identity
        if status in RINGING_STATUSES:
            kind = "offered"
        elif status == "in-progress":
            kind = "answered"
        elif status in ENDING_STATUSES and status != "completed":
            kind = "declined"
    elif status in RINGING_STATUSES:
        kind = "ringing"
    elif status == "in-progress" and callback.get("Direction").startswith("outbound"):
        kind = "answered"
    elif status in ENDING_STATUSES:
        kind = "ended"
        # A plain "completed" says nothing of whether anyone answered: the call log decides.
        data["state"] = None if status == "completed" else status
        data["duration"] = callback.integer("CallDuration")
    return ReportedEvent(
        kind=kind,
        at=at,
        dedup_key=digest(params),
        source="twilio",
        sequence=callback.integer("SequenceNumber"),
        data=data,
    )


# --- TwiML -------------------------------------------------------------------------------------------


def _document(*verbs: ElementTree.Element) -> str:
    response = ElementTree.Element("Response")
    response.extend(verbs)
    body = ElementTree.tostring(response, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>' + body


def _verb(name: str, text: str | None = None, **attributes: str) -> ElementTree.Element:
    element = ElementTree.Element(name, attributes)
    element.text = text
    return element


def empty_response() -> str:
    return _document()


def reject() -> str:
    """A blocked caller hears a busy signal; Twilio does not answer, so the caller is not billed."""
    return _document(_verb("Reject", reason="busy"))


def hangup() -> str:
    return _document(_verb("Hangup"))


def enqueue(queue: str, *, action_url: str) -> str:
    """Hold the caller in ``queue`` until an agent's softphone dequeues them."""
    return _document(_verb("Enqueue", queue, action=action_url, method="POST"))


def dial_agent(identity: str, *, action_url: str, status_url: str) -> str:
    """Ring one agent's softphone (``<Client>`` identity = username). The caller hears ringing until
    the agent answers; if the agent does not, the ``<Dial>`` action puts the caller in the queue."""
    client = _verb(
        "Client",
        identity,
        statusCallback=status_url,
        statusCallbackEvent="initiated ringing answered completed",
        statusCallbackMethod="POST",
    )
    dial = _verb(
        "Dial",
        None,
        action=action_url,
        method="POST",
        timeout=str(DIAL_TIMEOUT_SECONDS),
        answerOnBridge="true",
    )
    dial.append(client)
    return _document(dial)


PROVIDER = VoiceProvider(
    provider="twilio",
    config_type=TwilioVoiceConfig,
    secrets=("auth_token",),
    clean=clean_setting,
    check_complete=check_complete,
    webhook_urls=webhook_urls,
)
