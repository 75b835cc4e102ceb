"""What waits in the database right now, for the metrics a scrape reads (``http/metrics.py``): the
livechat queue, the open chats, and the delivery queues' jobs. Each figure is one statement on an
index (``ix_inquiries_status_queued``, ``ix_rooms_open_created``, each job table's status index)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from omnidesk.models.livechat import Inquiry, Room
from omnidesk.models.mail import OutboundEmail
from omnidesk.models.messaging import ChannelMessage
from omnidesk.models.webhooks import LivechatWebhook

# The job states worth watching: waiting, being sent, and the dead letters; sent rows are history.
JOB_STATES = ("pending", "sending", "failed")

# Each delivery queue's table, and which of its rows are jobs (a channel message may be an arrival).
_JOB_TABLES: tuple[tuple[str, Any, tuple[ColumnElement[bool], ...]], ...] = (
    ("mail", OutboundEmail, ()),
    ("messaging", ChannelMessage, (ChannelMessage.direction == "out",)),
    ("webhook", LivechatWebhook, ()),
)


@dataclass(frozen=True)
class Workload:
    queued_chats: int
    oldest_queued_at: datetime | None
    open_chats: int
    jobs: dict[tuple[str, str], int]  # (queue, state) -> rows, every queue and state present


def current_workload(session: Session) -> Workload:
    queued, oldest = session.execute(
        select(func.count(), func.min(Inquiry.queued_at)).where(Inquiry.status == "queued")
    ).one()
    open_chats = session.scalar(select(func.count()).select_from(Room).where(Room.open.is_(True))) or 0
    jobs = {(queue, state): 0 for queue, _model, _where in _JOB_TABLES for state in JOB_STATES}
    for queue, model, where in _JOB_TABLES:
        counted = session.execute(
            select(model.status, func.count())
            .where(model.status.in_(JOB_STATES), *where)
            .group_by(model.status)
        )
        for state, count in counted:
            jobs[(queue, state)] = count
    return Workload(queued_chats=queued, oldest_queued_at=oldest, open_chats=open_chats, jobs=jobs)
