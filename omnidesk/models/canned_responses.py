"""Canned responses (Rocket.Chat's canned_response collection): texts agents insert into a reply by
their shortcut, shared with everyone (``global``), with one department's agents (``department``), or
kept by one agent for themselves (``user``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omnidesk.db import Base, IdType, new_id, utcnow

SCOPES = ("global", "department", "user")
MAX_SHORTCUT = 100
MAX_TEXT = 5000  # Rocket.Chat's Message_MaxAllowedSize: a response is sent as one message
MAX_TAG = 120  # a room tag's bound (room_tags.tag)


class CannedResponse(Base):
    """``department_id`` is set for the ``department`` scope only and ``user_id`` (the agent who keeps
    it) for the ``user`` scope only. The shortcut is unique in the workspace, as Rocket.Chat's index
    makes it, so a shortcut typed in the composer names one response whoever types it."""

    __tablename__ = "canned_responses"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    shortcut: Mapped[str] = mapped_column(String(MAX_SHORTCUT), unique=True)
    text: Mapped[str] = mapped_column(Text, info={"max_length": MAX_TEXT})
    scope: Mapped[str] = mapped_column(String(20))
    # A department's responses go with it, an agent's own with the agent.
    department_id: Mapped[str | None] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Rocket.Chat's createdBy {_id, username}, kept as written: a global response outlives its author.
    created_by_id: Mapped[str] = mapped_column(IdType)
    created_by_username: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    tag_rows: Mapped[list[CannedResponseTag]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="CannedResponseTag.position"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


class CannedResponseTag(Base):
    """A response's tags, a table of their own so that the listing filters by tag in SQL on both
    engines; removing a livechat tag removes it here too, as Rocket.Chat does."""

    __tablename__ = "canned_response_tags"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("canned_responses.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(MAX_TAG), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_canned_response_tags_tag", "tag"),)
