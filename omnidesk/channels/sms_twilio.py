"""SMS through Twilio on the wire: the incoming-message webhook (Rocket.Chat's
``POST /api/v1/livechat/sms-incoming/twilio``), message status callbacks, and sending with Twilio's
Messages API.

Both webhooks are form-encoded and signed like every Twilio webhook (``twilio_signature.py``) with the
account's auth token. Twilio adds fields without notice: all of them take part in the signature and
are kept with the message. The incoming webhook is answered with an empty TwiML ``<Response></Response>``
(``text/xml``), so Twilio sends nothing back to the customer; the agent's reply goes out through the
API. Media are not downloaded: the message says ``[image]`` (with the text as caption) instead.

An account's settings are a ``TwilioConfig``; its messaging service SID, which incoming messages
name, is the routing value (a column of its own), the rest the channel's encrypted config document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from omnidesk import outbound_http
from omnidesk.channels.config import ChannelConfig, api_name
from omnidesk.channels.transports import ChannelModule, OutboundText, TransportError, classify_http_failure
from omnidesk.errors import ApiError

INCOMING_PATH = "/api/v1/livechat/sms-incoming/twilio"
STATUS_PATH = "/api/v1/livechat/sms-incoming/twilio/{channel_id}/status"
API_URL = "https://api.twilio.com/2010-04-01"
TWIML_MEDIA_TYPE = "text/xml"
EMPTY_RESPONSE = "<Response></Response>"

# Twilio's MessageStatus values, as the delivery states an agent's message shows.
DELIVERY_STATUSES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}


_ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")


class TwilioConfig(ChannelConfig):
    account_sid: str | None = None
    auth_token: str | None = None  # signs Twilio's webhooks, authorises our calls
    messaging_service_sid: str | None = None  # sends from the service's numbers instead of our number


def clean_setting(field: str, raw: str) -> str | None:
    """A setting an admin gave (not a secret), checked; what to store."""
    value = raw.strip()
    if field == "account_sid" and not _ACCOUNT_SID.match(value):
        raise ApiError("error-invalid-account-sid", "A Twilio account SID is AC followed by 32 hex digits")
    if field == "messaging_service_sid" and value and not _SERVICE_SID.match(value):
        raise ApiError(
            "error-invalid-messaging-service-sid",
            "A Twilio messaging service SID is MG followed by 32 hex digits",
        )
    return value or None


def check_complete(config: TwilioConfig, phone_number: str | None) -> None:
    if not phone_number and not config.messaging_service_sid:
        raise ApiError(
            "error-invalid-params",
            "An SMS channel needs its phoneNumber or its messagingServiceSid (or both)",
        )
    for field in ("account_sid", "auth_token"):
        if not getattr(config, field):
            raise ApiError("invalid-params", f"must have required property '{api_name(field)}'")


def incoming_url(public_url: str) -> str:
    return public_url + INCOMING_PATH


def status_callback_url(public_url: str, channel_id: str) -> str:
    return public_url + STATUS_PATH.format(channel_id=channel_id)


def _first_values(params: Sequence[tuple[str, str]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for name, value in params:
        fields.setdefault(name, value)
    return fields


@dataclass(frozen=True)
class IncomingSms:
    """One incoming-message webhook."""

    fields: dict[str, str]

    @classmethod
    def from_params(cls, params: Sequence[tuple[str, str]]) -> IncomingSms:
        return cls(_first_values(params))

    def get(self, name: str) -> str:
        return self.fields.get(name, "").strip()

    @property
    def message_sid(self) -> str:
        return self.get("MessageSid") or self.get("SmsMessageSid") or self.get("SmsSid")

    @property
    def text(self) -> str:
        """The body, with a placeholder per attached medium (``[image]``, ``[video]``, ``[file]``...)."""
        try:
            media = max(int(self.get("NumMedia") or 0), 0)
        except ValueError:
            media = 0
        placeholders = [_media_placeholder(self.get(f"MediaContentType{index}")) for index in range(media)]
        text = " ".join([*placeholders, self.fields.get("Body", "").strip()]).strip()
        return text or "[empty message]"


def _media_placeholder(content_type: str) -> str:
    kind = content_type.split("/", 1)[0].lower()
    return f"[{kind}]" if kind in ("image", "video", "audio") else "[file]"


def missing_field(sms: IncomingSms) -> str | None:
    if not sms.message_sid:
        return "MessageSid"
    for name in ("From", "To"):
        if not sms.get(name):
            return name
    return None


@dataclass(frozen=True)
class StatusCallback:
    message_sid: str
    delivery_status: str | None  # None: a status we do not track
    error: str | None


def status_callback(params: Sequence[tuple[str, str]]) -> StatusCallback:
    fields = _first_values(params)
    raw = (fields.get("MessageStatus") or fields.get("SmsStatus") or "").strip().lower()
    code = (fields.get("ErrorCode") or "").strip()
    message = (fields.get("ErrorMessage") or "").strip()
    error = f"Twilio error {code}" + (f": {message}" if message else "") if code else None
    return StatusCallback(
        message_sid=(fields.get("MessageSid") or fields.get("SmsSid") or "").strip(),
        delivery_status=DELIVERY_STATUSES.get(raw),
        error=error,
    )


def send(text: OutboundText, config: TwilioConfig) -> str:
    """Create the message with Twilio's Messages API; returns its SID."""
    if not config.account_sid or not config.auth_token:
        raise TransportError("The SMS channel has no Twilio credentials", permanent=True)
    form = [("To", text.to), ("Body", text.body)]
    if config.messaging_service_sid:
        form.append(("MessagingServiceSid", config.messaging_service_sid))
    if text.phone_number:
        form.append(("From", text.phone_number))
    if text.status_callback_url:
        form.append(("StatusCallback", text.status_callback_url))
    url = f"{API_URL}/Accounts/{config.account_sid}/Messages.json"
    try:
        response = outbound_http.post(url, form=form, basic_auth=(config.account_sid, config.auth_token))
    except outbound_http.HttpUnreachable as error:
        raise TransportError(str(error), permanent=False) from None
    answer = response.json() if response.body else None
    if not response.ok:
        detail = response.text()
        if isinstance(answer, dict) and answer.get("message"):
            detail = f"{answer.get('code')}: {answer['message']}"
        raise TransportError(
            f"Twilio answered {response.status}: {detail}", permanent=classify_http_failure(response.status)
        )
    if not isinstance(answer, dict) or not isinstance(answer.get("sid"), str):
        raise TransportError(f"Twilio's answer has no message sid: {response.text()}", permanent=False)
    return str(answer["sid"])


def webhook_urls(public_url: str, channel_id: str) -> dict[str, str]:
    return {
        "webhookUrl": incoming_url(public_url),
        "statusCallbackUrl": status_callback_url(public_url, channel_id),
    }


CHANNEL = ChannelModule(
    type="sms",
    provider="twilio",
    label="SMS",
    noun="an SMS channel",
    config_type=TwilioConfig,
    send=send,
    secrets=("auth_token",),
    routing_field="messaging_service_sid",
    routing_label="messaging service",
    clean=clean_setting,
    check_complete=check_complete,
    webhook_urls=webhook_urls,
    # The carrier delivered the message from that number and Twilio signed the webhook; a spoofed
    # sender ID never receives our replies, which go to the number itself.
    vouches_for_sender=True,
)
