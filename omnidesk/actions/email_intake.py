"""Received emails as chat messages.

Each sender address is one visitor (``channel_type`` "email", the address as ``channel_address``);
each inbox is one source (``{"type": "email", "id": <inbox id>, "alias": "email-inbox"}``), so the
contact behind an address is resolved, routed, blocked and verified like any other chat. A received email
joins the chat of the email it answers (``In-Reply-To``/``References`` against the Message-IDs of
``email_messages``) while that chat is open; otherwise the sender's open chat on that inbox; otherwise it
opens a new chat, which waits in the queue even when no agent is online.

A From address proves nothing, so a chat the verification gate holds gets a one-time code sent to the
sender in its thread, and the reply that contains the code releases it (``actions/verification``).

An address new on an inbox joins the contact that has it among its emails (known contacts first), as a
number new on an SMS or WhatsApp account joins the contact that has that phone; else the contact of the
same sender on another inbox; else a new unknown contact.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.contact_audit import contact_snapshot
from omnidesk.actions.contact_links import add_channel, channel_of
from omnidesk.actions.conversations import send_visitor_message
from omnidesk.actions.messages import MAX_MESSAGE_LENGTH
from omnidesk.actions.rooms import open_room
from omnidesk.actions.verification import answer_email_chat
from omnidesk.actions.visitors import channel_visitor, update_visitor
from omnidesk.channels.email_imap import InboundEmail
from omnidesk.errors import ApiError
from omnidesk.models import EmailInbox, EmailThreadMessage, Message, Room, Visitor
from omnidesk.queries.contacts import contact_of_visitor, contact_with_email
from omnidesk.queries.email_inbox import email_already_stored, room_of_thread
from omnidesk.queries.visitors import open_room_on_source

EMAIL_SOURCE = "email"


def receive_email(session: Session, *, inbox: EmailInbox, email: InboundEmail) -> Message | None:
    """Store one received email as the visitor's message in its chat. None when it is not stored: seen
    before, sent by a machine (RFC 3834), from the inbox itself, or on a blocked channel."""
    if email_already_stored(session, inbox_id=inbox.id, message_id=email.message_id):
        return None
    if email.automatic or not email.from_address or email.from_address == inbox.email:
        return None
    try:
        address = normalise_email(email.reply_to or email.from_address)
    except ApiError:
        return None  # no address we could ever answer
    visitor = channel_visitor(
        session, channel_type=EMAIL_SOURCE, address=address, email=address, name=address.partition("@")[0]
    )
    if email.from_name:  # the name in the From header is the sender's latest word on it
        update_visitor(session, visitor=visitor, name=email.from_name[:200])
    channel = channel_of(session, visitor_id=visitor.id, source_type=EMAIL_SOURCE, source_id=inbox.id)
    if channel is not None and channel.blocked:
        return None
    if channel is None:
        _link_contact_by_email(session, visitor=visitor, inbox=inbox, address=address)
    room = _room_for(session, inbox=inbox, visitor=visitor, email=email)
    message = send_visitor_message(session, visitor=visitor, room=room, msg=_chat_text(email))
    session.add(
        EmailThreadMessage(
            inbox_id=inbox.id,
            message_id_header=email.message_id[:500],
            room_id=room.id,
            direction="inbound",
            subject=email.subject[:500] or None,
        )
    )
    session.flush()
    answer_email_chat(session, room=room, text=email.text)  # a held chat: the code, or its answer
    return message


def _link_contact_by_email(session: Session, *, visitor: Visitor, inbox: EmailInbox, address: str) -> None:
    """The contact owning ``address`` takes this sender's channel on ``inbox``; ``open_room`` then finds
    the channel. Without one, ``open_room`` resolves the contact as for any chat."""
    contact = contact_with_email(session, address)
    if contact is None or contact_of_visitor(session, visitor.id) is not None:
        return  # the sender's own contact (from another inbox) comes first, found by open_room
    before = contact_snapshot(contact)
    add_channel(session, contact=contact, visitor_id=visitor.id, source=_source_of(inbox), before=before)


def _source_of(inbox: EmailInbox) -> dict[str, Any]:
    return {"type": EMAIL_SOURCE, "id": inbox.id, "alias": "email-inbox", "label": inbox.name}


def _room_for(session: Session, *, inbox: EmailInbox, visitor: Visitor, email: InboundEmail) -> Room:
    room = room_of_thread(session, inbox_id=inbox.id, message_ids=email.thread_ids)
    if room is not None and room.open and room.visitor_id == visitor.id:
        return room
    room = open_room_on_source(session, visitor_id=visitor.id, source_type=EMAIL_SOURCE, source_id=inbox.id)
    if room is not None:
        return room
    room = open_room(
        session,
        visitor=visitor,
        source=_source_of(inbox),
        department_id=inbox.department_id,
        wait_for_agents=True,
    )
    room.topic = email.subject[:500] or None
    return room


def _chat_text(email: InboundEmail) -> str:
    text = email.text.strip() or "(no text)"
    if email.attachments:
        text += "\n\n[Attachments: " + ", ".join(email.attachments) + "]"
    if len(text) > MAX_MESSAGE_LENGTH:
        text = text[: MAX_MESSAGE_LENGTH - 40].rstrip() + "\n\n[… the rest of the email was cut]"
    return text
