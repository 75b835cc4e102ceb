"""Everything held about one person: the contact and the visitors, rooms, messages and calls that are
theirs. The privacy export shapes it; the erasure deletes it; nothing else decides what "theirs" is."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from omnidesk.models import Call, Contact, ContactAudit, Message, Room, Visitor


@dataclass
class ContactRecords:
    contact: Contact
    visitors: list[Visitor] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    messages: dict[str, list[Message]] = field(default_factory=dict)  # by room id, oldest first
    calls: list[Call] = field(default_factory=list)
    audit: list[ContactAudit] = field(default_factory=list)

    @property
    def emails(self) -> list[str]:
        found = [email.address for email in self.contact.emails]
        found += [visitor.email for visitor in self.visitors if visitor.email]
        return list(dict.fromkeys(found))

    @property
    def phones(self) -> list[str]:
        """Every phone as typed and as E.164, of the contact, its visitors and its calls."""
        found: list[str] = []
        for phone in self.contact.phones:
            found += [phone.phone_number, *([phone.e164] if phone.e164 else [])]
        found += [visitor.phone for visitor in self.visitors if visitor.phone]
        for call in self.calls:
            found += [number for number in (call.customer_number, call.customer_e164) if number]
        return list(dict.fromkeys(found))


def contact_records(session: Session, contact: Contact, *, with_messages: bool = True) -> ContactRecords:
    """The person's records; a visitor is theirs when one of the contact's channels is that visitor, a
    room or call when it names the contact or one of those visitors."""
    records = ContactRecords(contact=contact)
    visitor_ids = sorted({channel.visitor_id for channel in contact.channels})
    room_owner = or_(Room.contact_id == contact.id, Room.visitor_id.in_(visitor_ids))
    records.rooms = list(session.scalars(select(Room).where(room_owner).order_by(Room.created_at, Room.id)))
    visitor_ids = sorted({*visitor_ids, *(room.visitor_id for room in records.rooms)})
    records.visitors = list(
        session.scalars(select(Visitor).where(Visitor.id.in_(visitor_ids)).order_by(Visitor.created_at))
    )
    if with_messages and records.rooms:
        for message in session.scalars(
            select(Message)
            .where(Message.room_id.in_([room.id for room in records.rooms]))
            .order_by(Message.created_at, Message.id)
        ):
            records.messages.setdefault(message.room_id, []).append(message)
    call_owner = or_(Call.contact_id == contact.id, Call.visitor_id.in_(visitor_ids))
    records.calls = list(session.scalars(select(Call).where(call_owner).order_by(Call.started_at, Call.id)))
    records.audit = list(
        session.scalars(
            select(ContactAudit)
            .where(ContactAudit.contact_id == contact.id)
            .order_by(ContactAudit.created_at, ContactAudit.id)
        )
    )
    return records
