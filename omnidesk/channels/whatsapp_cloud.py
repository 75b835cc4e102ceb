"""WhatsApp Cloud API (Meta) on the wire: the webhook's verification handshake, signed notifications
(messages and statuses), and sending text with the Graph API.

- Verification: Meta calls ``GET <callback>?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`` and
  expects the challenge back as plain text when the token is the one configured.
- Notifications: ``POST`` JSON signed with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw
  body)>``. Meta retries what it thinks failed, so messages are deduplicated on their ``wamid``.
- Messages other than text become a readable placeholder (``[image] caption``, ``[location] name``,
  ``[reaction 👍]``); media are not downloaded.
- Statuses (``sent``, ``delivered``, ``read``, ``failed``) update an outbound message's delivery state.
  We put our own id in ``biz_opaque_callback_data`` when sending, and Meta hands it back with each status.
- Sending free-form text is allowed only within 24 hours of the customer's last message.

An account's settings are a ``WhatsAppConfig``; its phone number id, which every notification names,
is the routing value (a column of its own), the rest the channel's encrypted config document.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from omnidesk import outbound_http
from omnidesk.channels.config import ChannelConfig, api_name
from omnidesk.channels.transports import ChannelModule, OutboundText, TransportError, classify_http_failure
from omnidesk.errors import ApiError

SIGNATURE_HEADER = "X-Hub-Signature-256"
WEBHOOK_PATH = "/api/v1/livechat/whatsapp-incoming/{channel_id}"
GRAPH_URL = "https://graph.facebook.com/v21.0"
DELIVERY_STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}
# Graph API error codes that are rate limits or temporary: worth trying again.
RETRYABLE_CODES = {1, 2, 4, 17, 80007, 130429, 131000, 131016, 131048, 131056, 133004}


_PHONE_NUMBER_ID = re.compile(r"^[0-9]{1,64}$")


class WhatsAppConfig(ChannelConfig):
    phone_number_id: str | None = None  # the Graph API's id of our number
    access_token: str | None = None  # authorises our calls to the Graph API
    app_secret: str | None = None  # signs Meta's notifications
    verify_token: str | None = None  # what Meta's verification handshake must name


def clean_setting(field: str, raw: str) -> str | None:
    """A setting an admin gave (not a secret), checked; what to store."""
    value = raw.strip()
    if field == "phone_number_id" and not _PHONE_NUMBER_ID.match(value):
        raise ApiError("error-invalid-phone-number-id", "A WhatsApp phone number id is a string of digits")
    return value or None


def check_complete(config: WhatsAppConfig, phone_number: str | None) -> None:
    if not phone_number:
        raise ApiError("invalid-params", "must have required property 'phoneNumber'")
    for field in ("phone_number_id", "access_token", "app_secret", "verify_token"):
        if not getattr(config, field):
            raise ApiError("invalid-params", f"must have required property '{api_name(field)}'")


def same_app(one: WhatsAppConfig, other: WhatsAppConfig) -> bool:
    """Whether two accounts are numbers of one Meta app: a notification signed for one may be for the
    other."""
    return bool(one.app_secret) and one.app_secret == other.app_secret


def webhook_url(public_url: str, channel_id: str) -> str:
    return public_url + WEBHOOK_PATH.format(channel_id=channel_id)


def is_valid_signature(app_secret: str, body: bytes, header: str) -> bool:
    if not app_secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header[len("sha256=") :].strip().lower().encode())


def verification_answer(params: dict[str, str], *, verify_token: str) -> str | None:
    """The challenge to echo when Meta's handshake names our verify token, else None."""
    if params.get("hub.mode") != "subscribe" or not verify_token:
        return None
    given = params.get("hub.verify_token", "")
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    return params.get("hub.challenge", "")


# --- notifications -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundMessage:
    phone_number_id: str
    wamid: str
    wa_id: str  # the customer's number, digits only
    profile_name: str | None
    text: str
    sent_at: datetime | None
    raw: dict[str, Any]


