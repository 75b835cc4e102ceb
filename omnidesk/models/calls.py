"""Voice: the lines calls arrive on, the call log, and each call's event log.

A call's state, times and durations are derived from its events (``actions/calls.py::refold_call``):
providers deliver callbacks twice or out of order, and recomputing from the set of distinct events makes
every delivery order converge to the same record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnidesk.db import Base, IdType, new_id, utcnow
from omnidesk.secret_box import EncryptedJSON

DIRECTIONS = ("inbound", "outbound")
LIVE_STATES = ("ringing", "in-progress", "on-hold")
ENDED_STATES = ("completed", "no-answer", "busy", "failed", "canceled", "voicemail")
CALL_STATES = (*LIVE_STATES, *ENDED_STATES)
# An inbound call that ended in one of these was missed: it is flagged for follow-up until wrapped up.
MISSED_STATES = ("no-answer", "busy", "canceled", "voicemail")
WRAPUP_STATES = ("none", "pending", "completed")  # none while the call is live
EVENT_KINDS = (
    "ringing",
    "offered",
    "declined",
    "answered",
    "dequeued",
    "held",
    "resumed",
    "transferred",
    "ended",
    "info",
)


class VoiceLine(Base):
    """A phone number of ours at a telephony provider.

    Its provider settings are the provider module's config schema (``channels/voice_registry``):
    ``config`` is that document, encrypted whole (Twilio's auth token signs the webhooks, so it is kept
    as given, an HMAC key cannot be hashed; the API never returns it in full). The number calls arrive
    on is no secret and is looked up: it keeps a unique column."""

    __tablename__ = "voice_lines"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    phone_number: Mapped[str] = mapped_column(String(20))  # E.164
    provider: Mapped[str] = mapped_column(String(20), default="twilio")
    # The provider module's config. Assign a new dict to change it (``voice_registry.store_line_config``).
    config: Mapped[dict[str, Any] | None] = mapped_column(EncryptedJSON, default=dict)
    queue: Mapped[str] = mapped_column(String(120))
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("phone_number", name="ux_voice_lines_phone_number"),)


class Call(Base):
    """One phone call, inbound or outbound, answered or not."""

    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    # "twilio", the name a PBX gives in calls.event ("generic" by default), or "manual" for calls.log.
    provider: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(120))  # Twilio's CallSid, a PBX's call id
    line_id: Mapped[str | None] = mapped_column(ForeignKey("voice_lines.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(10))
    from_number: Mapped[str] = mapped_column(String(60))  # as received
    from_e164: Mapped[str | None] = mapped_column(String(20))
    to_number: Mapped[str] = mapped_column(String(60))
    to_e164: Mapped[str | None] = mapped_column(String(20))
    # The other party's number (``from`` inbound, ``to`` outbound): what search and contacts go by.
    customer_number: Mapped[str] = mapped_column(String(60))
    customer_e164: Mapped[str | None] = mapped_column(String(20))
    caller_name: Mapped[str | None] = mapped_column(String(200))
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    visitor_id: Mapped[str | None] = mapped_column(ForeignKey("visitors.id", ondelete="SET NULL"))
    queue: Mapped[str | None] = mapped_column(String(120))
    department_id: Mapped[str | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    agent_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    agent_username: Mapped[str | None] = mapped_column(String(120))
    # Derived from the events:
    state: Mapped[str] = mapped_column(String(20), default="ringing")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    hold_started_at: Mapped[datetime | None]  # set while on hold
    waiting_seconds: Mapped[int | None] = mapped_column(Integer)
    talk_seconds: Mapped[int | None] = mapped_column(Integer)
    hold_seconds: Mapped[int] = mapped_column(Integer, default=0)
    provider_duration: Mapped[int | None] = mapped_column(Integer)  # as the provider reported it
    recording_url: Mapped[str | None] = mapped_column(String(1000))
    recording_sid: Mapped[str | None] = mapped_column(String(64))
    recording_duration: Mapped[int | None] = mapped_column(Integer)
    follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    # Wrap-up, by the agent after the call:
    wrapup_state: Mapped[str] = mapped_column(String(10), default="none")
    wrapup_notes: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[Any]] = mapped_column(default=list)  # disposition tags
    wrapup_at: Mapped[datetime | None]
    wrapup_by_id: Mapped[str | None] = mapped_column(IdType)
    wrapup_by_username: Mapped[str | None] = mapped_column(String(120))
    # Every saved wrap-up, oldest first: [{"notes", "tags", "by": {"_id", "username"}, "at"}]
    wrapup_history: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="ux_calls_provider_external"),
        Index("ix_calls_started_at", "started_at"),
        Index("ix_calls_agent_started", "agent_id", "started_at"),
        Index("ix_calls_contact_started", "contact_id", "started_at"),
        Index("ix_calls_customer_e164", "customer_e164"),
        Index("ix_calls_follow_up", "follow_up", "started_at"),
    )


class CallEvent(Base):
    """One thing that happened to a call, as a provider, a PBX or an agent reported it.

    ``dedup_key`` makes a repeated delivery a no-op: for Twilio a digest of the signed parameters, for the
    generic API the client's event id (or kind and time)."""

    __tablename__ = "call_events"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    call_id: Mapped[str] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime]
    sequence: Mapped[int | None] = mapped_column(Integer)  # the provider's ordering hint, if any
    source: Mapped[str] = mapped_column(String(20))  # "twilio" | "api" | "manual"
    dedup_key: Mapped[str] = mapped_column(String(128))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("call_id", "dedup_key", name="ux_call_events_dedup"),
        Index("ix_call_events_call_occurred", "call_id", "occurred_at"),
    )
