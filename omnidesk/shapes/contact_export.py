"""The privacy export (``omnichannel/contacts.export``): everything held about one person as one JSON
document: the contact, its visitors, every room with all its messages, every call with its wrap-up
history, the contact's audit trail, and the contacts merged into it as they were kept (tombstones).
Visitor tokens are left out: they are passwords, not data about the person."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk.dates import iso
from omnidesk.db import utcnow
from omnidesk.models import Contact, User
from omnidesk.queries.contact_records import contact_records
from omnidesk.queries.contacts import merged_contacts
from omnidesk.shapes.calls import call_shape
from omnidesk.shapes.contacts import audit_shape, stored_contact_shape
from omnidesk.shapes.livechat import message_shape, visitor_shape
from omnidesk.shapes.rooms import room_shapes

EXPORT_FORMAT = "omnidesk-contact-export/1"


def contact_export(session: Session, contact: Contact) -> dict[str, Any]:
    records = contact_records(session, contact)
    manager = session.get(User, contact.contact_manager_id) if contact.contact_manager_id else None
    rooms = room_shapes(session, [room.id for room in records.rooms])
    for room in rooms:
        room["messages"] = [message_shape(message) for message in records.messages.get(room["_id"], [])]
    calls = []
    for call in records.calls:
        shape = call_shape(call, contact=contact)
        shape["wrapUp"]["history"] = list(call.wrapup_history or [])
        calls.append(shape)
    visitors = []
    for visitor in records.visitors:
        shape = visitor_shape(visitor)
        shape.pop("token", None)
        if visitor.channel_type:
            shape["channel"] = {"type": visitor.channel_type, "address": visitor.channel_address}
        visitors.append(shape)
    return {
        "format": EXPORT_FORMAT,
        "exportedAt": iso(utcnow()),
        "contact": stored_contact_shape(contact, manager=manager),
        "visitors": visitors,
        "rooms": rooms,
        "calls": calls,
        "audit": [audit_shape(entry) for entry in records.audit],
        "mergedContacts": [
            {**stored_contact_shape(tombstone, manager=None), "mergedInto": tombstone.merged_into_id}
            for tombstone in merged_contacts(session, contact.id)
        ],
    }
