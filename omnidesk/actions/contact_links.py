"""The contact behind every chat: resolving a (visitor, source) to a contact and keeping it current.

When a room opens, its visitor and source resolve to a contact: the contact that already has this
channel; else the contact of the same visitor on another source; else a contact created in advance (no
channels yet) whose email or phone equals the visitor's, which the visitor now claims; else a new contact
marked unknown. A channel joining a contact (``add_channel``) and a visitor's details merged into one
are recorded in the contact's audit (``actions/contact_audit``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from omnidesk.actions.contact_audit import audit_contact, channel_entry, contact_snapshot
from omnidesk.channels.registry import CHANNELS
from omnidesk.errors import ApiError
from omnidesk.models import (
    Contact,
    ContactChannel,
    ContactEmail,
    ContactPhone,
    CustomField,
    Inquiry,
    Room,
    Visitor,
)
from omnidesk.phones import to_e164, to_e164_in_regions
from omnidesk.queries.contacts import contact_of_visitor
from omnidesk.queries.settings import region_for_phone


def channel_of(
    session: Session, *, visitor_id: str, source_type: str, source_id: str
) -> ContactChannel | None:
    return session.scalar(
        select(ContactChannel).where(
            ContactChannel.visitor_id == visitor_id,
            ContactChannel.source_type == source_type,
            ContactChannel.source_id == source_id,
        )
    )


# A widget visitor's chat is "widget" when the request names a page (Origin, Referer) and "api" when it
# does not: headers the caller chooses. For blocking they are one channel, so leaving Origin out does
# not get round a block.
LIVECHAT_SOURCES = ("widget", "api")


def ensure_channel_not_blocked(
    session: Session, *, visitor_id: str, source_type: str, source_id: str
) -> ContactChannel | None:
    """The visitor's channel on this source (None while it has none), refusing a blocked one."""
    if source_type not in LIVECHAT_SOURCES:
        channel = channel_of(session, visitor_id=visitor_id, source_type=source_type, source_id=source_id)
        if channel is not None and channel.blocked:
            raise ApiError("error-contact-channel-blocked")
        return channel
    channels = session.scalars(
        select(ContactChannel).where(
            ContactChannel.visitor_id == visitor_id, ContactChannel.source_type.in_(LIVECHAT_SOURCES)
        )
    ).all()
    if any(channel.blocked for channel in channels):
        raise ApiError("error-contact-channel-blocked")
    return next((c for c in channels if c.source_type == source_type and c.source_id == source_id), None)


def our_number(source: Mapping[str, Any]) -> str | None:
    """The number of ours a chat's source came through, whose region the visitor's phone is read in: an
    SMS or WhatsApp chat's ``destination``; None for other sources (a widget's is a host name). A call's
    is its line (``actions/calls.resolve_caller``)."""
    if source.get("type") in CHANNELS:
        return str(source.get("destination") or "") or None
    return None


def resolve_contact_for_room(
    session: Session, *, visitor: Visitor, source: dict[str, Any]
) -> tuple[Contact, ContactChannel]:
    source_type, source_id = str(source["type"]), str(source.get("id") or "")
    channel = ensure_channel_not_blocked(
        session, visitor_id=visitor.id, source_type=source_type, source_id=source_id
    )
    if channel is not None:
        contact = session.get(Contact, channel.contact_id)
        if contact is not None and contact.enabled:
            return contact, channel
        # The contact was deleted: its channels go with it and the visitor starts afresh.
        session.delete(channel)
        session.flush()
    via = our_number(source)
    contact = contact_of_visitor(session, visitor.id) or _pre_registered_match(
        session, visitor, region=region_for_phone(session, via=via)
    )
    before = contact_snapshot(contact) if contact is not None else None
    if contact is None:
        contact = _new_unknown_contact(session, visitor)
    merge_visitor_into_contact(session, visitor=visitor, contact=contact, via=via)
    channel = add_channel(session, contact=contact, visitor_id=visitor.id, source=source, before=before)
    return contact, channel


