"""Delivering queued email over SMTP.

``outbound_emails`` is the queue. A worker claims one due row at a time with a conditional UPDATE
(pending -> sending, and only if exactly one row changed), so two workers, or a worker and
``omnidesk deliver-mail``, never send the same email. A claim also pushes ``next_attempt_at`` forward
by a lease: a row left in ``sending`` by a worker that died mid-send goes back to the queue once the
lease has run out.

``send_message`` is the only function that speaks SMTP; tests point it at a local server.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from omnidesk.actions.email_replies import sender_of
from omnidesk.db import utcnow
from omnidesk.models import EmailInbox, OutboundEmail
from omnidesk.queries.settings import setting_value
from omnidesk.secret_box import box
from omnidesk.services import Services
from omnidesk.workers import PeriodicWorker

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure is final.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
# How long a claimed email may stay in ``sending`` before another worker may take it again.
SENDING_LEASE = timedelta(minutes=15)
SMTP_TIMEOUT_SECONDS = 30.0
MAX_ERROR_LENGTH = 1000


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    username: str
    password: str
    security: str  # "none" | "starttls" | "ssl"
    sender: str

    @property
    def enabled(self) -> bool:
        return bool(self.host)


def smtp_config(session: Session) -> SmtpConfig:
    return SmtpConfig(
        host=str(setting_value(session, "SMTP_Host") or "").strip(),
        port=int(setting_value(session, "SMTP_Port") or 25),
        username=str(setting_value(session, "SMTP_Username") or ""),
        password=box().decrypt(str(setting_value(session, "SMTP_Password") or "")),
        security=str(setting_value(session, "SMTP_Security") or "none"),
        sender=str(setting_value(session, "From_Email") or ""),
    )


class DeliveryError(Exception):
    """Sending failed. ``permanent`` means trying again cannot help (the server said 5xx)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class QueuedEmail:
    """What a worker needs of a claimed row, read inside the claiming transaction."""

    id: str
    to_address: str
    subject: str
    body_text: str
    body_html: str | None
    reply_to: str | None
    attempts: int
    inbox_id: str | None = None
    message_id: str | None = None  # without angle brackets
    in_reply_to: str | None = None
    references: str | None = None


def build_message(email: QueuedEmail, *, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    message["Message-ID"] = f"<{email.message_id}>" if email.message_id else make_msgid(email.id, domain)
    if email.in_reply_to:
        message["In-Reply-To"] = email.in_reply_to
    if email.references:
        message["References"] = email.references
    if email.inbox_id:
        # RFC 3834: a person's answer, which auto-responders may answer.
        message["Auto-Submitted"] = "no"
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    return message


def send_message(config: SmtpConfig, message: EmailMessage) -> None:
    """One SMTP conversation: connect, secure, log in, send. Raises ``DeliveryError``."""
    try:
        smtp: smtplib.SMTP
        if config.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT_SECONDS)
        with smtp:
            if config.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        details = "; ".join(
            f"{address}: {code} {_text(reply)}" for address, (code, reply) in error.recipients.items()
        )
        raise DeliveryError(
            f"Recipient refused: {details}", permanent=all(500 <= c < 600 for c in codes)
        ) from None
    except smtplib.SMTPAuthenticationError as error:
        # A wrong password is the workspace's to fix; the email itself is fine, so it is tried again.
        raise DeliveryError(
            f"SMTP login failed: {error.smtp_code} {_text(error.smtp_error)}", permanent=False
        ) from None
    except smtplib.SMTPResponseException as error:
        raise DeliveryError(
            f"SMTP error {error.smtp_code}: {_text(error.smtp_error)}", permanent=500 <= error.smtp_code < 600
        ) from None
    except (smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"{type(error).__name__}: {error}", permanent=False) from None


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


_disabled_logged = False


def _note_disabled(services: Services) -> None:
    global _disabled_logged
    if not _disabled_logged:
        _disabled_logged = True
        with services.session(write=False) as session:
            waiting = pending_count(session)
        log.warning(
            "Email delivery is off: the SMTP_Host setting is empty. %d queued email(s) wait until it is set.",
            waiting,
        )


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(OutboundEmail.status == "pending")) or 0


def inbox_smtp_config(services: Services, inbox_id: str) -> SmtpConfig | None:
    """The SMTP server of an email inbox, for the replies in its chats (None once it is deleted)."""
    with services.session(write=False) as session:
        inbox = session.get(EmailInbox, inbox_id)
        if inbox is None:
            return None
        return SmtpConfig(
            host=inbox.smtp_server,
            port=inbox.smtp_port,
            username=inbox.smtp_username,
            password=inbox.smtp_password,
            security="ssl" if inbox.smtp_secure else "none",
            sender=sender_of(inbox),
        )


