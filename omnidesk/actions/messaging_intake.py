"""A customer's SMS or WhatsApp message arriving: visitor, contact, room and message (replies and their
delivery states are ``messaging_replies``).

A customer is one visitor per channel type and number (``channel_type`` and the E.164 number as
``channel_address``; its token is random and unused: the visitor API does not serve channel visitors).
Their chats have the source ``{type: "sms"|"whatsapp", id: <channel id>, alias: <provider>,
destination: <our number>}``; the contact channel is (visitor, type, channel id), so blocking works per
account as for any chat. A new number joins the contact that already has this phone in any formatting
(known contacts first: the carrier proved the number), else a new unknown contact; the room itself opens
through ``open_room`` (routing, verification gate) and waits in the queue when nobody is online. The
provider vouches for the sender, so the channel is verified for the number and the verification gate
never holds these chats (``actions/verification.vouched_by_provider``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from omnidesk.actions.contact_audit import contact_snapshot
from omnidesk.actions.contact_links import add_channel, add_contact_phones, channel_of
from omnidesk.actions.conversations import send_visitor_message
from omnidesk.actions.messaging_replies import LABELS, customer_key
from omnidesk.actions.rooms import open_room
from omnidesk.actions.verification import vouch_for_room
from omnidesk.actions.visitors import channel_visitor
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.models import (
    ChannelMessage,
    Contact,
    Department,
    Message,
    MessagingChannel,
    Visitor,
)
from omnidesk.phones import to_e164
from omnidesk.queries.contacts import contact_of_visitor, contact_with_phone
from omnidesk.queries.messaging import provider_message
from omnidesk.queries.settings import region_for_phone
from omnidesk.queries.visitors import open_room_on_source

MAX_TEXT_LENGTH = 5000


@dataclass(frozen=True)
class InboundText:
    """A customer's message as a channel module read it."""

    external_id: str  # Twilio's MessageSid, WhatsApp's wamid
    from_number: str  # the customer, as received
    to_number: str  # our number, as received
    text: str
    profile_name: str | None = None
    sent_at: datetime | None = None
    payload: dict[str, Any] | None = None


def receive_message(
    session: Session, *, channel: MessagingChannel, inbound: InboundText, department_id: str | None = None
) -> Message | None:
    """Store a customer's message in their open chat on ``channel``, opening one if needed (in
    ``department_id``, else the account's department). None when nothing was stored: a repeated
    delivery, or a channel staff blocked."""
    if provider_message(session, provider=channel.provider, external_id=inbound.external_id) is not None:
        return None
    via = channel.phone_number or inbound.to_number.strip()  # our number: the source's destination
    customer = customer_key(session, inbound.from_number, via=via)
    visitor = channel_visitor(
        session, channel_type=channel.type, address=customer, name=inbound.profile_name, phone=customer[:60]
    )
    existing_channel = channel_of(
        session, visitor_id=visitor.id, source_type=channel.type, source_id=channel.id
    )
    if existing_channel is not None and existing_channel.blocked:
        return None
    receipt = _receipt(session, channel=channel, inbound=inbound, customer=customer)
    if receipt is None:  # the same delivery, committed by a concurrent request
        return None
    room = open_room_on_source(session, visitor_id=visitor.id, source_type=channel.type, source_id=channel.id)
    if room is not None:
        vouch_for_room(session, room=room, visitor=visitor)  # a chat opened before its channel was vouched
    else:
        if existing_channel is None:
            _link_contact_by_phone(session, visitor=visitor, channel=channel, customer=customer, via=via)
        room = open_room(
            session,
            visitor=visitor,
            source=source_of(channel, to_number=inbound.to_number),
            department_id=department_id or channel.department_id,
            wait_for_agents=True,
        )
    message = send_visitor_message(session, visitor=visitor, room=room, msg=inbound.text[:MAX_TEXT_LENGTH])
    receipt.message_id, receipt.room_id = message.id, room.id
    session.flush()
    return message


def department_by_id_or_name(session: Session, department: str) -> str:
    """A department named in a webhook URL (Rocket.Chat's ``?department=``), by id or by name."""
    found = session.get(Department, department) or session.scalar(
        select(Department).where(Department.name == department)
    )
    if found is None or not found.enabled:
        raise ApiError("error-invalid-department", "The selected department is invalid")
    return found.id


def source_of(channel: MessagingChannel, *, to_number: str) -> dict[str, Any]:
    return {
        "type": channel.type,
        "id": channel.id,
        "alias": channel.provider,
        "label": LABELS.get(channel.type, channel.type),
        "destination": channel.phone_number or to_number.strip(),
    }


def _receipt(
    session: Session, *, channel: MessagingChannel, inbound: InboundText, customer: str
) -> ChannelMessage | None:
    now = utcnow()
    try:
        with session.begin_nested():
            receipt = ChannelMessage(
                channel_id=channel.id,
                provider=channel.provider,
                direction="in",
                external_id=inbound.external_id[:255],
                customer=customer[:60],
                body=inbound.text[:MAX_TEXT_LENGTH],
                payload=inbound.payload or {},
                status="received",
                occurred_at=min(inbound.sent_at or now, now),
                next_attempt_at=now,
            )
            session.add(receipt)
            session.flush()
            return receipt
    except IntegrityError:
        return None


def _link_contact_by_phone(
    session: Session, *, visitor: Visitor, channel: MessagingChannel, customer: str, via: str
) -> None:
    """A number new on this channel joins the contact that has it among its phones (any formatting, known
    contacts first), else the contact of the same visitor on another account; ``open_room`` then finds
    the channel. With neither, ``open_room`` resolves the contact as for any chat (a new unknown one)."""
    region = region_for_phone(session, via=via)
    e164 = to_e164(customer, default_region=region)
    contact: Contact | None = contact_with_phone(session, e164=e164, number=customer) or contact_of_visitor(
        session, visitor.id
    )
    before = contact_snapshot(contact) if contact is not None else None
    if contact is None:
        if visitor.name is None:
            # Name the new unknown contact after the number rather than "guest-N".
            contact = Contact(name=customer[:200], unknown=True, custom_fields={}, conflicting_fields=[])
            session.add(contact)
            add_contact_phones(contact, [customer], regions=[region])
        else:
            return
    source = source_of(channel, to_number="")
    add_channel(session, contact=contact, visitor_id=visitor.id, source=source, before=before)