def add_channel(
    session: Session,
    *,
    contact: Contact,
    visitor_id: str,
    source: dict[str, Any],
    before: dict[str, Any] | None,
) -> ContactChannel:
    """``visitor_id`` on ``source`` becomes a channel of ``contact``, recorded in its audit as
    ``channel-added`` with whatever else changed in the contact since ``before`` (its snapshot before the
    visitor's data came in; None for a contact created for this channel)."""
    source_type = str(source["type"])
    channel = ContactChannel(
        visitor_id=visitor_id,
        source_type=source_type,
        source_id=str(source.get("id") or ""),
        name=str(source.get("label") or source_type),
        details=dict(source),
    )
    contact.channels.append(channel)
    contact.pre_registration = False
    session.flush()
    audit_contact(
        session, contact, action="channel-added", actor=None, before=before, channel=channel_entry(channel)
    )
    return channel


def _pre_registered_match(session: Session, visitor: Visitor, *, region: str) -> Contact | None:
    matches = []
    if visitor.email:
        matches.append(ContactEmail.address == visitor.email)
    e164 = to_e164(visitor.phone, default_region=region) if visitor.phone else None
    if visitor.phone:
        matches.append(ContactPhone.phone_number == visitor.phone)
    if e164:
        matches.append(ContactPhone.e164 == e164)
    if not matches:
        return None
    return session.scalar(
        select(Contact)
        .outerjoin(ContactEmail, ContactEmail.contact_id == Contact.id)
        .outerjoin(ContactPhone, ContactPhone.contact_id == Contact.id)
        .where(Contact.enabled.is_(True), Contact.pre_registration.is_(True), or_(*matches))
        .order_by(Contact.created_at)
        .limit(1)
    )


def _new_unknown_contact(session: Session, visitor: Visitor) -> Contact:
    contact = Contact(
        name=visitor.name or visitor.username,
        unknown=True,
        custom_fields={},
        conflicting_fields=[],
    )
    session.add(contact)
    return contact


def merge_visitor_into_contact(
    session: Session, *, visitor: Visitor, contact: Contact, via: str | None = None
) -> None:
    """Bring the visitor's data into the contact: overwrite while the contact is unknown, otherwise
    add new emails and phones and record a differing name as a conflict for staff to resolve. The
    visitor's phone is read in the region of ``via`` (``our_number`` of the chat's source), else of the
    contact's country."""
    overwrite = contact.unknown
    if visitor.name and visitor.name != contact.name:
        if overwrite or not contact.name:
            contact.name = visitor.name
            rename_rooms_of_contact(session, contact=contact)
        else:
            _add_conflict(contact, "name", visitor.name)
    if visitor.email:
        add_contact_emails(contact, [visitor.email])
    if visitor.livechat_data:
        defined = set(session.scalars(select(CustomField.id).where(CustomField.scope == "visitor")))
        fields = dict(contact.custom_fields or {})
        for key, value in visitor.livechat_data.items():
            if key not in defined or value in (None, ""):
                continue
            if overwrite or key not in fields:
                fields[key] = value
            elif fields[key] != value:
                _add_conflict(contact, f"customFields.{key}", value)
        contact.custom_fields = fields
    if visitor.phone:  # after the custom fields, which may give the contact's country
        region = region_for_phone(session, via=via, custom_fields=contact.custom_fields)
        add_contact_phones(contact, [visitor.phone], regions=[region])


def _add_conflict(contact: Contact, field: str, value: Any) -> None:
    conflict = {"field": field, "value": value}
    if conflict not in (contact.conflicting_fields or []):
        contact.conflicting_fields = [*(contact.conflicting_fields or []), conflict]


def add_contact_emails(contact: Contact, addresses: Sequence[str]) -> None:
    known = {email.address for email in contact.emails}
    for address in addresses:
        if address not in known:
            contact.emails.append(ContactEmail(address=address, position=len(contact.emails)))
            known.add(address)


