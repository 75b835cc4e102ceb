"""The livechat webhook (Rocket.Chat's CRM integration): the one module the actions that cause its
events call, one line each. It reads the settings (``Livechat_webhookUrl`` and each event's switch),
shapes the body (``webhook_payloads``) and queues the delivery as a ``livechat_webhooks`` row in the
action's own transaction, so a change rolled back sends nothing; ``workers/webhook_delivery`` sends it
after the commit, never in the request.

The events, by switch (Rocket.Chat's ids; all off by default):

- ``Livechat_webhook_on_start``: ``LivechatSessionStart`` when a chat opens;
- ``Livechat_webhook_on_chat_queued``: ``LivechatSessionQueued`` when a chat waits in the queue
  (nobody took it at once);
- ``Livechat_webhook_on_chat_taken``: ``LivechatSessionTaken`` when an agent takes or is given it;
- ``Livechat_webhook_on_forward``: ``LivechatSessionForwarded`` when it is forwarded;
- ``Livechat_webhook_on_close``: ``LivechatSession`` when it closes;
- ``Livechat_webhook_on_visitor_message`` / ``_on_agent_message``: ``Message`` for each message (its
  edits too, and the closing message, by who closed);
- ``Livechat_webhook_on_capture``: ``LeadCapture`` when a visitor's message names an email address or
  a phone number (``visitors.capture_lead``);
- ``Livechat_webhook_on_offline_msg``: ``LivechatOfflineMessage`` for the widget's offline form;
- and, with no switch as in Rocket.Chat, ``LivechatEdit`` when a closed chat's information is saved;
- an extension, ``Livechat_webhook_on_sla_overdue``: ``LivechatSessionOverdue`` (with ``slaId`` and
  ``slaDueAt``) when a chat's SLA comes due before an agent answered it (``actions/slas``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.actions import webhook_payloads as payloads
from omnidesk.events import WebhookQueued, send_event_on_commit
from omnidesk.models import LivechatWebhook, Message, OfflineMessage, Room
from omnidesk.queries.settings import CRM_INTEGRATION_SETTINGS, preload_settings, setting_value
from omnidesk.secret_box import box

URL_SETTING = "Livechat_webhookUrl"
TOKEN_SETTING = "Livechat_secret_token"
TIMEOUT_SETTING = "Livechat_http_timeout"
TOKEN_HEADER = "X-RocketChat-Livechat-Token"


@dataclass(frozen=True)
class WebhookConfig:
    """Where and how deliveries are sent, read when they are sent (a changed URL applies to the
    deliveries still waiting)."""

    url: str
    token: str
    timeout: float  # seconds

    def headers(self) -> dict[str, str]:
        return {TOKEN_HEADER: self.token} if self.token else {}


def webhook_config(session: Session) -> WebhookConfig | None:
    """The webhook's settings, or None while ``Livechat_webhookUrl`` is empty."""
    url = str(setting_value(session, URL_SETTING) or "").strip()
    if not url:
        return None
    return WebhookConfig(
        url=url,
        token=box().decrypt(str(setting_value(session, TOKEN_SETTING) or "")),
        timeout=int(setting_value(session, TIMEOUT_SETTING) or 5000) / 1000,
    )


def _wanted(session: Session, switch: str | None) -> bool:
    preload_settings(session, CRM_INTEGRATION_SETTINGS)
    if not setting_value(session, URL_SETTING):
        return False
    return switch is None or bool(setting_value(session, switch))


def _queue(session: Session, *, payload: dict[str, Any], room_id: str | None = None) -> None:
    body = payloads.serialised(payload)
    if body is None:
        return
    delivery = LivechatWebhook(type=str(payload["type"]), room_id=room_id, payload=body)
    session.add(delivery)
    session.flush()
    send_event_on_commit(session, WebhookQueued(webhook_id=delivery.id))


