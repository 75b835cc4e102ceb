"""Read paths for the contact directory: search, existence checks, history, audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from omnidesk.models import Contact, ContactAudit, ContactChannel, ContactEmail, ContactPhone, Room
from omnidesk.phones import to_e164
from omnidesk.queries.search.contacts import SearchPage, search_page
from omnidesk.queries.settings import phone_regions

SORTABLE_CONTACT_FIELDS: dict[str, Any] = {
    "name": Contact.name,
    "createdAt": Contact.created_at,
    "lastChat.ts": Contact.last_chat_at,
    "_updatedAt": Contact.updated_at,
}


# A merged contact's id resolves to the contact it went into, through at most this many merges.
MAX_MERGE_HOPS = 50


def enabled_contact(session: Session, contact_id: str) -> Contact | None:
    """The contact, unless deleted; the id of a merged contact resolves to the one it went into."""
    contact = stored_contact(session, contact_id)
    return contact if contact is not None and contact.enabled else None


def stored_contact(session: Session, contact_id: str) -> Contact | None:
    """The contact, deleted (disabled) ones too: the privacy export and erasure reach them, since a
    deleted contact still holds what it held. A merged contact resolves to the one it went into."""
    contact = session.get(Contact, contact_id) if contact_id else None
    for _ in range(MAX_MERGE_HOPS):
        if contact is None or contact.merged_into_id is None:
            break
        contact = session.get(Contact, contact.merged_into_id)
    return contact


def resolve_contact_id(session: Session, contact_id: str) -> str | None:
    """The id of the enabled contact ``contact_id`` names (itself, or the contact a merged one went
    into), without loading the contact: for read paths that only need the id."""
    for _ in range(MAX_MERGE_HOPS):
        row = (
            session.execute(
                select(Contact.enabled, Contact.merged_into_id).where(Contact.id == contact_id)
            ).first()
            if contact_id
            else None
        )
        if row is None:
            return None
        if row.merged_into_id is None:
            return contact_id if row.enabled else None
        contact_id = row.merged_into_id
    return None


def merged_contacts(session: Session, contact_id: str) -> list[Contact]:
    """The tombstones of the contacts merged into this one, directly or through other merges."""
    found: list[Contact] = []
    frontier = [contact_id]
    while frontier:
        batch = list(session.scalars(select(Contact).where(Contact.merged_into_id.in_(frontier))))
        found += batch
        frontier = [contact.id for contact in batch]
    return found


def search_contacts(
    session: Session,
    *,
    search_text: str | None,
    unknown: bool,
    sort: Sequence[tuple[str, int]],
    offset: int,
    count: int,
) -> SearchPage:
    """The ids of a page of contacts in the order asked (name by default) and how many were found; the
    total is exact up to ``EXACT_TOTAL_LIMIT`` (see ``contact_search.search_page``)."""
    if list(sort) == [("name", 1)]:
        sort = []  # the entries' own name order
    order = [
        SORTABLE_CONTACT_FIELDS[name].asc() if direction > 0 else SORTABLE_CONTACT_FIELDS[name].desc()
        for name, direction in sort
    ]
    return search_page(
        session, search_text=search_text or "", unknown=unknown, offset=offset, count=count, order=order
    )


def contact_exists(
    session: Session, *, contact_id: str | None = None, email: str | None = None, phone: str | None = None
) -> bool:
    enabled = Contact.enabled.is_(True)
    if contact_id is not None:
        return bool(contact_id) and bool(
            session.scalar(select(Contact.enabled).where(Contact.id == contact_id))
        )
    if email is not None:
        condition = exists().where(
            ContactEmail.contact_id == Contact.id, ContactEmail.address == email.strip().lower(), enabled
        )
        return bool(session.scalar(select(condition)))
    if phone is not None:
        # Nothing says where the number was written: any of the workspace's regions may be meant.
        e164s = {to_e164(phone, default_region=region) for region in phone_regions(session) or [""]}
        same = or_(
            ContactPhone.phone_number == phone.strip(), *[ContactPhone.e164 == e164 for e164 in e164s if e164]
        )
        condition = exists().where(ContactPhone.contact_id == Contact.id, same, enabled)
        return bool(session.scalar(select(condition)))
    return False


def contact_with_phone(session: Session, *, e164: str | None, number: str) -> Contact | None:
    """The enabled contact having this phone in any formatting; known contacts before unknown ones."""
    same = [ContactPhone.phone_number == number.strip()]
    if e164:
        same.append(ContactPhone.e164 == e164)
    return session.scalar(
        select(Contact)
        .join(ContactPhone, ContactPhone.contact_id == Contact.id)
        .where(Contact.enabled.is_(True), or_(*same))
        .order_by(Contact.unknown.asc(), Contact.created_at, Contact.id)
        .limit(1)
    )


def contact_of_visitor(session: Session, visitor_id: str) -> Contact | None:
    return session.scalar(
        select(Contact)
        .join(ContactChannel, ContactChannel.contact_id == Contact.id)
        .where(ContactChannel.visitor_id == visitor_id, Contact.enabled.is_(True))
        .order_by(ContactChannel.created_at)
        .limit(1)
    )


def contact_with_email(session: Session, address: str) -> Contact | None:
    """The enabled contact having this (lower-cased) address; known contacts before unknown ones, then the
    oldest."""
    return session.scalar(
        select(Contact)
        .join(ContactEmail, ContactEmail.contact_id == Contact.id)
        .where(Contact.enabled.is_(True), ContactEmail.address == address)
        .order_by(Contact.unknown.asc(), Contact.created_at, Contact.id)
        .limit(1)
    )


def holder_of_email_or_phone(
    session: Session, *, emails: Sequence[str], e164s: Sequence[str], other_than: str | None
) -> tuple[Contact, str, str] | None:
    """The enabled contact, other than ``other_than``, that already has one of these (lower-cased)
    addresses or E.164 numbers, with the field and the value it holds; known contacts first."""
    enabled = [Contact.enabled.is_(True), *([Contact.id != other_than] if other_than else [])]
    order = (Contact.unknown.asc(), Contact.created_at, Contact.id)
    if emails:
        found = session.execute(
            select(Contact, ContactEmail.address)
            .join(ContactEmail, ContactEmail.contact_id == Contact.id)
            .where(*enabled, ContactEmail.address.in_(list(emails)))
            .order_by(*order)
            .limit(1)
        ).first()
        if found is not None:
            return found[0], "emails", found[1]
    if e164s:
        by_phone = session.execute(
            select(Contact, ContactPhone.e164)
            .join(ContactPhone, ContactPhone.contact_id == Contact.id)
            .where(*enabled, ContactPhone.e164.in_(list(e164s)))
            .order_by(*order)
            .limit(1)
        ).first()
        if by_phone is not None:
            return by_phone[0], "phones", by_phone[1] or ""
    return None


DUPLICATE_SUGGESTIONS = 20


def likely_duplicates(session: Session, contact: Contact) -> dict[str, list[str]]:
    """Other enabled contacts that may be the same person, each with what matched ("email: ...",
    "phone: ...", "name"): the same email, the same number (E.164), or the same name in any case."""
    found: dict[str, list[str]] = {}
    others = [Contact.enabled.is_(True), Contact.id != contact.id]
    addresses = [email.address for email in contact.emails]
    if addresses:
        for other_id, address in session.execute(
            select(ContactEmail.contact_id, ContactEmail.address)
            .join(Contact, Contact.id == ContactEmail.contact_id)
            .where(*others, ContactEmail.address.in_(addresses))
            .limit(DUPLICATE_SUGGESTIONS)
        ):
            found.setdefault(other_id, []).append(f"email: {address}")
    numbers = [phone.e164 for phone in contact.phones if phone.e164]
    if numbers:
        for other_id, number in session.execute(
            select(ContactPhone.contact_id, ContactPhone.e164)
            .join(Contact, Contact.id == ContactPhone.contact_id)
            .where(*others, ContactPhone.e164.in_(numbers))
            .limit(DUPLICATE_SUGGESTIONS)
        ):
            found.setdefault(other_id, []).append(f"phone: {number}")
    name = " ".join(contact.name.split())
    if name:
        # The same name in any case, and names that contain this one ("Ada L" in "Ada Lovelace"),
        # through the search index, known contacts and unknown ones.
        similar = list(
            session.scalars(
                select(Contact.id)
                .where(*others, func.lower(Contact.name) == name.lower())
                .order_by(Contact.created_at)
                .limit(DUPLICATE_SUGGESTIONS)
            )
        )
        if len(name) >= 3:
            for unknown in (False, True):
                page = search_page(
                    session, search_text=name, unknown=unknown, offset=0, count=DUPLICATE_SUGGESTIONS
                )
                similar += page.contact_ids
        names = dict(
            session.execute(select(Contact.id, Contact.name).where(*others, Contact.id.in_(similar))).all()
        )
        for other_id in dict.fromkeys(similar):
            if other_id in names and name.lower() in names[other_id].lower():
                found.setdefault(other_id, []).append("name")
    return dict(list(found.items())[:DUPLICATE_SUGGESTIONS])


def closed_rooms_of_contact(
    session: Session,
    *,
    contact_id: str,
    source: str | None,
    served_by: str | None,
    offset: int,
    count: int,
) -> tuple[list[str], int]:
    """The ids of a page of the contact's closed rooms, newest first, and how many there are; with
    ``served_by``, only the rooms that agent served."""
    query = select(Room.id).where(Room.contact_id == contact_id, Room.closed_at.is_not(None))
    if served_by is not None:
        # In the statement, so that the total and the page both count the agent's rooms only.
        query = query.where(Room.served_by_id == served_by)
    if source:
        alias = func.lower(Room.source["alias"].as_string())
        query = query.where(or_(func.lower(Room.source_type) == source.lower(), alias == source.lower()))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rooms = session.scalars(query.order_by(Room.closed_at.desc(), Room.id).offset(offset).limit(count)).all()
    return list(rooms), total


def audit_of_contact(
    session: Session, *, contact_id: str, offset: int, count: int
) -> tuple[list[ContactAudit], int]:
    query = select(ContactAudit).where(ContactAudit.contact_id == contact_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ContactAudit.created_at.desc(), ContactAudit.id).offset(offset).limit(count)
    ).all()
    return list(rows), total
