"""Workspace settings: typed values an admin can change at runtime (Rocket.Chat's settings collection)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from omnidesk.db import Base, JSONType, utcnow

SETTING_TYPES = ("boolean", "string", "int", "select", "multiSelect")


class Setting(Base):
    __tablename__ = "settings"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    value: Mapped[Any] = mapped_column(JSONType, nullable=True)
    package_value: Mapped[Any] = mapped_column(
        JSONType, nullable=True
    )  # the shipped default, as Rocket.Chat names it
    group: Mapped[str] = mapped_column(String(60), default="General")
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    # For "select" and "multiSelect": the allowed values, as [{"key": ..., "i18nLabel": ...}].
    values: Mapped[list[Any] | None] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Counter(Base):
    """A named sequence (``guest-N`` visitor names), advanced with one conditional UPDATE."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
