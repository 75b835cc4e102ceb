"""Contacts: the people behind the visitors, with their emails, phones and channels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from omnidesk.db import Base, IdType, new_id, utcnow


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    contact_manager_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Created automatically from a visitor and never added or edited by staff.
    unknown: Mapped[bool] = mapped_column(Boolean, default=False)
    # Created by staff with no channel yet: the first visitor with one of its emails or phones claims it.
    pre_registration: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)  # false = deleted (soft) or merged
    # Set on a merged contact (a tombstone, disabled): the contact it went into, which its id resolves to.
    merged_into_id: Mapped[str | None] = mapped_column(IdType)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Values a merge could not apply: [{"field": "name" | "manager" | "customFields.<key>", "value": ...}]
    conflicting_fields: Mapped[list[Any]] = mapped_column(default=list)
    last_chat_room_id: Mapped[str | None] = mapped_column(IdType)
    last_chat_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    emails: Mapped[list[ContactEmail]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ContactEmail.position"
    )
    phones: Mapped[list[ContactPhone]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ContactPhone.position"
    )
    channels: Mapped[list[ContactChannel]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ContactChannel.created_at"
    )

    __table_args__ = (
        Index("ix_contacts_enabled_unknown_name", "enabled", "unknown", "name"),
        Index("ix_contacts_merged_into", "merged_into_id"),
    )


class ContactEmail(Base):
    __tablename__ = "contact_emails"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(320), index=True)  # lower-cased
    position: Mapped[int] = mapped_column(Integer, default=0)


class ContactPhone(Base):
    __tablename__ = "contact_phones"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    phone_number: Mapped[str] = mapped_column(String(60))  # as typed
    e164: Mapped[str | None] = mapped_column(String(20), index=True)  # normalised, when it parses
    position: Mapped[int] = mapped_column(Integer, default=0)


class ContactChannel(Base):
    """One (visitor, source) through which the contact reached us. Blocking and verification are per
    channel."""

    __tablename__ = "contact_channels"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    visitor_id: Mapped[str] = mapped_column(ForeignKey("visitors.id", ondelete="CASCADE"))
    source_type: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(255), default="")
    name: Mapped[str] = mapped_column(String(120))  # source label or type: "widget", "api", ...
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the room's source when it was created
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_at: Mapped[datetime | None]
    field: Mapped[str | None] = mapped_column(String(60))
    value: Mapped[str | None] = mapped_column(String(320))
    last_chat_room_id: Mapped[str | None] = mapped_column(IdType)
    last_chat_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("visitor_id", "source_type", "source_id", name="ux_contact_channels_assoc"),
    )


class ContactAudit(Base):
    """Who changed a contact (None: the contact's own traffic), when, and what: ``changes`` maps each
    field to ``{"old", "new"}`` (``actions/contact_audit``).

    No foreign key: the trail outlives the contact it describes."""

    __tablename__ = "contact_audit"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    contact_id: Mapped[str] = mapped_column(IdType)
    action: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[str | None] = mapped_column(IdType)
    actor_username: Mapped[str | None] = mapped_column(String(120))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_contact_audit_contact_created", "contact_id", "created_at"),)


class ContactVerification(Base):
    """A one-time code sent to prove that the person on a chat's channel owns an email address or a phone
    number. Only a salted hash of the code is kept; a code lives minutes and allows a few attempts, so the
    hash needs no slow function."""

    __tablename__ = "contact_verifications"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[str] = mapped_column(ForeignKey("contact_channels.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(60))  # what the code was sent to: "email" | "phone"
    value: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(100))  # "salt$sha256-hex"
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ContactMerge(Base):
    """Contacts merged into one (``survivor_id``), by hand or on a verified identity. ``undo`` holds
    what the merge changed, so ``contacts.unmerge`` can put each contact, channel, room and call back.
    No foreign keys: the record outlives an undo; the erasure deletes the ones naming the person."""

    __tablename__ = "contact_merges"

    id: Mapped[str] = mapped_column(IdType, primary_key=True, default=new_id)
    survivor_id: Mapped[str] = mapped_column(IdType)
    merged_ids: Mapped[list[Any]] = mapped_column(default=list)
    reason: Mapped[str] = mapped_column(String(20))  # "manual" | "verified"
    actor_id: Mapped[str | None] = mapped_column(IdType)
    actor_username: Mapped[str | None] = mapped_column(String(120))
    undo: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]
    undone_by_username: Mapped[str | None] = mapped_column(String(120))

    __table_args__ = (Index("ix_contact_merges_survivor", "survivor_id", "created_at"),)
