"""An agent's reply in an SMS or WhatsApp chat: refused when it cannot be delivered, queued for the
delivery worker in the request's transaction, and updated by what the provider later says of it.
Also how a customer's number is filed, which intake shares."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.actions.contact_links import our_number
from omnidesk.channels.registry import CHANNELS
from omnidesk.dates import iso
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.events import MessageUpdated, send_event_on_commit
from omnidesk.models import ChannelMessage, Message, MessagingChannel, Room
from omnidesk.models.messaging import DELIVERY_RANKS
from omnidesk.phones import to_e164
from omnidesk.queries.messaging import last_customer_message_at
from omnidesk.queries.settings import region_for_phone

WHATSAPP_WINDOW = timedelta(hours=24)
LABELS = {type: module.label for type, module in CHANNELS.items()}


def customer_key(session: Session, number: str, *, via: str | None) -> str:
    """How a customer's number is filed: E.164 when it parses (a national one in the region of ``via``,
    our number it came through), else as received."""
    return to_e164(number, default_region=region_for_phone(session, via=via)) or number.strip()


def prepare_reply(session: Session, *, room: Room) -> MessagingChannel | None:
    """The account an agent's message in ``room`` goes out through (None for chats of other sources).
    Refuses a reply that cannot be delivered: the account was removed, or WhatsApp's 24-hour window
    since the customer's last message has closed."""
    if room.source_type not in CHANNELS:
        return None
    channel = session.get(MessagingChannel, room.source_id)
    if channel is None:
        raise ApiError(
            "error-messaging-channel-not-found",
            f"The {LABELS[room.source_type]} channel of this chat was removed; replies cannot be delivered",
        )
    if channel.type == "whatsapp":
        customer = customer_key(session, room.visitor.phone or "", via=our_number(room.source or {}))
        last = last_customer_message_at(session, channel_id=channel.id, customer=customer)
        if last is None or utcnow() - last > WHATSAPP_WINDOW:
            raise ApiError(
                "error-whatsapp-window-closed",
                "WhatsApp allows free-form replies only within 24 hours of the customer's last message",
            )
    return channel


def queue_reply(
    session: Session, *, room: Room, message: Message, destination: MessagingChannel
) -> ChannelMessage:
    """Queue an agent's message for delivery in the request's transaction: it goes out only if the
    request commits (``workers/messaging_delivery`` sends it)."""
    channel = destination
    job = queue_text(
        session,
        channel=channel,
        to=customer_key(session, room.visitor.phone or "", via=our_number(room.source or {})),
        body=message.msg,
        room_id=room.id,
        message_id=message.id,
    )
    delivery = _delivery_shape(channel.type, "queued", job.occurred_at, None)
    message.extra = {**(message.extra or {}), "delivery": delivery}
    session.flush()
    return job


def queue_text(
    session: Session,
    *,
    channel: MessagingChannel,
    to: str,
    body: str,
    room_id: str | None,
    message_id: str | None = None,
) -> ChannelMessage:
    """Queue ``body`` to the number ``to`` through ``channel``, in the request's transaction: an agent's
    reply (``message_id`` names it) or a text of ours in a chat, such as a verification code."""
    now = utcnow()
    job = ChannelMessage(
        channel_id=channel.id,
        provider=channel.provider,
        direction="out",
        message_id=message_id,
        room_id=room_id,
        customer=to[:60],
        body=body,
        payload={},
        status="pending",
        delivery_status="queued",
        occurred_at=now,
        next_attempt_at=now,
    )
    session.add(job)
    session.flush()
    return job


def _delivery_shape(channel_type: str, status: str, at: datetime, error: str | None) -> dict[str, Any]:
    shape: dict[str, Any] = {"channel": channel_type, "status": status, "updatedAt": iso(at)}
    if error:
        shape["error"] = error
    return shape


def apply_delivery_status(
    session: Session,
    *,
    job: ChannelMessage,
    status: str,
    error: str | None = None,
    external_id: str | None = None,
) -> bool:
    """Record what the provider says of an outbound message. A status ranked below the current one is
    ignored (callbacks arrive out of order), so any order of the same callbacks ends the same. True when
    the delivery state changed."""
    if external_id and not job.external_id:
        job.external_id = external_id[:255]
    current = DELIVERY_RANKS.get(job.delivery_status or "queued", 0)
    if DELIVERY_RANKS.get(status, -1) < current or status == job.delivery_status:
        session.flush()
        return False
    job.delivery_status = status
    if error:
        job.last_error = error[:1000]
    message = session.get(Message, job.message_id) if job.message_id else None
    if message is not None:
        channel_type = (message.extra or {}).get("delivery", {}).get("channel") or (
            "sms" if job.provider == "twilio" else "whatsapp"
        )
        delivery = _delivery_shape(
            channel_type, status, utcnow(), error if status in ("failed", "undelivered") else None
        )
        message.extra = {**(message.extra or {}), "delivery": delivery}
        send_event_on_commit(session, MessageUpdated(room_id=message.room_id, message_id=message.id))
    session.flush()
    return True