@dataclass(frozen=True)
class StatusUpdate:
    phone_number_id: str
    wamid: str
    delivery_status: str | None
    reference: str | None  # our biz_opaque_callback_data
    error: str | None
    raw: dict[str, Any]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _timestamp(raw: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(str(raw)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_notification(payload: Any) -> tuple[list[InboundMessage], list[StatusUpdate]]:
    """The messages and statuses of one notification. Parts that are not messages (template or account
    updates, calls) and malformed entries are skipped: Meta must not retry them forever."""
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    for entry in _list(_dict(payload).get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            if change.get("field") != "messages":
                continue
            value = _dict(change.get("value"))
            phone_number_id = str(_dict(value.get("metadata")).get("phone_number_id") or "")
            names = {
                str(_dict(contact).get("wa_id") or ""): _dict(_dict(contact).get("profile")).get("name")
                for contact in _list(value.get("contacts"))
            }
            for message in _list(value.get("messages")):
                message = _dict(message)
                wamid, sender = str(message.get("id") or ""), str(message.get("from") or "")
                if not wamid or not sender or message.get("type") == "system":
                    continue
                name = names.get(sender)
                messages.append(
                    InboundMessage(
                        phone_number_id=phone_number_id,
                        wamid=wamid,
                        wa_id=sender,
                        profile_name=str(name).strip()[:200] or None if name else None,
                        text=message_text(message),
                        sent_at=_timestamp(message.get("timestamp")),
                        raw=message,
                    )
                )
            for status in _list(value.get("statuses")):
                status = _dict(status)
                wamid = str(status.get("id") or "")
                if not wamid:
                    continue
                errors = [_dict(error) for error in _list(status.get("errors"))]
                error = (
                    "; ".join(
                        f"{e.get('code')}: {e.get('message') or e.get('title') or 'error'}" for e in errors
                    )
                    or None
                )
                statuses.append(
                    StatusUpdate(
                        phone_number_id=phone_number_id,
                        wamid=wamid,
                        delivery_status=DELIVERY_STATUSES.get(str(status.get("status") or "")),
                        reference=str(status.get("biz_opaque_callback_data") or "") or None,
                        error=error,
                        raw=status,
                    )
                )
    return messages, statuses


def message_text(message: dict[str, Any]) -> str:
    """What an agent reads of a customer's message."""
    kind = str(message.get("type") or "unsupported")
    content = _dict(message.get(kind))
    if kind == "text":
        return str(content.get("body") or "").strip() or "[empty message]"
    if kind in ("image", "video", "audio", "document", "sticker"):
        label = "voice message" if kind == "audio" and content.get("voice") else kind
        detail = content.get("caption") or content.get("filename") or ""
        return f"[{label}] {detail}".strip()
    if kind == "location":
        where = ", ".join(str(content[key]) for key in ("name", "address") if content.get(key))
        where = where or f"{content.get('latitude')}, {content.get('longitude')}"
        return f"[location] {where}"
    if kind == "reaction":
        emoji = content.get("emoji")
        return f"[reaction {emoji}]" if emoji else "[reaction removed]"
    if kind == "contacts":
        cards = [_dict(_dict(person).get("name")) for person in _list(message.get("contacts"))]
        people = [card.get("formatted_name") for card in cards]
        return "[contact] " + ", ".join(str(name) for name in people if name)
    if kind == "interactive":
        reply = _dict(content.get("button_reply")) or _dict(content.get("list_reply"))
        return str(reply.get("title") or "[interactive reply]")
    if kind == "button":
        return str(content.get("text") or "[button]")
    return f"[{kind}]"


# --- sending -------------------------------------------------------------------------------------------


def send(text: OutboundText, config: WhatsAppConfig) -> str:
    """Send a text message with the Graph API; returns its wamid."""
    if not config.phone_number_id or not config.access_token:
        raise TransportError("The WhatsApp channel has no phone number id or access token", permanent=True)
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": text.to.lstrip("+"),
        "type": "text",
        "text": {"preview_url": False, "body": text.body},
        "biz_opaque_callback_data": text.job_id,
    }
    url = f"{GRAPH_URL}/{config.phone_number_id}/messages"
    try:
        response = outbound_http.post(url, json_body=body, bearer_token=config.access_token)
    except outbound_http.HttpUnreachable as error:
        raise TransportError(str(error), permanent=False) from None
    answer = _dict(response.json())
    if not response.ok:
        problem = _dict(answer.get("error"))
        code = problem.get("code")
        permanent = classify_http_failure(response.status) and code not in RETRYABLE_CODES
        detail = f"{code}: {problem.get('message')}" if problem else response.text()
        raise TransportError(f"WhatsApp answered {response.status}: {detail}", permanent=permanent)
    sent = _list(answer.get("messages"))
    wamid = _dict(sent[0]).get("id") if sent else None
    if not isinstance(wamid, str) or not wamid:
        raise TransportError(f"WhatsApp's answer has no message id: {response.text()}", permanent=False)
    return wamid


def webhook_urls(public_url: str, channel_id: str) -> dict[str, str]:
    return {"webhookUrl": webhook_url(public_url, channel_id)}


CHANNEL = ChannelModule(
    type="whatsapp",
    provider="whatsapp-cloud",
    label="WhatsApp",
    noun="a WhatsApp channel",
    config_type=WhatsAppConfig,
    send=send,
    secrets=("access_token", "app_secret", "verify_token"),
    routing_field="phone_number_id",
    routing_label="phone number id",
    clean=clean_setting,
    check_complete=check_complete,
    webhook_urls=webhook_urls,
    # Meta authenticates the WhatsApp account behind the number (registered by a code to it) and signs
    # the notification with the app secret.
    vouches_for_sender=True,
)
