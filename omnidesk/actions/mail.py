"""Queueing outbound email. Delivery happens after commit, from the ``outbound_emails`` table."""

from __future__ import annotations

from sqlalchemy.orm import Session

from omnidesk.models import OutboundEmail


def queue_email(
    session: Session,
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    reply_to: str | None = None,
    room_id: str | None = None,
    inbox_id: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
) -> OutboundEmail:
    """Queue an email in the request's transaction: it is sent only if the transaction commits. With
    ``inbox_id`` it leaves through that email inbox's SMTP server, from its address, threaded by the
    given headers."""
    email = OutboundEmail(
        to_address=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        reply_to=reply_to,
        room_id=room_id,
        inbox_id=inbox_id,
        message_id_header=message_id,
        in_reply_to=in_reply_to,
        references_header=references,
    )
    session.add(email)
    session.flush()
    return email
