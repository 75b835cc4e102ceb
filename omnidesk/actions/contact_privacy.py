"""Privacy requests. An export (``omnichannel/contacts.export``, shaped by shapes/contact_export.py) is
recorded in the contact's audit. Erasing a person (``omnichannel/contacts.erase``) deletes every record
``contact_records`` finds: messages, rooms (with their files and the files' stored bytes, their queue
entries, tags, verifications and channel deliveries), calls (with their events), visitors, the contact
with its emails, phones and channels, its search entry and audit trail, the tombstones of the contacts
merged into it and the merge records that name any of them (their undo data holds names and fields);
and the outbound emails of those rooms or to those addresses, the offline-form messages from those
addresses and the rate-limit counters keyed by them. One audit entry without personal data says who
erased which contact id, and when."""

from __future__ import annotations

from sqlalchemy import String, cast, delete, or_
from sqlalchemy.orm import Session

from omnidesk.access import Actor
from omnidesk.actions.uploads import discard_room_files
from omnidesk.errors import ApiError
from omnidesk.events import CallChanged, ContactChanged, RoomChanged, send_event_on_commit
from omnidesk.models import (
    Call,
    Contact,
    ContactAudit,
    ContactMerge,
    Message,
    OfflineMessage,
    OutboundEmail,
    RateLimitHit,
    Room,
    Visitor,
)
from omnidesk.queries.contact_records import contact_records
from omnidesk.queries.contacts import merged_contacts
from omnidesk.queries.search.index import remove_entries


def erase_contact(session: Session, *, actor: Actor, contact: Contact) -> dict[str, int]:
    """Erase the person; refused while one of their chats is open. Answers how many of each went."""
    records = contact_records(session, contact, with_messages=False)
    if any(room.open for room in records.rooms):
        raise ApiError("error-contact-has-open-rooms", "The contact has open rooms")
    emails, phones = records.emails, records.phones
    room_ids = [room.id for room in records.rooms]
    visitor_ids = [visitor.id for visitor in records.visitors]
    counts = {"rooms": len(room_ids), "calls": len(records.calls), "visitors": len(visitor_ids)}
    # The calls' lists drop them; the contact id goes unsaid, since the contact goes too.
    erased_calls = [
        CallChanged(op="deleted", call_id=call.id, state=call.state, agent_id=call.agent_id, contact_id=None)
        for call in records.calls
    ]

    outbound = [OutboundEmail.room_id.in_(room_ids)] if room_ids else []
    if emails:
        outbound.append(OutboundEmail.to_address.in_(emails))
        session.execute(delete(OfflineMessage).where(OfflineMessage.email.in_(emails)))
    if outbound:
        session.execute(delete(OutboundEmail).where(or_(*outbound)))
    # Rate-limit keys end with the address or number they count ("verification-code:address:<email>").
    for value in [*emails, *phones]:
        suffix = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        session.execute(delete(RateLimitHit).where(RateLimitHit.key.like(f"%:{suffix}", escape="\\")))
    if room_ids:
        discard_room_files(session, room_ids)
        session.execute(delete(Message).where(Message.room_id.in_(room_ids)))
        session.execute(delete(Room).where(Room.id.in_(room_ids)))
    if records.calls:
        session.execute(delete(Call).where(Call.id.in_([call.id for call in records.calls])))
    tombstones = merged_contacts(session, contact.id)
    contact_ids = [contact.id, *(tombstone.id for tombstone in tombstones)]
    session.execute(delete(ContactAudit).where(ContactAudit.contact_id.in_(contact_ids)))
    merges = [ContactMerge.survivor_id.in_(contact_ids)]
    merges += [cast(ContactMerge.merged_ids, String).like(f'%"{contact_id}"%') for contact_id in contact_ids]
    session.execute(delete(ContactMerge).where(or_(*merges)))
    remove_entries(session, contact_ids)
    contact_id = contact.id
    for tombstone in tombstones:
        session.delete(tombstone)
    session.delete(contact)
    session.flush()
    if visitor_ids:
        session.execute(delete(Visitor).where(Visitor.id.in_(visitor_ids)))
    session.add(
        ContactAudit(
            contact_id=contact_id,
            action="erased",
            actor_id=actor.id,
            actor_username=actor.user.username,
            changes={"erased": {"old": None, "new": counts}},
        )
    )
    for room in records.rooms:
        send_event_on_commit(
            session,
            RoomChanged(
                op="deleted",
                room_id=room.id,
                visitor_id=room.visitor_id,
                agent_id=room.served_by_id,
                department_id=room.department_id,
            ),
        )
    for call in erased_calls:
        send_event_on_commit(session, call)
    send_event_on_commit(session, ContactChanged(op="erased", contact_id=contact_id))
    return counts


def record_export(session: Session, *, actor: Actor, contact: Contact) -> None:
    session.add(
        ContactAudit(
            contact_id=contact.id, action="exported", actor_id=actor.id, actor_username=actor.user.username
        )
    )
