"""The widget's proactive triggers (Rocket.Chat's livechat_trigger collection): when a visitor's page
has been open a while, or its address matches, the widget shows a message before any chat starts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from omnidesk.db import Base, IdType, new_id, utcnow


class LivechatTrigger(Base):
    """``conditions`` are ``[{"name": "time-on-site" | "page-url" | "chat-opened-by-visitor" |
    "after-guest-registration", "value": str | None}]`` and ``actions`` ``[{"name": "send-message",
    "params": {"sender": "queue" | "custom", "msg": str, "name": str}}]``, as Rocket.Chat stores them."""

    __tablename__ = "livechat_triggers"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    run_once: Mapped[bool] = mapped_column(Boolean, default=False)
    conditions: Mapped[list[Any]] = mapped_column(default=list)
    actions: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
