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
) -> OutboundEmail:
    """Queue an email in the request's transaction: it is sent only if the transaction commits."""
    email = OutboundEmail(
        to_address=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        reply_to=reply_to,
        room_id=room_id,
    )
    session.add(email)
    session.flush()
    return email
