"""Messaging channels: the SMS and WhatsApp accounts admins connect, and every provider message that went
through one of them, in either direction.

``channel_messages`` is both the record that makes a repeated webhook a no-op (a provider's message id is
stored once) and the outbound job queue: an agent's reply in an SMS or WhatsApp chat is a row in
``pending`` that a worker claims with a conditional UPDATE (``workers/job_queue``), as for email.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnidesk.db import Base, IdType, new_id, utcnow
from omnidesk.secret_box import EncryptedJSON

JOB_STATUSES = ("received", "pending", "sending", "sent", "failed")
# What the provider says of an outbound message, in the order a message goes through them. A status
# never replaces one of a higher rank, so callbacks applied in any order end in the same state.
DELIVERY_RANKS = {
    "queued": 0,
    "sending": 1,
    "sent": 2,
    "undelivered": 3,
    "failed": 3,
    "delivered": 4,
    "read": 5,
}


class MessagingChannel(Base):
    """One account at a messaging provider: a Twilio number (or messaging service) for SMS, a WhatsApp
    Cloud API phone number.

    Its provider settings are the channel module's config schema (``channels/registry``): ``config`` is
    that document, encrypted whole (it holds the secrets that sign the provider's webhooks and authorise
    our calls; the API never returns them in full). The one setting a webhook finds the account by is
    no secret and has a unique column instead: Twilio's messaging service SID, WhatsApp's phone number
    id."""

    __tablename__ = "messaging_channels"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    type: Mapped[str] = mapped_column(String(20))  # "sms" | "whatsapp"
    provider: Mapped[str] = mapped_column(String(20))  # "twilio" | "whatsapp-cloud"
    name: Mapped[str] = mapped_column(String(120))
    # Our number in E.164: Twilio's From (absent for a messaging service), WhatsApp's display number.
    phone_number: Mapped[str | None] = mapped_column(String(20))
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    # The routing values: Twilio's messaging service SID, WhatsApp's phone number id.
    messaging_service_sid: Mapped[str | None] = mapped_column(String(64))
    phone_number_id: Mapped[str | None] = mapped_column(String(64))
    # The rest of the module's config. Assign a new dict to change it (``registry.store_config``).
    config: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("type", "phone_number", name="ux_messaging_channels_type_phone"),
        UniqueConstraint("phone_number_id", name="ux_messaging_channels_phone_number_id"),
        UniqueConstraint("messaging_service_sid", name="ux_messaging_channels_service_sid"),
    )


class ChannelMessage(Base):
    """One provider message: received from a customer (``direction="in"``, status ``received``) or an
    agent's reply to deliver (``"out"``: ``pending`` → ``sending`` → ``sent`` or ``failed``).

    ``external_id`` is the provider's id (Twilio's MessageSid, WhatsApp's wamid); it is unique per
    provider, so a webhook delivered twice is stored once. ``delivery_status`` is what the provider
    reported of an outbound message since (queued ... read), mirrored in the message's ``delivery``."""

    __tablename__ = "channel_messages"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    channel_id: Mapped[str | None] = mapped_column(ForeignKey("messaging_channels.id", ondelete="SET NULL"))
    provider: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    external_id: Mapped[str | None] = mapped_column(String(255))
    message_id: Mapped[str | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    room_id: Mapped[str | None] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    customer: Mapped[str] = mapped_column(String(60))  # the customer's number (E.164 when it parses)
    body: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the provider's fields, as received
    status: Mapped[str] = mapped_column(String(10))
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)  # sent by the customer, or queued by us
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="ux_channel_messages_provider_external"),
        Index("ix_channel_messages_status_next", "status", "next_attempt_at"),
        Index("ix_channel_messages_window", "channel_id", "customer", "direction", "occurred_at"),
        Index("ix_channel_messages_message_id", "message_id"),
    )
