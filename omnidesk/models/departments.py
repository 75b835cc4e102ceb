"""Departments and their agents, and the managed lists a room refers to: tags, priorities, SLAs,
custom fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnidesk.db import Base, IdType, new_id, utcnow


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(320), default="")
    show_on_registration: Mapped[bool] = mapped_column(Boolean, default=True)
    show_on_offline_form: Mapped[bool] = mapped_column(Boolean, default=True)
    request_tag_before_closing: Mapped[bool] = mapped_column(Boolean, default=False)
    chat_closing_tags: Mapped[list[Any]] = mapped_column(default=list)
    fallback_forward_department_id: Mapped[str | None] = mapped_column(IdType)
    # The most of this department's chats one agent serves at once (Rocket.Chat's department
    # maxNumberSimultaneousChat); None or 0: no department limit.
    max_chats_per_agent: Mapped[int | None] = mapped_column(Integer)
    # The business hours its chats and agents keep (with Livechat_business_hour_type "Multiple").
    business_hour_id: Mapped[str | None] = mapped_column(IdType)
    # The SLA a new chat of this department gets (an extension); no foreign key, so the column is
    # dropped in place on SQLite: deleting an SLA clears it (``actions/slas.delete_sla``).
    sla_id: Mapped[str | None] = mapped_column(IdType)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # What Rocket.Chat's clients save that Omnidesk keeps and answers but does not apply: forwarding
    # restrictions, the queue and abandonment texts, the offline channel, a form's own properties.
    extra: Mapped[dict[str, Any] | None] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DepartmentAgent(Base):
    __tablename__ = "department_agents"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    department_id: Mapped[str] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    agent_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    order: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("department_id", "agent_id", name="ux_department_agents"),)


class Tag(Base):
    __tablename__ = "livechat_tags"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    departments: Mapped[list[Any]] = mapped_column(default=list)  # department ids; empty = every one
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Priority(Base):
    """Rocket.Chat's five fixed priorities; admins may rename them (``dirty``) and reset the names."""

    __tablename__ = "livechat_priorities"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    i18n: Mapped[str] = mapped_column(String(60))
    name: Mapped[str | None] = mapped_column(String(120))
    sort_item: Mapped[int] = mapped_column(Integer, unique=True)  # 1 highest .. 5 lowest
    dirty: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ServiceLevelAgreement(Base):
    """Rocket.Chat's SLA policy: the minutes within which a chat is to be answered."""

    __tablename__ = "slas"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    due_time_minutes: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CustomField(Base):
    """A custom field definition; ``id`` is the field's key. Scope ``visitor`` (contacts) or ``room``."""

    __tablename__ = "livechat_custom_fields"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(10))
    visibility: Mapped[str] = mapped_column(String(10), default="visible")
    type: Mapped[str] = mapped_column(String(10), default="input")  # "input" | "select"
    regexp: Mapped[str] = mapped_column(String(500), default="")
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    default_value: Mapped[str] = mapped_column(String(500), default="")
    options: Mapped[str] = mapped_column(Text, default="")  # comma-separated, as Rocket.Chat
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    searchable: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BusinessHour(Base):
    """When chats are served: open and close times per weekday in one time zone, and closed days.

    ``type`` "default" is the workspace's (one row, seeded); "custom" ones apply to the departments
    that name them. ``work_hours`` is ``[{"day": "Monday", "start": "08:00", "finish": "17:00",
    "open": true}, ...]`` in the zone's local time; ``holidays`` are ISO dates closed all day."""

    __tablename__ = "business_hours"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200), default="")
    type: Mapped[str] = mapped_column(String(20), default="custom")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    work_hours: Mapped[list[Any]] = mapped_column(default=list)
    holidays: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
