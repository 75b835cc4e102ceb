"""Chat transcripts by email: sent at once on a visitor's request, or requested by staff for when the
chat closes. The email is queued in the caller's transaction and delivered by
``workers/mail_delivery``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.mail import queue_email
from omnidesk.actions.routing import room_event
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.events import send_event_on_commit
from omnidesk.models import OutboundEmail, Room
from omnidesk.queries.settings import setting_value
from omnidesk.queries.transcripts import DEFAULT_SUBJECT, load_transcript, render_html, render_text


@dataclass(frozen=True)
class TranscriptRecipient:
    """Who gets the transcript when a chat is closed; no email means the visitor's own address."""

    email: str | None = None
    subject: str | None = None


def send_transcript(session: Session, *, room: Room, to: str, subject: str | None = None) -> OutboundEmail:
    """Queue the transcript of ``room`` as it is now (open or closed) for ``to``."""
    address = normalise_email(to)
    transcript = load_transcript(session, room)
    return queue_email(
        session,
        to=address,
        subject=(subject or "").strip() or DEFAULT_SUBJECT,
        body_text=render_text(transcript),
        body_html=render_html(transcript),
        room_id=room.id,
    )


def send_visitor_transcript(
    session: Session, *, room: Room, email: str, subject: str | None
) -> OutboundEmail:
    """The widget's "email me this chat": allowed while ``Livechat_enable_transcript`` is on."""
    if not setting_value(session, "Livechat_enable_transcript"):
        raise ApiError("error-transcript-not-enabled", "Chat transcripts are not enabled")
    return send_transcript(session, room=room, to=email, subject=subject)


def request_transcript(session: Session, *, room: Room, email: str) -> None:
    """Ask for the transcript to be emailed to ``email`` when the open ``room`` closes.

    Only the address is kept (``rooms.transcript_email``); the email goes out with the default subject.
    """
    if not room.open:
        raise ApiError("error-invalid-room", "Invalid room")
    if room.transcript_email:
        raise ApiError("error-transcript-already-requested", "Transcript already requested")
    room.transcript_email = normalise_email(email)
    room.updated_at = utcnow()
    session.flush()
    send_event_on_commit(session, room_event("updated", room))


def cancel_transcript_request(session: Session, *, room: Room) -> None:
    if not room.open:
        raise ApiError("error-invalid-room", "Invalid room")
    if not room.transcript_email:
        raise ApiError("error-transcript-not-requested", "Transcript not requested")
    room.transcript_email = None
    room.updated_at = utcnow()
    session.flush()
    send_event_on_commit(session, room_event("updated", room))


def send_transcript_on_close(
    session: Session, *, room: Room, recipient: TranscriptRecipient | None = None
) -> OutboundEmail | None:
    """Called by ``close_room`` once the closing note is written, so the transcript ends with it.

    The closer's ``recipient`` wins over an address requested earlier in the chat."""
    if recipient is not None:
        address = recipient.email or room.visitor.email
        if not address:
            raise ApiError(
                "error-invalid-email", "The visitor has no email address to send the transcript to"
            )
        return send_transcript(session, room=room, to=address, subject=recipient.subject)
    if room.transcript_email:
        return send_transcript(session, room=room, to=room.transcript_email)
    return None
