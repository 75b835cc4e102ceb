"""Livechat conversations: visitors, rooms (chats), their messages and queue entries (inquiries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omnidesk.db import Base, IdType, new_id, utcnow

# Rocket.Chat's OmnichannelSourceType.
SOURCE_TYPES = ("widget", "email", "sms", "app", "api", "other")
INQUIRY_STATUSES = ("verifying", "queued", "taken", "ready", "open")
# Rocket.Chat's LivechatPriorityWeight.NOT_SPECIFIED: rooms without a priority sort last.
PRIORITY_NOT_SPECIFIED = 99
# Rocket.Chat's DEFAULT_SLA_CONFIG.ESTIMATED_WAITING_TIME_QUEUE: the minutes a chat without an SLA
# shows as ``estimatedWaitingTimeQueue`` (stored as None).
NO_SLA_MINUTES = 9999999


# The channels whose visitors a channel creates and finds by their address there, never by token.
CHANNEL_VISITOR_TYPES = ("sms", "whatsapp", "email", "voice")


class Visitor(Base):
    """One identity on one channel. A widget or API client's visitor is its token, which is its password
    for the public visitor API. A visitor a channel created (an SMS or WhatsApp number, an email address,
    a caller) is ``(channel_type, channel_address)``; its token is random and never leaves the server,
    and the visitor API does not serve it. Username ``guest-N`` as in Rocket.Chat."""

    __tablename__ = "visitors"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    token: Mapped[str] = mapped_column(String(255), unique=True)
    # None for widget and API visitors; else one of CHANNEL_VISITOR_TYPES and the E.164 number (or the
    # number as received when it does not parse) or the lower-cased email address.
    channel_type: Mapped[str | None] = mapped_column(String(20))
    channel_address: Mapped[str | None] = mapped_column(String(320))
    username: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)  # lower-cased
    phone: Mapped[str | None] = mapped_column(String(60))  # as given
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="online")
    livechat_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    user_agent: Mapped[str | None] = mapped_column(String(500))
    ip: Mapped[str | None] = mapped_column(String(64))
    host: Mapped[str | None] = mapped_column(String(255))
    last_chat_room_id: Mapped[str | None] = mapped_column(IdType)
    last_chat_at: Mapped[datetime | None]
    last_agent_id: Mapped[str | None] = mapped_column(IdType)
    last_agent_username: Mapped[str | None] = mapped_column(String(120))
    last_agent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ux_visitors_channel", "channel_type", "channel_address", unique=True),)


class Room(Base):
    """A conversation of one visitor on one source. Open while ``open``; queued while open and not
    served; closed when ``open`` is false and ``closed_at`` is set."""

    __tablename__ = "rooms"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    fname: Mapped[str] = mapped_column(String(200))
    visitor_id: Mapped[str] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    # source: {"type", "id"?, "alias"?, "label"?, ...}; the type and id are columns for filtering.
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(255), default="")
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    on_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    served_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    served_by_username: Mapped[str | None] = mapped_column(String(120))
    served_at: Mapped[datetime | None]
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    topic: Mapped[str | None] = mapped_column(String(500))
    priority_id: Mapped[str | None] = mapped_column(ForeignKey("livechat_priorities.id", ondelete="SET NULL"))
    priority_weight: Mapped[int] = mapped_column(Integer, default=PRIORITY_NOT_SPECIFIED)
    livechat_data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # room-scope custom fields
    # The chat's SLA (no foreign key: deleting an SLA clears it, and the column drops in place), its
    # minutes, the moment its first answer is due (created_at + those minutes) and when it was marked
    # overdue.
    sla_id: Mapped[str | None] = mapped_column(IdType)
    sla_due_at: Mapped[datetime | None]
    sla_overdue_at: Mapped[datetime | None]
    sla_minutes: Mapped[int | None] = mapped_column(Integer)  # the SLA's; None without one
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # Rocket.Chat's ``ts``
    queued_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closer: Mapped[str | None] = mapped_column(String(10))  # "user" | "visitor"
    closed_by_id: Mapped[str | None] = mapped_column(IdType)
    closed_by_username: Mapped[str | None] = mapped_column(String(120))
    closing_comment: Mapped[str | None] = mapped_column(Text)
    last_message_at: Mapped[datetime | None]  # Rocket.Chat's ``lm``
    last_message_id: Mapped[str | None] = mapped_column(IdType)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    waiting_response: Mapped[bool] = mapped_column(Boolean, default=True)
    # Since when the visitor owes an answer: the agent's first reply after the visitor last wrote
    # (Rocket.Chat's responseBy.firstResponseTs); the abandonment rule counts from it.
    awaiting_visitor_since: Mapped[datetime | None]
    transcript_email: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    visitor: Mapped[Visitor] = relationship(lazy="joined", innerjoin=True)
    tag_rows: Mapped[list[RoomTag]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="RoomTag.position"
    )

    __table_args__ = (
        Index("ix_rooms_created_at", "created_at"),
        Index("ix_rooms_served_by_created", "served_by_id", "created_at"),
        Index("ix_rooms_served_by_open", "served_by_id", "open"),  # routing: each agent's open chats
        # The Chats listing filtered by an agent and a department together: closed and a tag are
        # tested from the index alone (migration 0011).
        Index(
            "ix_rooms_served_by_department_created_open",
            "served_by_id",
            "department_id",
            "created_at",
            "open",
            "id",
        ),
        Index("ix_rooms_department_created", "department_id", "created_at"),
        Index("ix_rooms_contact_closed", "contact_id", "closed_at"),
        Index("ix_rooms_visitor_source_open", "visitor_id", "source_type", "open"),
        Index("ix_rooms_open_created", "open", "created_at"),
        Index("ix_rooms_closed_at", "closed_at"),
        # The overdue check: open chats whose SLA is due and not yet marked.
        Index("ix_rooms_sla_due", "sla_due_at"),
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def is_queued(self) -> bool:
        return self.open and self.served_by_id is None


class RoomTag(Base):
    """A room's tags, a table of their own so that the tag filter is an indexed lookup."""

    __tablename__ = "room_tags"

    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(120), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The room's creation time, so that the tag filter walks (tag, room_created_at) newest first.
    room_created_at: Mapped[datetime] = mapped_column()

    __table_args__ = (Index("ix_room_tags_tag_created", "tag", "room_created_at", "room_id"),)