def deliver_pending(services: Services, *, limit: int = 50, now: datetime | None = None) -> int:
    """Send up to ``limit`` due emails, one claim at a time; return how many were sent. Replies in email
    chats go through their inbox's SMTP server, so they leave even while ``SMTP_Host`` is empty."""
    global _disabled_logged
    with services.session(write=False) as session:
        config = smtp_config(session)
    if not config.enabled:
        _note_disabled(services)
    else:
        _disabled_logged = False
    _release_expired_claims(services, now=now or utcnow())
    sent = 0
    for _ in range(limit):
        email = _claim_next(services, now=now or utcnow(), inbox_only=not config.enabled)
        if email is None:
            break
        sending = config if email.inbox_id is None else inbox_smtp_config(services, email.inbox_id)
        try:
            if sending is None:
                raise DeliveryError("The email inbox of this reply was deleted", permanent=True)
            send_message(sending, build_message(email, sender=sending.sender))
        except DeliveryError as error:
            _record_failure(services, email, error, now=now or utcnow())
        else:
            _record_sent(services, email)
            sent += 1
    return sent


def _release_expired_claims(services: Services, *, now: datetime) -> None:
    with services.transaction() as session:
        released = session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.status == "sending", OutboundEmail.next_attempt_at <= now)
            .values(status="pending", last_error="Delivery was interrupted; trying again")
        )
        count = released.rowcount  # type: ignore[attr-defined]
    if count:
        log.warning("Released %d email(s) left in 'sending' by an interrupted worker", count)


def _claim_next(services: Services, *, now: datetime, inbox_only: bool = False) -> QueuedEmail | None:
    while True:
        with services.transaction() as session:
            query = select(OutboundEmail.id).where(
                OutboundEmail.status == "pending", OutboundEmail.next_attempt_at <= now
            )
            if inbox_only:
                query = query.where(OutboundEmail.inbox_id.is_not(None))
            due = session.scalars(
                query.order_by(OutboundEmail.next_attempt_at, OutboundEmail.id).limit(10)
            ).all()
            if not due:
                return None
            for email_id in due:
                claimed = session.execute(
                    update(OutboundEmail)
                    .where(OutboundEmail.id == email_id, OutboundEmail.status == "pending")
                    .values(status="sending", next_attempt_at=now + SENDING_LEASE)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    row = session.get(OutboundEmail, email_id)
                    assert row is not None
                    return QueuedEmail(
                        id=row.id,
                        to_address=row.to_address,
                        subject=row.subject,
                        body_text=row.body_text,
                        body_html=row.body_html,
                        reply_to=row.reply_to,
                        attempts=row.attempts,
                        inbox_id=row.inbox_id,
                        message_id=row.message_id_header,
                        in_reply_to=row.in_reply_to,
                        references=row.references_header,
                    )
        # Every candidate went to another worker; those are no longer pending, so look again.


def _record_sent(services: Services, email: QueuedEmail) -> None:
    with services.transaction() as session:
        session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id == email.id, OutboundEmail.status == "sending")
            .values(status="sent", sent_at=utcnow(), attempts=email.attempts + 1, last_error=None)
        )


def _record_failure(services: Services, email: QueuedEmail, error: DeliveryError, *, now: datetime) -> None:
    attempts = email.attempts + 1
    final = error.permanent or attempts >= MAX_ATTEMPTS
    values: dict[str, object] = {"attempts": attempts, "last_error": str(error)[:MAX_ERROR_LENGTH]}
    if final:
        values["status"] = "failed"
        log.error("Email %s to %s failed for good: %s", email.id, email.to_address, error)
    else:
        values["status"] = "pending"
        values["next_attempt_at"] = now + RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
        log.warning(
            "Email %s to %s failed (attempt %d), will retry: %s", email.id, email.to_address, attempts, error
        )
    with services.transaction() as session:
        session.execute(
            update(OutboundEmail)
            .where(OutboundEmail.id == email.id, OutboundEmail.status == "sending")
            .values(**values)
        )


def mail_worker(services: Services, *, interval: float = 5.0) -> PeriodicWorker:
    """The thread that delivers due email every ``interval`` seconds until stopped."""
    return PeriodicWorker("mail", deliver_pending, services, interval=interval)
