"""Email inboxes: their settings, their removal and a test email through their SMTP server. Received
emails are ``email_intake``; agents' replies ``email_replies``. Passwords are kept as given and never
shown: a password saved back as the mask the API shows, or empty, keeps the stored one."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.mail import queue_email
from omnidesk.channels.config import MASK
from omnidesk.channels.email_imap import ImapAccount
from omnidesk.channels.email_inbox import InboxConfig, inbox_config_of, store_inbox_config
from omnidesk.channels.email_smtp import SmtpAccount
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
    saved = inbox_config_of(inbox) if inbox is not None else None
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
    config = InboxConfig(
        smtp=SmtpAccount(
            server=smtp["server"].strip(),
            port=smtp["port"],
            username=smtp["username"],
            password=_password(smtp["password"], saved.smtp.password if saved is not None else None),
            secure=smtp["secure"],
        ),
        imap=ImapAccount(
            server=imap["server"].strip(),
            port=imap["port"],
            username=imap["username"],
            password=_password(imap["password"], saved.imap.password if saved is not None else None),
            secure=imap["secure"],
            max_retries=imap.get("maxRetries") or 10,
        ),
    )
    store_inbox_config(inbox, config)
    # New settings deserve a fresh start: an inbox that turned itself off reads again.
    inbox.failed_polls, inbox.last_error = 0, None
    session.flush()
    return inbox


def _password(given: str, saved: str | None) -> str:
    return saved if saved is not None and given in ("", MASK) else given


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
