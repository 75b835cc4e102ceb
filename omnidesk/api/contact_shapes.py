"""The contact's wire shape (Rocket.Chat's ILivechatContact), read as plain rows.

Every contact answer (``contacts.get``, ``contacts.search``, a create or an update) is built here from
one query per table, never from ORM objects: loading 25 ``Contact`` objects with their emails, phones
and channels cost about ten times the SQL it ran, and a search returns 25 of them per request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.orm import Session

from omnidesk.api.shapes import iso
from omnidesk.models import Contact, ContactChannel, ContactEmail, ContactPhone, User

CONTACT_COLUMNS = (
    Contact.id,
    Contact.name,
    Contact.contact_manager_id,
    Contact.unknown,
    Contact.pre_registration,
    Contact.custom_fields,
    Contact.conflicting_fields,
    Contact.last_chat_room_id,
    Contact.last_chat_at,
    Contact.created_at,
    Contact.updated_at,
    Contact.enabled,
)
CHANNEL_COLUMNS = (
    ContactChannel.contact_id,
    ContactChannel.name,
    ContactChannel.visitor_id,
    ContactChannel.source_type,
    ContactChannel.source_id,
    ContactChannel.details,
    ContactChannel.blocked,
    ContactChannel.verified,
    ContactChannel.verified_at,
    ContactChannel.field,
    ContactChannel.value,
    ContactChannel.last_chat_room_id,
    ContactChannel.last_chat_at,
    ContactChannel.created_at,
)


# Built once: building and keying a statement costs more than running it on a page of ids.
_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_CONTACTS = select(*CONTACT_COLUMNS).where(Contact.id.in_(_IDS))
_EMAILS = (
    select(ContactEmail.contact_id, ContactEmail.address)
    .where(ContactEmail.contact_id.in_(_IDS))
    .order_by(ContactEmail.contact_id, ContactEmail.position)
)
_PHONES = (
    select(ContactPhone.contact_id, ContactPhone.phone_number)
    .where(ContactPhone.contact_id.in_(_IDS))
    .order_by(ContactPhone.contact_id, ContactPhone.position)
)
_CHANNELS = (
    select(*CHANNEL_COLUMNS)
    .where(ContactChannel.contact_id.in_(_IDS))
    .order_by(ContactChannel.contact_id, ContactChannel.created_at)
)
_MANAGERS = select(User.id, User.name, User.username).where(User.id.in_(_IDS))


def contact_shapes(session: Session, contact_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The enabled contacts among ``contact_ids``, shaped, in the order of ``contact_ids``."""
    if not contact_ids:
        return []
    ids = list(dict.fromkeys(contact_ids))
    # ``enabled`` is tested here rather than in SQL, where SQLite would prefer the index that leads
    # with it and read every enabled contact instead of looking up 25 ids.
    contacts = {row.id: row for row in session.execute(_CONTACTS, {"ids": ids}) if row.enabled}
    if not contacts:
        return []
    found = {"ids": list(contacts)}
    emails = _grouped(session.execute(_EMAILS, found))
    phones = _grouped(session.execute(_PHONES, found))
    channels: dict[str, list[Any]] = defaultdict(list)
    for channel in session.execute(_CHANNELS, found):
        channels[channel.contact_id].append(channel)
    manager_ids = list({row.contact_manager_id for row in contacts.values()} - {None})
    managers = (
        {row.id: row for row in session.execute(_MANAGERS, {"ids": manager_ids})} if manager_ids else {}
    )
    return [
        _contact_shape(
            contacts[contact_id],
            emails=emails.get(contact_id, ()),
            phones=phones.get(contact_id, ()),
            channels=channels.get(contact_id, ()),
            manager=managers.get(contacts[contact_id].contact_manager_id),
        )
        for contact_id in ids
        if contact_id in contacts
    ]


def contact_shape(session: Session, contact_id: str) -> dict[str, Any] | None:
    shapes = contact_shapes(session, [contact_id])
    return shapes[0] if shapes else None


def channel_shape(channel: Any) -> dict[str, Any]:
    """One channel: a ``ContactChannel`` or a row of ``CHANNEL_COLUMNS`` (the same attribute names)."""
    source: dict[str, Any] = {"type": channel.source_type}
    if channel.source_id:
        source["id"] = channel.source_id
    shape: dict[str, Any] = {
        "name": channel.name,
        "visitor": {"visitorId": channel.visitor_id, "source": source},
        "verified": channel.verified,
        "blocked": channel.blocked,
        "details": channel.details or source,
    }
    for key, value in (
        ("field", channel.field),
        ("value", channel.value),
        ("verifiedAt", iso(channel.verified_at)),
    ):
        if value is not None:
            shape[key] = value
    if channel.last_chat_room_id:
        shape["lastChat"] = {"_id": channel.last_chat_room_id, "ts": iso(channel.last_chat_at)}
    return shape


def _contact_shape(
    contact: Any,
    *,
    emails: Collection[str],
    phones: Collection[str],
    channels: Collection[Any],
    manager: Any | None,
) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "_id": contact.id,
        "name": contact.name,
        "emails": [{"address": address} for address in emails],
        "phones": [{"phoneNumber": number} for number in phones],
        "unknown": contact.unknown,
        "customFields": contact.custom_fields or {},
        "conflictingFields": contact.conflicting_fields or [],
        "channels": [channel_shape(channel) for channel in channels],
        "createdAt": iso(contact.created_at),
        "_updatedAt": iso(contact.updated_at),
    }
    if contact.pre_registration:
        shape["preRegistration"] = True
    if manager is not None:
        shape["contactManager"] = {"_id": manager.id, "name": manager.name, "username": manager.username}
    if contact.last_chat_room_id:
        shape["lastChat"] = {"_id": contact.last_chat_room_id, "ts": iso(contact.last_chat_at)}
    return shape


def _grouped(rows: Any) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for contact_id, value in rows:
        grouped[contact_id].append(value)
    return grouped