class RoomParticipant(Base):
    """A staff member who joined a chat it does not serve (Rocket.Chat's subscription of a user who
    ``livechat/room.join``s): it writes in the chat beside the serving agent, who keeps it."""

    __tablename__ = "room_participants"

    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    msg: Mapped[str] = mapped_column(Text, default="")
    # "t" in Rocket.Chat: None for a plain message, else a system message type ("livechat-close", ...).
    type: Mapped[str | None] = mapped_column(String(60))
    author_id: Mapped[str] = mapped_column(IdType)  # a user's or a visitor's id
    author_username: Mapped[str] = mapped_column(String(120))
    author_name: Mapped[str | None] = mapped_column(String(200))
    author_kind: Mapped[str] = mapped_column(String(10))  # "visitor" | "user" | "system"
    # Rocket.Chat's copy of the visitor's token on visitor messages. Never written since migration 0013:
    # a message is read by staff, and a visitor's token is its password.
    token: Mapped[str | None] = mapped_column(String(255))
    alias: Mapped[str | None] = mapped_column(String(200))
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)  # transferData, comment, attachments...
    created_at: Mapped[datetime] = mapped_column(default=utcnow)  # Rocket.Chat's ``ts``
    edited_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (Index("ix_messages_room_created", "room_id", "created_at"),)

    def as_row(self) -> dict[str, Any]:
        """The message's columns by name, its dates in ISO 8601: what an event carries of it
        (``MessageSent.message``), through JSON when the bus crosses processes."""
        return {
            **{name: getattr(self, name) for name in _MESSAGE_VALUES},
            **{name: _iso_or_none(getattr(self, name)) for name in _MESSAGE_DATES},
        }

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Message:
        """A message (not in any session) from ``as_row``'s dictionary."""
        dates = {
            name: datetime.fromisoformat(row[name]) if row.get(name) else None for name in _MESSAGE_DATES
        }
        return cls(**{name: row.get(name) for name in _MESSAGE_VALUES}, **dates)


_MESSAGE_VALUES = (
    "id",
    "room_id",
    "msg",
    "type",
    "author_id",
    "author_username",
    "author_name",
    "author_kind",
    "alias",
    "extra",
)
_MESSAGE_DATES = ("created_at", "edited_at", "updated_at")


def _iso_or_none(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


class Inquiry(Base):
    """A room's place in the queue, from the moment it opens until an agent takes it."""

    __tablename__ = "inquiries"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    name: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text, default="")
    visitor_id: Mapped[str] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    source_type: Mapped[str] = mapped_column(String(20))
    default_agent_id: Mapped[str | None] = mapped_column(IdType)
    default_agent_username: Mapped[str | None] = mapped_column(String(120))
    taken_by_id: Mapped[str | None] = mapped_column(IdType)
    priority_weight: Mapped[int] = mapped_column(Integer, default=PRIORITY_NOT_SPECIFIED)
    # The room's SLA, copied here as the priority is: the queue's order reads the inquiry alone.
    sla_id: Mapped[str | None] = mapped_column(IdType)
    sla_due_at: Mapped[datetime | None]
    sla_minutes: Mapped[int | None] = mapped_column(Integer)  # the SLA's; None without one
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_inquiries_status_queued", "status", "queued_at"),
        # The queue's order (``queries/inquiries.QUEUE_ORDER``): priority, SLA due (none last), arrival.
        Index("ix_inquiries_queue_order", "status", "priority_weight", "sla_due_at", "queued_at"),
    )
