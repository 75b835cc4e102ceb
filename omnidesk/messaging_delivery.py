"""Delivering agents' replies in SMS and WhatsApp chats.

``channel_messages`` rows with ``direction="out"`` are the queue, worked like ``outbound_emails``
(``mail.py``): a worker claims one due row at a time with a conditional UPDATE (pending -> sending, and
only if exactly one row changed), so two workers never send the same message; a claim pushes
``next_attempt_at`` forward by a lease, and a row left in ``sending`` by a worker that died goes back to the
queue once the lease has run out. The channel module (``channels/transports.py``) sends; a permanent
error fails the message at once, any other is retried with backoff until the fifth failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from omnidesk.actions.messaging_replies import apply_delivery_status
from omnidesk.channels import sms_twilio
from omnidesk.channels.registry import transport_for
from omnidesk.channels.transports import Account, OutboundText, TransportError
from omnidesk.db import utcnow
from omnidesk.events import Event, MessageSent
from omnidesk.models import ChannelMessage, MessagingChannel
from omnidesk.services import Services
from omnidesk.workers import PeriodicWorker

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure is final. Shorter than email's:
# a customer is waiting for the answer.
RETRY_DELAYS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30))
SENDING_LEASE = timedelta(minutes=5)
MAX_ERROR_LENGTH = 1000


def deliver_pending_messages(services: Services, *, limit: int = 50, now: datetime | None = None) -> int:
    """Send up to ``limit`` due replies, one claim at a time; return how many were sent."""
    _release_expired_claims(services, now=now or utcnow())
    sent = 0
    for _ in range(limit):
        claimed = _claim_next(services, now=now or utcnow())
        if claimed is None:
            break
        job_id, text, attempts = claimed
        try:
            if text is None:
                raise TransportError("The channel of this chat was removed", permanent=True)
            external_id = transport_for(text.account.type)(text)
        except TransportError as error:
            _record_failure(services, job_id, attempts, error, now=now or utcnow())
        else:
            _record_sent(services, job_id, attempts, external_id)
            sent += 1
    return sent


def _release_expired_claims(services: Services, *, now: datetime) -> None:
    with services.transaction() as session:
        released = session.execute(
            update(ChannelMessage)
            .where(
                ChannelMessage.direction == "out",
                ChannelMessage.status == "sending",
                ChannelMessage.next_attempt_at <= now,
            )
            .values(status="pending", last_error="Delivery was interrupted; trying again")
        )
        count = released.rowcount  # type: ignore[attr-defined]
    if count:
        log.warning("Released %d message(s) left in 'sending' by an interrupted worker", count)


def _claim_next(services: Services, *, now: datetime) -> tuple[str, OutboundText | None, int] | None:
    while True:
        with services.transaction() as session:
            due = session.scalars(
                select(ChannelMessage.id)
                .where(
                    ChannelMessage.status == "pending",
                    ChannelMessage.direction == "out",
                    ChannelMessage.next_attempt_at <= now,
                )
                .order_by(ChannelMessage.next_attempt_at, ChannelMessage.id)
                .limit(10)
            ).all()
            if not due:
                return None
            for job_id in due:
                claimed = session.execute(
                    update(ChannelMessage)
                    .where(ChannelMessage.id == job_id, ChannelMessage.status == "pending")
                    .values(status="sending", next_attempt_at=now + SENDING_LEASE)
                )
                if claimed.rowcount == 1:  # type: ignore[attr-defined]
                    job = session.get(ChannelMessage, job_id)
                    assert job is not None
                    channel = session.get(MessagingChannel, job.channel_id) if job.channel_id else None
                    if channel is None:
                        return job.id, None, job.attempts
                    return job.id, _outbound_text(services, job, channel), job.attempts
        # Every candidate went to another worker; those are no longer pending, so look again.


def _outbound_text(services: Services, job: ChannelMessage, channel: MessagingChannel) -> OutboundText:
    callback = None
    if channel.type == "sms":
        callback = sms_twilio.status_callback_url(services.settings.public_url, channel.id) + f"?ref={job.id}"
    return OutboundText(
        job_id=job.id,
        account=Account(
            id=channel.id,
            type=channel.type,
            phone_number=channel.phone_number,
            account_sid=channel.account_sid,
            auth_token=channel.auth_token,
            messaging_service_sid=channel.messaging_service_sid,
            phone_number_id=channel.phone_number_id,
            access_token=channel.access_token,
        ),
        to=job.customer,
        body=job.body,
        status_callback_url=callback,
    )


def _record_sent(services: Services, job_id: str, attempts: int, external_id: str) -> None:
    with services.transaction() as session:
        job = session.get(ChannelMessage, job_id)
        if job is None or job.status != "sending":
            return
        job.status, job.sent_at, job.attempts, job.last_error = "sent", utcnow(), attempts + 1, None
        apply_delivery_status(session, job=job, status="sent", external_id=external_id)


def _record_failure(
    services: Services, job_id: str, attempts: int, error: TransportError, *, now: datetime
) -> None:
    attempts += 1
    final = error.permanent or attempts >= MAX_ATTEMPTS
    reason = str(error)[:MAX_ERROR_LENGTH]
    with services.transaction() as session:
        job = session.get(ChannelMessage, job_id)
        if job is None or job.status != "sending":
            return
        job.attempts, job.last_error = attempts, reason
        if final:
            job.status = "failed"
            log.error("Message %s to %s failed for good: %s", job.id, job.customer, reason)
            apply_delivery_status(session, job=job, status="failed", error=reason)
        else:
            job.status = "pending"
            job.next_attempt_at = now + RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
            log.warning(
                "Message %s to %s failed (attempt %d), will retry: %s", job.id, job.customer, attempts, reason
            )
            session.flush()


class MessagingWorker(PeriodicWorker):
    """The thread that delivers due replies every ``interval`` seconds, and at once when an agent writes.
    Started by ``omnidesk serve`` next to the mail worker, not by the app, so tests decide when messages
    go out."""

    def __init__(self, services: Services, *, interval: float = 5.0) -> None:
        super().__init__("messaging", deliver_pending_messages, services, interval=interval)
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        if self._unsubscribe is None:
            self._unsubscribe = self.services.bus.subscribe(self._on_event)
        super().start()

    def stop(self, timeout: float = 10.0) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        super().stop(timeout)

    def _on_event(self, event: Event) -> None:
        if isinstance(event, MessageSent) and event.author_kind == "user":
            self.wake()
