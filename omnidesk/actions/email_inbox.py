"""Email as a channel: configuring inboxes, turning received emails into chat messages, and queueing the
agents' replies as threaded emails sent through the inbox's own SMTP server.

Each sender address is one visitor (``channel_type`` "email", the address as ``channel_address``);
each inbox is one source
(``{"type": "email", "id": <inbox id>, "alias": "email-inbox"}``), so the contact behind an address is
resolved, routed, blocked and verified like any other chat. A received email joins the chat of the
email it answers (``In-Reply-To``/``References`` against the Message-IDs of ``email_messages``) while
that chat is open; otherwise the sender's open chat on that inbox; otherwise it opens a new chat, which
waits in the queue even when no agent is online.
"""

from __future__ import annotations

from email.utils import formataddr, make_msgid
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.contact_links import channel_of
from omnidesk.actions.mail import queue_email
from omnidesk.actions.messages import MAX_MESSAGE_LENGTH, send_visitor_message
from omnidesk.actions.rooms import open_room
from omnidesk.actions.visitors import channel_visitor, update_visitor
from omnidesk.channels.email_imap import InboundEmail
from omnidesk.errors import ApiError
from omnidesk.models import Department, EmailInbox, EmailThreadMessage, Message, Room, Visitor
from omnidesk.queries.email_inbox import email_already_stored, inbox_by_email, room_of_thread, thread_of_room
from omnidesk.queries.visitors import open_room_on_source

EMAIL_SOURCE = "email"


def save_inbox(
    session: Session, *, inbox: EmailInbox | None, fields: dict[str, Any], actor_id: str | None
) -> EmailInbox:
    """Create an inbox (``inbox`` None) or replace an existing one's settings, as Rocket.Chat's
    ``POST email-inbox`` does with and without ``_id``."""
    address = normalise_email(fields["email"])
    taken = inbox_by_email(session, address)
    if taken is not None and taken is not inbox:
        raise ApiError("error-email-inbox-exists", "An email inbox with this address exists already")
    department_id = fields.get("department") or None
    if department_id and session.get(Department, department_id) is None:
        raise ApiError("error-invalid-department", "The selected department is invalid")
    if inbox is None:
        inbox = EmailInbox(created_by_id=actor_id)
        session.add(inbox)
    smtp, imap = fields["smtp"], fields["imap"]
    inbox.name = fields["name"].strip() or address
    inbox.email = address
    inbox.active = fields["active"]
    inbox.description = fields.get("description")
    inbox.sender_info = fields.get("senderInfo")
    inbox.department_id = department_id
    inbox.smtp_server, inbox.smtp_port = smtp["server"].strip(), smtp["port"]
    inbox.smtp_username, inbox.smtp_password, inbox.smtp_secure = (
        smtp["username"],
        smtp["password"],
        smtp["secure"],
    )
    inbox.imap_server, inbox.imap_port = imap["server"].strip(), imap["port"]
    inbox.imap_username, inbox.imap_password, inbox.imap_secure = (
        imap["username"],
        imap["password"],
        imap["secure"],
    )
    inbox.imap_max_retries = imap.get("maxRetries") or 10
    # New settings deserve a fresh start: an inbox that turned itself off reads again.
    inbox.failed_polls, inbox.last_error = 0, None
    session.flush()
    return inbox


def delete_inbox(session: Session, *, inbox: EmailInbox) -> None:
    """Stop reading the inbox. Its chats stay; replies still waiting to be sent go out through the
    workspace's SMTP server."""
    session.delete(inbox)
    session.flush()


def send_test_email(session: Session, *, inbox: EmailInbox, to: str | None) -> None:
    if not to:
        raise ApiError("error-invalid-email", "Your account has no email address to send the test to")
    queue_email(
        session,
        to=to,
        subject=f"Test email from {inbox.name}",
        body_text=f"This test was sent through the SMTP server of the email inbox {inbox.email}.",
        inbox_id=inbox.id,
    )


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
    return message


def _room_for(session: Session, *, inbox: EmailInbox, visitor: Visitor, email: InboundEmail) -> Room:
    room = room_of_thread(session, inbox_id=inbox.id, message_ids=email.thread_ids)
    if room is not None and room.open and room.visitor_id == visitor.id:
        return room
    room = open_room_on_source(session, visitor_id=visitor.id, source_type=EMAIL_SOURCE, source_id=inbox.id)
    if room is not None:
        return room
    source = {"type": EMAIL_SOURCE, "id": inbox.id, "alias": "email-inbox", "label": inbox.name}
    room = open_room(
        session, visitor=visitor, source=source, department_id=inbox.department_id, wait_for_agents=True
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


def queue_reply(session: Session, *, room: Room, message: Message) -> None:
    """An agent's message in an email chat leaves as an email to the visitor, in the same thread."""
    inbox = session.get(EmailInbox, room.source_id)
    if inbox is None:
        raise ApiError("error-email-inbox-not-found", "The email inbox of this chat no longer exists")
    visitor = room.visitor
    if not visitor.email:
        raise ApiError("error-invalid-email", "This chat has no address to answer")
    thread = thread_of_room(session, room.id)
    subject = next((entry.subject for entry in thread if entry.subject), None) or room.topic or inbox.name
    domain = inbox.email.rpartition("@")[2] or None
    message_id = make_msgid(idstring=message.id, domain=domain)[1:-1]
    ids = [entry.message_id_header for entry in thread]
    last_inbound = next((e.message_id_header for e in reversed(thread) if e.direction == "inbound"), None)
    queue_email(
        session,
        to=visitor.email,
        subject=subject if subject.lower().startswith("re:") else f"Re: {subject}",
        body_text=message.msg,
        room_id=room.id,
        inbox_id=inbox.id,
        message_id=message_id,
        in_reply_to=f"<{last_inbound}>" if last_inbound else None,
        references=" ".join(f"<{i}>" for i in ids[-20:]) or None,
    )
    session.add(
        EmailThreadMessage(
            inbox_id=inbox.id,
            message_id_header=message_id,
            room_id=room.id,
            direction="outbound",
            subject=None,
        )
    )
    session.flush()


def sender_of(inbox: EmailInbox) -> str:
    return formataddr((inbox.sender_info or inbox.name, inbox.email))