def _chat_event(session: Session, room: Room, type: str, switch: str | None, **extra: Any) -> None:
    if _wanted(session, switch):
        _queue(
            session, payload=payloads.chat_event(session, room=room, type=type, extra=extra), room_id=room.id
        )


def chat_started(session: Session, *, room: Room) -> None:
    _chat_event(
        session, room, "LivechatSessionStart", "Livechat_webhook_on_start", departmentId=room.department_id
    )


def chat_queued(session: Session, *, room: Room) -> None:
    """A chat entered the queue; reported only when nobody took it at once (that is ``chat_taken``)."""
    if room.served_by_id is None:
        _chat_event(
            session,
            room,
            "LivechatSessionQueued",
            "Livechat_webhook_on_chat_queued",
            departmentId=room.department_id,
        )


def chat_taken(session: Session, *, room: Room) -> None:
    served = payloads.Served.of(room)
    _chat_event(
        session,
        room,
        "LivechatSessionTaken",
        "Livechat_webhook_on_chat_taken",
        departmentId=room.department_id,
        servedBy=served.shape() if served else None,
    )


@dataclass(frozen=True)
class BeforeForward:
    """Who served a chat and in which department, before it was forwarded."""

    served: payloads.Served | None
    department_id: str | None


def before_forward(room: Room) -> BeforeForward:
    return BeforeForward(payloads.Served.of(room), room.department_id)


def chat_forwarded(session: Session, *, room: Room, before: BeforeForward, to_department: bool) -> None:
    """Forwarded to an agent (``oldServedBy``) or to a department (``oldDepartmentId``)."""
    served = payloads.Served.of(room)
    old: dict[str, Any] = (
        {"oldDepartmentId": before.department_id}
        if to_department
        else {"oldServedBy": before.served.shape() if before.served else None}
    )
    _chat_event(
        session,
        room,
        "LivechatSessionForwarded",
        "Livechat_webhook_on_forward",
        departmentId=room.department_id,
        servedBy=served.shape() if served else None,
        **old,
    )


def chat_closed(session: Session, *, room: Room) -> None:
    _chat_event(session, room, "LivechatSession", "Livechat_webhook_on_close", **payloads.closed_extra(room))


def chat_overdue(session: Session, *, room: Room, due_at: str) -> None:
    _chat_event(
        session,
        room,
        "LivechatSessionOverdue",
        "Livechat_webhook_on_sla_overdue",
        departmentId=room.department_id,
        slaId=room.sla_id,
        slaDueAt=due_at,
    )


def chat_info_saved(session: Session, *, room: Room) -> None:
    """Room information saved on a closed chat (an open one's is reported as it closes)."""
    if not room.open:
        _chat_event(session, room, "LivechatEdit", None)


def message_sent(session: Session, *, room: Room, message: Message) -> None:
    """A message written or edited: the visitor's, an agent's, or the closing message (by its closer);
    other system messages are not reported."""
    if message.type and message.type != payloads.CLOSING_MESSAGE:
        return
    by_visitor = message.author_id == room.visitor_id
    switch = "Livechat_webhook_on_visitor_message" if by_visitor else "Livechat_webhook_on_agent_message"
    if _wanted(session, switch):
        payload = payloads.chat_event(session, room=room, type="Message", messages=[message])
        _queue(session, payload=payload, room_id=room.id)


def reports_visitor_messages(session: Session) -> bool:
    """Whether ``message_sent`` queues a delivery for a visitor's message."""
    return _wanted(session, "Livechat_webhook_on_visitor_message")


def lead_captured(session: Session, *, room: Room) -> None:
    if _wanted(session, "Livechat_webhook_on_capture"):
        payload = payloads.chat_event(session, room=room, type="LeadCapture", with_history=False)
        _queue(session, payload=payload, room_id=room.id)


def offline_message_left(session: Session, *, offline: OfflineMessage) -> None:
    if _wanted(session, "Livechat_webhook_on_offline_msg"):
        _queue(session, payload=payloads.offline_message(offline))
