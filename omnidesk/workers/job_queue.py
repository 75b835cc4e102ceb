"""A table worked as a queue of jobs: claims, leases, retries with back-off, and dead letters.

A job row has ``id``, ``status`` (pending -> sending -> sent | failed), ``attempts``, ``last_error``,
``next_attempt_at`` and ``sent_at``. A worker claims one due row at a time with a conditional UPDATE
(pending -> sending, and only if exactly one row changed), so two workers, or a worker and a command,
never take the same job. A claim also pushes ``next_attempt_at`` forward by a lease: a row left in
``sending`` by a worker that died mid-send goes back to the queue once the lease has run out. A failure
that is permanent, or the last allowed one, leaves the row ``failed`` with its error: the dead letter
stays in the table for staff to read.

The queues today: outbound email (``mail_delivery``), SMS/WhatsApp replies (``messaging_delivery``) and
the livechat webhook (``webhook_delivery``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from omnidesk.db import utcnow
from omnidesk.services import Services

log = logging.getLogger(__name__)

J = TypeVar("J")  # what a worker reads of a claimed row
MAX_ERROR_LENGTH = 1000
INTERRUPTED = "Delivery was interrupted; trying again"


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    # Wait after the 1st, 2nd, ... failed attempt; the failure numbered ``max_attempts`` is final.
    retry_delays: tuple[timedelta, ...]
    lease: timedelta  # how long a claimed job may stay in ``sending`` before another worker may take it

    def next_attempt_at(self, attempts: int, now: datetime) -> datetime:
        return now + self.retry_delays[min(attempts, len(self.retry_delays)) - 1]


class JobQueue(Generic[J]):
    """The jobs of ``model`` that match ``where`` (e.g. outbound rows only), worked under ``policy``."""

    def __init__(
        self,
        model: Any,
        *,
        noun: str,
        policy: RetryPolicy,
        where: Sequence[ColumnElement[bool]] = (),
        read: Callable[[Session, Any], J],
    ) -> None:
        self.model = model
        self.noun = noun  # "email", "message": for the log
        self.policy = policy
        self.where = tuple(where)
        self.read = read  # turns a claimed row into what the worker needs, inside the claiming transaction

    def release_expired_claims(self, services: Services, *, now: datetime) -> int:
        model = self.model
        with services.transaction() as session:
            released = session.execute(
                update(model)
                .where(*self.where, model.status == "sending", model.next_attempt_at <= now)
                .values(status="pending", last_error=INTERRUPTED)
            )
            count: int = released.rowcount  # type: ignore[attr-defined]
        if count:
            log.warning("Released %d %s(s) left in 'sending' by an interrupted worker", count, self.noun)
        return count

    def claim_next(
        self, services: Services, *, now: datetime, where: Sequence[ColumnElement[bool]] = ()
    ) -> J | None:
        """Claim the most overdue job (and read it), or None when nothing is due."""
        model = self.model
        while True:
            with services.transaction() as session:
                due = session.scalars(
                    select(model.id)
                    .where(*self.where, *where, model.status == "pending", model.next_attempt_at <= now)
                    .order_by(model.next_attempt_at, model.id)
                    .limit(10)
                ).all()
                if not due:
                    return None
                for job_id in due:
                    claimed = session.execute(
                        update(model)
                        .where(model.id == job_id, model.status == "pending")
                        .values(status="sending", next_attempt_at=now + self.policy.lease)
                    )
                    if claimed.rowcount == 1:  # type: ignore[attr-defined]
                        return self.read(session, session.get(model, job_id))
            # Every candidate went to another worker; those are no longer pending, so look again.

    def record_sent(
        self,
        services: Services,
        job_id: str,
        *,
        attempts: int,
        then: Callable[[Session, Any], None] | None = None,
    ) -> None:
        """Mark a claimed job sent; ``then`` runs in the same transaction with the row."""
        model = self.model
        with services.transaction() as session:
            done = session.execute(
                update(model)
                .where(model.id == job_id, model.status == "sending")
                .values(status="sent", sent_at=utcnow(), attempts=attempts + 1, last_error=None)
            )
            if done.rowcount == 1 and then is not None:  # type: ignore[attr-defined]
                then(session, session.get(model, job_id))

    def record_failure(
        self,
        services: Services,
        job_id: str,
        *,
        attempts: int,
        error: str,
        permanent: bool,
        now: datetime,
        then: Callable[[Session, Any, bool], None] | None = None,
        recipient: str = "",
    ) -> None:
        """Put a claimed job back with back-off, or fail it for good when ``permanent`` or out of
        attempts; ``then(session, row, final)`` runs in the same transaction."""
        model = self.model
        attempts += 1
        final = permanent or attempts >= self.policy.max_attempts
        reason = error[:MAX_ERROR_LENGTH]
        values: dict[str, object] = {"attempts": attempts, "last_error": reason}
        if final:
            values["status"] = "failed"
            log.error("%s %s to %s failed for good: %s", self.noun.capitalize(), job_id, recipient, reason)
        else:
            values["status"] = "pending"
            values["next_attempt_at"] = self.policy.next_attempt_at(attempts, now)
            log.warning(
                "%s %s to %s failed (attempt %d), will retry: %s",
                self.noun.capitalize(),
                job_id,
                recipient,
                attempts,
                reason,
            )
        with services.transaction() as session:
            done = session.execute(
                update(model).where(model.id == job_id, model.status == "sending").values(**values)
            )
            if done.rowcount == 1 and then is not None:  # type: ignore[attr-defined]
                then(session, session.get(model, job_id), final)
