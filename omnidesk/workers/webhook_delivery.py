"""Delivering the livechat webhook: ``livechat_webhooks`` rows worked as a job queue (``job_queue``),
each POSTed to ``Livechat_webhookUrl`` with the secret token (``channels/livechat_webhook``).

A temporary failure (no answer, a timeout, a server error, a rate limit, a wrong token) is tried again
after 30 s, 2 min, 10 min and 45 min; a permanent one (any other 4xx, a redirect), the fifth failure,
or a URL emptied meanwhile leaves the row ``failed`` with its error: the dead letter. Deliveries sent
are kept a week, dead letters a month, then removed. Each delivery is one row claimed by one worker,
so two workers never send it; one whose worker died mid-send goes again after the lease (at least
once, the same body). A retry may reach the receiver after a later event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from omnidesk.actions.webhooks import webhook_config
from omnidesk.channels.livechat_webhook import post_webhook, receiver
from omnidesk.channels.transports import TransportError
from omnidesk.db import utcnow
from omnidesk.events import Event, WebhookQueued
from omnidesk.models import LivechatWebhook
from omnidesk.services import Services
from omnidesk.workers.job_queue import JobQueue, RetryPolicy
from omnidesk.workers.periodic import PeriodicWorker

log = logging.getLogger(__name__)

POLICY = RetryPolicy(
    max_attempts=5,
    # About an hour in all, as a receiver down for maintenance may well be.
    retry_delays=(timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(minutes=45)),
    # Longer than any attempt can take (the timeout is at most 20 s).
    lease=timedelta(minutes=5),
)
KEEP_SENT = timedelta(days=7)
KEEP_FAILED = timedelta(days=30)
PRUNE_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class ClaimedWebhook:
    id: str
    type: str
    attempts: int
    payload: str


def _read(_session: Session, row: LivechatWebhook) -> ClaimedWebhook:
    return ClaimedWebhook(id=row.id, type=row.type, attempts=row.attempts, payload=row.payload)


QUEUE: JobQueue[ClaimedWebhook] = JobQueue(LivechatWebhook, noun="webhook", policy=POLICY, read=_read)

_last_pruned: datetime | None = None


def prune_deliveries(services: Services, *, now: datetime) -> int:
    """Remove deliveries sent over a week ago and dead letters over a month old."""
    with services.transaction() as session:
        removed = 0
        for status, keep in (("sent", KEEP_SENT), ("failed", KEEP_FAILED)):
            result = session.execute(
                delete(LivechatWebhook).where(
                    LivechatWebhook.created_at < now - keep, LivechatWebhook.status == status
                )
            )
            removed += result.rowcount  # type: ignore[attr-defined]
    return removed


def deliver_pending_webhooks(services: Services, *, limit: int = 50, now: datetime | None = None) -> int:
    """Send up to ``limit`` due deliveries, one claim at a time; return how many were delivered."""
    global _last_pruned
    with services.session(write=False) as session:
        config = webhook_config(session)
    moment = now or utcnow()
    if _last_pruned is None or moment - _last_pruned >= PRUNE_EVERY:
        _last_pruned = moment
        prune_deliveries(services, now=moment)
    QUEUE.release_expired_claims(services, now=moment)
    sent = 0
    for _ in range(limit):
        job = QUEUE.claim_next(services, now=now or utcnow())
        if job is None:
            break
        try:
            if config is None:
                raise TransportError("Livechat_webhookUrl was emptied: the webhook is off", permanent=True)
            post_webhook(config.url, body=job.payload, headers=config.headers(), timeout=config.timeout)
        except Exception as error:  # whatever went wrong, the attempt counts
            if not isinstance(error, TransportError):
                log.exception("Webhook %s (%s) could not be sent", job.id, job.type)
            QUEUE.record_failure(
                services,
                job.id,
                attempts=job.attempts,
                error=str(error) or type(error).__name__,
                permanent=isinstance(error, TransportError) and error.permanent,
                now=now or utcnow(),
                recipient=receiver(config.url) if config else "nowhere",
            )
        else:
            QUEUE.record_sent(services, job.id, attempts=job.attempts)
            log.debug("Webhook %s (%s) delivered to %s", job.id, job.type, receiver(config.url))
            sent += 1
    return sent


class WebhookWorker(PeriodicWorker):
    """The thread that delivers due webhooks every ``interval`` seconds, and at once when one is
    queued. Started by ``omnidesk serve``, not by the app, so tests decide when webhooks go out."""

    def __init__(self, services: Services, *, interval: float = 5.0) -> None:
        super().__init__("webhooks", deliver_pending_webhooks, services, interval=interval)
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
        if isinstance(event, WebhookQueued):
            self.wake()
