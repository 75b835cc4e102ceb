"""A page of contacts read as plain rows, one statement per table, for their wire shape
(``shapes/contacts.py``).

Not ORM objects: loading 25 ``Contact`` objects with their emails, phones and channels cost about ten
times the SQL it ran, and a search returns 25 of them per request. Not SQLAlchemy statements either,
which still cost three times the SQL: the driver runs them (``driver_rows``). The rows' attributes are
named as the models' are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.models import Contact, ContactChannel, ContactEmail, ContactPhone, User
from omnidesk.queries.driver_rows import DriverSelect

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


_CONTACTS = DriverSelect(CONTACT_COLUMNS, key=Contact.id)
_EMAILS = DriverSelect(
    (ContactEmail.contact_id, ContactEmail.address),
    key=ContactEmail.contact_id,
    order_by=(ContactEmail.contact_id, ContactEmail.position),
)
_PHONES = DriverSelect(
    (ContactPhone.contact_id, ContactPhone.phone_number),
    key=ContactPhone.contact_id,
    order_by=(ContactPhone.contact_id, ContactPhone.position),
)
_CHANNELS = DriverSelect(
    CHANNEL_COLUMNS,
    key=ContactChannel.contact_id,
    order_by=(ContactChannel.contact_id, ContactChannel.created_at),
)
_MANAGERS = DriverSelect((User.id, User.name, User.username), key=User.id)


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
    contacts = {row.id: row for row in _CONTACTS.rows(session, ids) if row.enabled}
    if not contacts:
        return ContactRows()
    found = list(contacts)
    channels: dict[str, list[Any]] = defaultdict(list)
    for channel in _CHANNELS.rows(session, found):
        channels[channel.contact_id].append(channel)
    manager_ids = list({row.contact_manager_id for row in contacts.values()} - {None})
    managers = {row.id: row for row in _MANAGERS.rows(session, manager_ids)}
    return ContactRows(
        ids=[contact_id for contact_id in ids if contact_id in contacts],
        contacts=contacts,
        emails=_grouped(_EMAILS.rows(session, found)),
        phones=_grouped(_PHONES.rows(session, found)),
        channels=channels,
        managers=managers,
    )


def _grouped(rows: Any) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for contact_id, value in rows:
        grouped[contact_id].append(value)
    return grouped
