"""Email inboxes: mailboxes read over IMAP whose emails become chats, answered over the inbox's SMTP."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnidesk.db import Base, IdType, new_id, utcnow
from omnidesk.secret_box import EncryptedJSON


class EmailInbox(Base):
    """Rocket.Chat's ``IEmailInbox``: one address, its IMAP server to read and its SMTP server to reply.

    The servers' settings are the email channel's config schema (``channels/email_inbox``): ``config``
    is that document, encrypted whole (it holds both passwords). The address, which lookups go by,
    keeps a unique column."""

    __tablename__ = "email_inboxes"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), unique=True)  # lower-cased
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    sender_info: Mapped[str | None] = mapped_column(String(200))  # the display name of replies
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    # The smtp and imap settings. Assign a new dict to change it (``email_inbox.store_inbox_config``).
    config: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON, default=dict)
    # Reading state: consecutive failed polls (the inbox turns itself off after the imap settings'
    # max_retries), the last error, and when it was last read.
    failed_polls: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None]
    created_by_id: Mapped[str | None] = mapped_column(IdType)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class EmailThreadMessage(Base):
    """Every email of a chat, received or sent, by its ``Message-ID``: replies find their chat through
    ``In-Reply-To`` and ``References``, and an email fetched twice is stored once."""

    __tablename__ = "email_messages"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    inbox_id: Mapped[str] = mapped_column(ForeignKey("email_inboxes.id", ondelete="CASCADE"))
    message_id_header: Mapped[str] = mapped_column(String(500))  # without the angle brackets
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(10))  # "inbound" | "outbound"
    subject: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("inbox_id", "message_id_header", name="ux_email_messages_inbox_message_id"),
        Index("ix_email_messages_room", "room_id"),
    )
