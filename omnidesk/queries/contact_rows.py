"""A page of contacts read as plain rows, one statement per table, for their wire shape
(``api/contact_shapes.py``).

Not ORM objects: loading 25 ``Contact`` objects with their emails, phones and channels cost about ten
times the SQL it ran, and a search returns 25 of them per request. The rows' attributes are named as
the models' are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.orm import Session

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


@dataclass
class ContactRows:
    """The enabled contacts asked for, by id, in the order asked (``ids``), with their children."""

    ids: list[str] = field(default_factory=list)
    contacts: dict[str, Any] = field(default_factory=dict)
    emails: dict[str, list[str]] = field(default_factory=dict)
    phones: dict[str, list[str]] = field(default_factory=dict)
    channels: dict[str, list[Any]] = field(default_factory=dict)
    managers: dict[str, Any] = field(default_factory=dict)


def contact_rows(session: Session, contact_ids: Sequence[str]) -> ContactRows:
    if not contact_ids:
        return ContactRows()
    ids = list(dict.fromkeys(contact_ids))
    # ``enabled`` is tested here rather than in SQL, where SQLite would prefer the index that leads
    # with it and read every enabled contact instead of looking up 25 ids.
    contacts = {row.id: row for row in session.execute(_CONTACTS, {"ids": ids}) if row.enabled}
    if not contacts:
        return ContactRows()
    found = {"ids": list(contacts)}
    channels: dict[str, list[Any]] = defaultdict(list)
    for channel in session.execute(_CHANNELS, found):
        channels[channel.contact_id].append(channel)
    manager_ids = list({row.contact_manager_id for row in contacts.values()} - {None})
    managers = (
        {row.id: row for row in session.execute(_MANAGERS, {"ids": manager_ids})} if manager_ids else {}
    )
    return ContactRows(
        ids=[contact_id for contact_id in ids if contact_id in contacts],
        contacts=contacts,
        emails=_grouped(session.execute(_EMAILS, found)),
        phones=_grouped(session.execute(_PHONES, found)),
        channels=channels,
        managers=managers,
    )


def _grouped(rows: Any) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for contact_id, value in rows:
        grouped[contact_id].append(value)
    return grouped
