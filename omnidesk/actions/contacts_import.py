"""Importing contacts row by row: a row creates a contact, or adds to the one that already has one of
its emails or phones (whatever the phone's formatting).

A row's national numbers are read in the row's country (the contact custom field
``Omnichannel_Contact_Country_Field`` names) when it gives one, else in the workspace's regions (the
default, then those of its lines and numbers): a number valid in exactly one of them is read there, any
other in the default. So with a London line, ``020 7946 0958`` joins the contact with
``+44 20 7946 0958``. A number that is not a possible one is the row's error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.contact_audit import audit_contact, contact_snapshot
from omnidesk.actions.contact_links import add_contact_emails, add_contact_phones
from omnidesk.actions.contacts import create_contact, parse_phones
from omnidesk.actions.custom_fields import validate_custom_field_values
from omnidesk.errors import ApiError
from omnidesk.models import Contact, ContactEmail, ContactPhone, User
from omnidesk.models.accounts import AGENT_ROLE
from omnidesk.queries.settings import contact_country, phone_regions
from omnidesk.queries.users import user_by_username


@dataclass(frozen=True)
class ImportRow:
    name: str
    emails: Sequence[str]
    phones: Sequence[str]
    manager_username: str
    custom_fields: dict[str, str]


def row_phone_regions(session: Session, row: ImportRow) -> list[str]:
    """Where the row's national numbers are read: its country, else every region of the workspace."""
    country = contact_country(session, row.custom_fields)
    return [country] if country else phone_regions(session)


def _existing_contacts(session: Session, row: ImportRow, *, regions: list[str]) -> list[Contact]:
    emails = [normalise_email(email) for email in row.emails]
    e164s = [phone.e164 for phone in parse_phones(row.phones, regions=regions) if phone.e164]
    conditions: list[Any] = []
    if emails:
        conditions.append(
            Contact.id.in_(select(ContactEmail.contact_id).where(ContactEmail.address.in_(emails)))
        )
    if e164s:
        conditions.append(Contact.id.in_(select(ContactPhone.contact_id).where(ContactPhone.e164.in_(e164s))))
    if row.phones:
        typed = [phone.strip() for phone in row.phones]
        conditions.append(
            Contact.id.in_(select(ContactPhone.contact_id).where(ContactPhone.phone_number.in_(typed)))
        )
    if not conditions:
        return []
    return list(session.scalars(select(Contact).where(Contact.enabled.is_(True), or_(*conditions))))


def _manager_id(session: Session, username: str) -> str | None:
    if not username:
        return None
    user: User | None = user_by_username(session, username)
    if user is None or AGENT_ROLE not in user.role_ids:
        raise ApiError("error-contact-manager-not-found", f"Contact manager {username} not found")
    return user.id


def import_contact_row(session: Session, row: ImportRow) -> str:
    """Apply one row and say what happened: "created" or "updated". Raises ApiError for a bad row,
    and ``DuplicateRow`` when the row would change nothing."""
    if not row.name.strip():
        raise ApiError("error-invalid-name", "the name is empty")
    regions = row_phone_regions(session, row)
    matches = _existing_contacts(session, row, regions=regions)
    manager_id = _manager_id(session, row.manager_username)
    if len(matches) > 1:
        raise ApiError("error-ambiguous-row", "its emails and phones belong to different contacts")
    if not matches:
        create_contact(
            session,
            actor=None,
            name=row.name,
            emails=row.emails,
            phones=row.phones,
            custom_fields=row.custom_fields,
            contact_manager=manager_id,
            phone_regions=regions,
        )
        return "created"
    contact = matches[0]
    before = contact_snapshot(contact)
    add_contact_emails(contact, [normalise_email(email) for email in row.emails])
    add_contact_phones(contact, [phone.strip() for phone in row.phones if phone.strip()], regions=regions)
    missing = {
        key: value for key, value in row.custom_fields.items() if not (contact.custom_fields or {}).get(key)
    }
    if missing:
        contact.custom_fields = validate_custom_field_values(
            session,
            scope="visitor",
            values={**(contact.custom_fields or {}), **missing},
            current=contact.custom_fields,
        )
    if manager_id and not contact.contact_manager_id:
        contact.contact_manager_id = manager_id
    session.flush()
    if contact_snapshot(contact) == before:
        raise DuplicateRow()
    audit_contact(session, contact, action="updated", actor=None, before=before)
    return "updated"


class DuplicateRow(Exception):
    """The row matches an existing contact and brings nothing new."""
