"""Email inboxes: their settings, their removal and a test email through their SMTP server. Received
emails are ``email_intake``; agents' replies ``email_replies``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.mail import queue_email
from omnidesk.errors import ApiError
from omnidesk.models import Department, EmailInbox
from omnidesk.queries.email_inbox import inbox_by_email


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
