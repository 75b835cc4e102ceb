"""Every write to the contact directory made by staff: create, update, resolve conflicts, delete,
block and unblock a channel. Each one leaves an audit entry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from omnidesk.access import Actor
from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.contact_audit import audit_contact, contact_snapshot
from omnidesk.actions.contact_links import invalid_phone, rename_rooms_of_contact
from omnidesk.actions.custom_fields import validate_custom_field_values
from omnidesk.actions.rooms import BLOCKED_CHANNEL_COMMENT, close_room
from omnidesk.actions.routing import route_waiting_chats_of_contact
from omnidesk.errors import ApiError, Failure
from omnidesk.models import (
    Contact,
    ContactChannel,
    ContactEmail,
    ContactPhone,
    Room,
    User,
    UserRole,
)
from omnidesk.models.accounts import AGENT_ROLE
from omnidesk.phones import to_e164_in_regions
from omnidesk.queries.contacts import holder_of_email_or_phone
from omnidesk.queries.settings import region_for_phone


def check_contact_manager(session: Session, manager_id: str) -> str:
    is_agent = session.scalar(
        select(exists().where(UserRole.user_id == manager_id, UserRole.role_id == AGENT_ROLE))
    )
    user = session.get(User, manager_id) if is_agent else None
    if user is None:
        raise Failure("error-contact-manager-not-found")  # Rocket.Chat's text: the id alone
    return user.id


def _emails(addresses: Sequence[str]) -> list[ContactEmail]:
    cleaned = list(dict.fromkeys(normalise_email(address) for address in addresses))
    return [ContactEmail(address=address, position=position) for position, address in enumerate(cleaned)]


def parse_phones(numbers: Sequence[str], *, regions: Sequence[str]) -> list[ContactPhone]:
    """The phones staff or an import give a contact, each with its E.164 form (a national number read
    in ``regions``: see ``phones.to_e164_in_regions``), duplicates dropped; a number that is not a
    possible one is refused (``error-invalid-phone``): staff type numbers, and one that cannot be
    dialled is a typo, not data."""
    rows: list[ContactPhone] = []
    seen: set[str] = set()
    for number in numbers:
        typed = number.strip()
        if not typed:
            raise ApiError("error-invalid-phone", "A phone number must not be empty")
        e164 = to_e164_in_regions(typed, regions=regions)
        if e164 is None:
            raise invalid_phone(typed, regions=regions)
        if e164 in seen:
            continue
        seen.add(e164)
        rows.append(ContactPhone(phone_number=typed, e164=e164, position=len(rows)))
    return rows


def refuse_duplicates(
    session: Session,
    *,
    contact: Contact | None,
    emails: Sequence[ContactEmail],
    phones: Sequence[ContactPhone],
) -> None:
    """A 409 naming the contact that already has one of the emails or phones this one is given (those it
    has already are not looked at again): staff add to that contact, or say the duplicate is meant."""
    kept_emails = {email.address for email in contact.emails} if contact else set()
    kept_phones = {phone.e164 for phone in contact.phones} if contact else set()
    holder = holder_of_email_or_phone(
        session,
        emails=[email.address for email in emails if email.address not in kept_emails],
        e164s=[phone.e164 for phone in phones if phone.e164 and phone.e164 not in kept_phones],
        other_than=contact.id if contact else None,
    )
    if holder is None:
        return
    other, field, value = holder
    raise ApiError(
        "error-contact-already-exists",
        f"{value} already belongs to the contact {other.name} (send allowDuplicate to save anyway)",
        status_code=409,
        details={"contactId": other.id, "name": other.name, "field": field, "value": value},
    )


def create_contact(
    session: Session,
    *,
    actor: Actor | None,
    name: str,
    emails: Sequence[str],
    phones: Sequence[str],
    custom_fields: dict[str, Any] | None = None,
    contact_manager: str | None = None,
    allow_duplicate: bool = False,
    phone_regions: Sequence[str] | None = None,
) -> Contact:
    """A contact added by staff: known, and waiting (pre-registered) for its first channel. An email or
    phone another contact has is refused unless ``allow_duplicate``. National numbers are read in the
    contact's country, else the workspace default (or in ``phone_regions``: an import's)."""
    if not name.strip():
        raise ApiError("error-invalid-name", "The contact name must not be empty")
    contact = Contact(
        name=name.strip(),
        unknown=False,
        pre_registration=True,
        custom_fields=validate_custom_field_values(session, scope="visitor", values=custom_fields or {}),
        conflicting_fields=[],
        contact_manager_id=check_contact_manager(session, contact_manager) if contact_manager else None,
    )
    contact.emails = _emails(emails)
    contact.phones = parse_phones(
        phones, regions=phone_regions or [region_for_phone(session, custom_fields=contact.custom_fields)]
    )
    if not allow_duplicate:
        refuse_duplicates(session, contact=None, emails=contact.emails, phones=contact.phones)
    session.add(contact)
    session.flush()
    audit_contact(session, contact, action="created", actor=actor, before=None)
    return contact


def update_contact(
    session: Session,
    *,
    actor: Actor | None,
    contact: Contact,
    name: str | None = None,
    emails: Sequence[str] | None = None,
    phones: Sequence[str] | None = None,
    custom_fields: dict[str, Any] | None = None,
    contact_manager: str | None = None,
    wipe_conflicts: bool = False,
    allow_duplicate: bool = False,
) -> Contact:
    """Lists replace the old ones; ``None`` leaves a field; an empty manager clears it. Any update
    makes the contact known. An email or phone it gains that another contact has is refused unless
    ``allow_duplicate``. National numbers are read in the contact's country (as this update leaves it),
    else the workspace default."""
    before = contact_snapshot(contact)
    new_fields = (
        validate_custom_field_values(
            session, scope="visitor", values=custom_fields, current=contact.custom_fields
        )
        if custom_fields is not None
        else None
    )
    new_emails = _emails(emails) if emails is not None else []
    region = region_for_phone(
        session, custom_fields=contact.custom_fields if new_fields is None else new_fields
    )
    new_phones = parse_phones(phones, regions=[region]) if phones is not None else []
    if not allow_duplicate:
        refuse_duplicates(session, contact=contact, emails=new_emails, phones=new_phones)
    if name is not None:
        if not name.strip():
            raise ApiError("error-invalid-name", "The contact name must not be empty")
        if name.strip() != contact.name:
            contact.name = name.strip()
            rename_rooms_of_contact(session, contact=contact)
    if emails is not None:
        contact.emails = new_emails
    if phones is not None:
        contact.phones = new_phones
    if new_fields is not None:
        contact.custom_fields = new_fields
    if contact_manager is not None:
        contact.contact_manager_id = (
            check_contact_manager(session, contact_manager) if contact_manager else None
        )
    if wipe_conflicts:
        contact.conflicting_fields = []
    was_unknown, contact.unknown = contact.unknown, False
    session.flush()
    audit_contact(session, contact, action="updated", actor=actor, before=before)
    if was_unknown:
        route_waiting_chats_of_contact(session, contact_id=contact.id)
    return contact


def resolve_conflicts(
    session: Session,
    *,
    actor: Actor | None,
    contact: Contact,
    name: str | None = None,
    contact_manager: str | None = None,
    custom_fields: dict[str, Any] | None = None,
    wipe_conflicts: bool = False,
) -> Contact:
    """Settle conflicting fields: the values given win and their conflicts go; ``wipe_conflicts``
    drops every remaining one."""
    if not contact.conflicting_fields:
        raise Failure("error-contact-has-no-conflicts")
    before = contact_snapshot(contact)
    settled: set[str] = set()
    if name is not None and name.strip():
        contact.name = name.strip()
        rename_rooms_of_contact(session, contact=contact)
        settled.add("name")
    if contact_manager is not None:
        contact.contact_manager_id = (
            check_contact_manager(session, contact_manager) if contact_manager else None
        )
        settled.add("manager")
    if custom_fields:
        merged = {**(contact.custom_fields or {}), **custom_fields}
        contact.custom_fields = validate_custom_field_values(
            session, scope="visitor", values=merged, current=contact.custom_fields
        )
        settled |= {f"customFields.{key}" for key in custom_fields}
    contact.conflicting_fields = (
        []
        if wipe_conflicts
        else [conflict for conflict in contact.conflicting_fields if conflict.get("field") not in settled]
    )
    session.flush()
    audit_contact(session, contact, action="conflicts_resolved", actor=actor, before=before)
    return contact


def delete_contact(session: Session, *, actor: Actor | None, contact: Contact) -> None:
    """Soft delete: the contact leaves every listing; refused while one of its chats is open."""
    open_chat = session.scalar(select(exists().where(Room.contact_id == contact.id, Room.open.is_(True))))
    if open_chat:
        raise ApiError("error-contact-has-open-rooms", "The contact has open rooms")
    before = contact_snapshot(contact)
    contact.enabled = False
    session.flush()
    audit_contact(session, contact, action="deleted", actor=actor, before=before)


def channel_of_association(
    session: Session, *, visitor_id: str, source_type: str, source_id: str | None
) -> ContactChannel | None:
    query = select(ContactChannel).where(
        ContactChannel.visitor_id == visitor_id, ContactChannel.source_type == source_type
    )
    if source_id is not None:  # Rocket.Chat compares the source id only when one is given
        query = query.where(ContactChannel.source_id == source_id)
    return session.scalars(query.order_by(ContactChannel.created_at)).first()


def set_channel_blocked(
    session: Session, *, actor: Actor, visitor_id: str, source_type: str, source_id: str | None, blocked: bool
) -> ContactChannel:
    """Block or unblock one channel. Blocking closes that channel's open chat."""
    channel = channel_of_association(
        session, visitor_id=visitor_id, source_type=source_type, source_id=source_id
    )
    # Rocket.Chat answers "not found" when nothing changed, a repeated block included, in these words.
    contact = session.get(Contact, channel.contact_id) if channel is not None else None
    if channel is None or channel.blocked == blocked or contact is None or not contact.enabled:
        raise Failure("error-contact-not-found")
    channel.blocked = blocked
    session.flush()
    if blocked:
        for room in session.scalars(
            select(Room).where(
                Room.visitor_id == channel.visitor_id,
                Room.source_type == channel.source_type,
                Room.source_id == channel.source_id,
                Room.open.is_(True),
            )
        ):
            close_room(
                session,
                room=room,
                closer="user",
                by_id=actor.id,
                by_username=actor.user.username,
                comment=BLOCKED_CHANNEL_COMMENT,
            )
    audit_contact(
        session,
        contact,
        action="blocked" if blocked else "unblocked",
        actor=actor,
        before=contact_snapshot(contact),
        channel={"visitorId": visitor_id, "type": source_type, "id": source_id},
    )
    return channel
