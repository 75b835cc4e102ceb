"""An agent's reply in an email chat: a threaded email to the visitor, sent through the inbox's own SMTP
server."""

from __future__ import annotations

from email.utils import formataddr, make_msgid

from sqlalchemy.orm import Session

from omnidesk.actions.mail import queue_email
from omnidesk.errors import ApiError
from omnidesk.models import EmailInbox, EmailThreadMessage, Message, Room
from omnidesk.queries.email_inbox import thread_of_room


def prepare_reply(session: Session, *, room: Room) -> EmailInbox:
    """The inbox a reply in ``room`` leaves through; refused when it is gone or the chat has no address."""
    inbox = session.get(EmailInbox, room.source_id)
    if inbox is None:
        raise ApiError("error-email-inbox-not-found", "The email inbox of this chat no longer exists")
    if not room.visitor.email:
        raise ApiError("error-invalid-email", "This chat has no address to answer")
    return inbox


def queue_reply(session: Session, *, room: Room, message: Message, destination: EmailInbox) -> None:
    """An agent's message in an email chat leaves as an email to the visitor, in the same thread."""
    queue_in_thread(session, room=room, inbox=destination, body_text=message.msg, id_seed=message.id)


def queue_in_thread(session: Session, *, room: Room, inbox: EmailInbox, body_text: str, id_seed: str) -> None:
    """An email to the chat's visitor through ``inbox``, answering its last email, so that the answer to
    it finds the chat again (``email_intake``): an agent's reply, or a verification code."""
    visitor = room.visitor
    assert visitor.email is not None  # prepare_reply refused a chat without one
    thread = thread_of_room(session, room.id)
    subject = next((entry.subject for entry in thread if entry.subject), None) or room.topic or inbox.name
    domain = inbox.email.rpartition("@")[2] or None
    message_id = make_msgid(idstring=id_seed, domain=domain)[1:-1]
    ids = [entry.message_id_header for entry in thread]
    last_inbound = next((e.message_id_header for e in reversed(thread) if e.direction == "inbound"), None)
    queue_email(
        session,
        to=visitor.email,
        subject=subject if subject.lower().startswith("re:") else f"Re: {subject}",
        body_text=body_text,
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