def invalid_phone(typed: str, *, regions: Sequence[str]) -> ApiError:
    """400 ``error-invalid-phone`` saying how to write the number."""
    where = " or ".join(region for region in regions if region)
    return ApiError(
        "error-invalid-phone",
        f"Invalid phone number: {typed[:60]!r} (write it with its country code, such as"
        f" +44 20 7946 0958{f', or as a national number of {where}' if where else ''})",
    )


def checked_e164(typed: str, *, region: str) -> str:
    """The E.164 form of a number a person typed, or 400 ``error-invalid-phone`` saying how to write it."""
    if not typed.strip():
        raise ApiError("error-invalid-phone", "A phone number must not be empty")
    e164 = to_e164(typed.strip(), default_region=region)
    if e164 is None:
        raise invalid_phone(typed.strip(), regions=[region])
    return e164


def add_contact_phones(contact: Contact, numbers: Sequence[str], *, regions: Sequence[str]) -> None:
    """Add the numbers the contact does not have in any formatting, a national one read in ``regions``
    (``to_e164_in_regions``: one region, or a CSV row's candidates)."""
    known = {phone.e164 or phone.phone_number for phone in contact.phones}
    for number in numbers:
        e164 = to_e164_in_regions(number, regions=regions)
        if (e164 or number) not in known:
            contact.phones.append(ContactPhone(phone_number=number, e164=e164, position=len(contact.phones)))
            known.add(e164 or number)


def _contacts_of_visitor(session: Session, visitor: Visitor) -> list[Contact]:
    return list(
        session.scalars(
            select(Contact)
            .join(ContactChannel, ContactChannel.contact_id == Contact.id)
            .where(ContactChannel.visitor_id == visitor.id, Contact.enabled.is_(True))
            .distinct()
        )
    )


def sync_visitor_into_contacts(session: Session, *, visitor: Visitor) -> None:
    """Visitor data changed (widget registration): every contact linked to the visitor hears of it."""
    contacts = _contacts_of_visitor(session, visitor)
    for contact in contacts:
        before = contact_snapshot(contact)
        merge_visitor_into_contact(session, visitor=visitor, contact=contact)
        _audit_merge(session, contact, before)
    session.flush()


def _audit_merge(session: Session, contact: Contact, before: dict[str, Any]) -> None:
    """A visitor's details that changed the contact are recorded as ``visitor-details``."""
    if contact_snapshot(contact) != before:
        session.flush()
        audit_contact(session, contact, action="visitor-details", actor=None, before=before)


def note_contact_chat(contact: Contact, channel: ContactChannel, *, room: Room, at: datetime) -> None:
    contact.last_chat_room_id = channel.last_chat_room_id = room.id
    contact.last_chat_at = channel.last_chat_at = at


def rename_rooms_of_contact(session: Session, *, contact: Contact) -> None:
    """A contact's name is the name of its rooms and of their queue entries."""
    if contact.id is None:  # a contact being created has no rooms yet
        return
    session.execute(
        update(Room).where(Room.contact_id == contact.id).values(fname=contact.name),
        execution_options={"synchronize_session": "fetch"},
    )
    room_ids = select(Room.id).where(Room.contact_id == contact.id).scalar_subquery()
    session.execute(
        update(Inquiry).where(Inquiry.room_id.in_(room_ids)).values(name=contact.name),
        execution_options={"synchronize_session": False},
    )


def apply_custom_field_to_contacts(
    session: Session, *, visitor: Visitor, key: str, value: str, overwrite: bool
) -> None:
    """A visitor-scope custom field set from the widget reaches the visitor's contacts: replacing their
    value when ``overwrite``, else filling it in where empty and recording a differing value as a
    conflict."""
    contacts = _contacts_of_visitor(session, visitor)
    for contact in contacts:
        before = contact_snapshot(contact)
        fields = dict(contact.custom_fields or {})
        if overwrite or not fields.get(key):
            fields[key] = value
            contact.custom_fields = fields
        elif fields[key] != value:
            _add_conflict(contact, f"customFields.{key}", value)
        _audit_merge(session, contact, before)
