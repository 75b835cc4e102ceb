"""Delivering agents' replies in SMS and WhatsApp chats: ``channel_messages`` rows with
``direction="out"`` worked as a job queue (``job_queue``). The channel module (``channels/registry``)
sends; a permanent error fails the message at once, any other is retried with back-off until the fifth
failure, and the message's delivery state follows (``apply_delivery_status``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.actions.messaging_replies import apply_delivery_status
from omnidesk.channels import sms_twilio
from omnidesk.channels.registry import config_of, module_for
from omnidesk.channels.transports import OutboundText, TransportError
from omnidesk.db import utcnow
from omnidesk.events import Event, MessageSent
from omnidesk.models import ChannelMessage, MessagingChannel
from omnidesk.services import Services
from omnidesk.workers.job_queue import JobQueue, RetryPolicy
from omnidesk.workers.periodic import PeriodicWorker

log = logging.getLogger(__name__)

POLICY = RetryPolicy(
    max_attempts=5,
    # Shorter than email's: a customer is waiting for the answer.
    retry_delays=(timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=30)),
    lease=timedelta(minutes=5),
)
MAX_ATTEMPTS, RETRY_DELAYS = POLICY.max_attempts, POLICY.retry_delays


@dataclass(frozen=True)
class ClaimedReply:
    id: str
    attempts: int
    customer: str
    text: OutboundText | None  # None when the channel of the chat was removed
    channel_type: str = ""
    config: Any = None  # the channel module's config, read while the row was at hand


def deliver_pending_messages(services: Services, *, limit: int = 50, now: datetime | None = None) -> int:
    """Send up to ``limit`` due replies, one claim at a time; return how many were sent."""
    queue = _queue(services)
    queue.release_expired_claims(services, now=now or utcnow())
    sent = 0
    for _ in range(limit):
        job = queue.claim_next(services, now=now or utcnow())
        if job is None:
            break
        try:
            if job.text is None:
                raise TransportError("The channel of this chat was removed", permanent=True)
            external_id = module_for(job.channel_type).send(job.text, job.config)
        except TransportError as error:
            queue.record_failure(
                services,
                job.id,
                attempts=job.attempts,
                error=str(error),
                permanent=error.permanent,
                now=now or utcnow(),
                then=_note_failure,
                recipient=job.customer,
            )
        else:
            queue.record_sent(services, job.id, attempts=job.attempts, then=_note_sent(external_id))
            sent += 1
    return sent


def _queue(services: Services) -> JobQueue[ClaimedReply]:
    def read(session: Session, job: ChannelMessage) -> ClaimedReply:
        channel = session.get(MessagingChannel, job.channel_id) if job.channel_id else None
        if channel is None:
            return ClaimedReply(id=job.id, attempts=job.attempts, customer=job.customer, text=None)
        return ClaimedReply(
            id=job.id,
            attempts=job.attempts,
            customer=job.customer,
            text=_outbound_text(services, job, channel),
            channel_type=channel.type,
            config=config_of(channel, module_for(channel.type)),
        )

    return JobQueue(
        ChannelMessage, noun="message", policy=POLICY, where=(ChannelMessage.direction == "out",), read=read
    )


def _note_sent(external_id: str) -> Callable[[Session, ChannelMessage], None]:
    def note(session: Session, job: ChannelMessage) -> None:
        apply_delivery_status(session, job=job, status="sent", external_id=external_id)

    return note


def _note_failure(session: Session, job: ChannelMessage, final: bool) -> None:
    if final:
        apply_delivery_status(session, job=job, status="failed", error=job.last_error)


def _outbound_text(services: Services, job: ChannelMessage, channel: MessagingChannel) -> OutboundText:
    callback = None
    if channel.type == "sms":
        callback = sms_twilio.status_callback_url(services.settings.public_url, channel.id) + f"?ref={job.id}"
    return OutboundText(
        job_id=job.id,
        channel_id=channel.id,
        phone_number=channel.phone_number,
        to=job.customer,
        body=job.body,
        status_callback_url=callback,
    )


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
