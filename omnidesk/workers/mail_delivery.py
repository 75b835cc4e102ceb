"""Delivering queued email over SMTP: ``outbound_emails`` worked as a job queue (``job_queue``), each
email sent through the workspace's SMTP server, or a reply in an email chat through its inbox's own."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from omnidesk.actions.email_replies import sender_of
from omnidesk.channels.email_inbox import inbox_config_of
from omnidesk.channels.email_smtp import DeliveryError, QueuedEmail, SmtpConfig, build_message, send_message
from omnidesk.db import utcnow
from omnidesk.models import EmailInbox, OutboundEmail
from omnidesk.queries.settings import setting_value
from omnidesk.secret_box import box
from omnidesk.services import Services
from omnidesk.workers.job_queue import JobQueue, RetryPolicy
from omnidesk.workers.periodic import PeriodicWorker

log = logging.getLogger(__name__)

POLICY = RetryPolicy(
    max_attempts=5,
    retry_delays=(timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)),
    lease=timedelta(minutes=15),
)
MAX_ATTEMPTS = POLICY.max_attempts


def _read(session: Session, row: OutboundEmail) -> QueuedEmail:
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


QUEUE: JobQueue[QueuedEmail] = JobQueue(OutboundEmail, noun="email", policy=POLICY, read=_read)


def smtp_config(session: Session) -> SmtpConfig:
    return SmtpConfig(
        host=str(setting_value(session, "SMTP_Host") or "").strip(),
        port=int(setting_value(session, "SMTP_Port") or 25),
        username=str(setting_value(session, "SMTP_Username") or ""),
        password=box().decrypt(str(setting_value(session, "SMTP_Password") or "")),
        security=str(setting_value(session, "SMTP_Security") or "none"),
        sender=str(setting_value(session, "From_Email") or ""),
    )


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
        return inbox_config_of(inbox).smtp.sending_as(sender_of(inbox))


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
    QUEUE.release_expired_claims(services, now=now or utcnow())
    # Without SMTP_Host only replies in email chats can leave: they go through their inbox's server.
    only_inbox_replies: Any = () if config.enabled else (OutboundEmail.inbox_id.is_not(None),)
    sent = 0
    for _ in range(limit):
        email = QUEUE.claim_next(services, now=now or utcnow(), where=only_inbox_replies)
        if email is None:
            break
        sending = config if email.inbox_id is None else inbox_smtp_config(services, email.inbox_id)
        try:
            if sending is None:
                raise DeliveryError("The email inbox of this reply was deleted", permanent=True)
            send_message(sending, build_message(email, sender=sending.sender))
        except DeliveryError as error:
            QUEUE.record_failure(
                services,
                email.id,
                attempts=email.attempts,
                error=str(error),
                permanent=error.permanent,
                now=now or utcnow(),
                recipient=email.to_address,
            )
        else:
            QUEUE.record_sent(services, email.id, attempts=email.attempts)
            sent += 1
    return sent


def mail_worker(services: Services, *, interval: float = 5.0) -> PeriodicWorker:
    """The thread that delivers due email every ``interval`` seconds until stopped."""
    return PeriodicWorker("mail", deliver_pending, services, interval=interval)
