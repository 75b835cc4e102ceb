"""Read paths for the queue."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from omnidesk.models import DepartmentAgent, Inquiry, Room

MAX_QUEUE_SCAN = 5000  # places are counted among the first this many waiting chats
RECENT_CHATS = 100  # the estimated wait averages the length of this many recent chats

# The queue's order: higher priority first (a lower weight), then the SLA due soonest (a chat without
# an SLA after those with one), then the longest waiting. ``ix_inquiries_queue_order`` holds it.
QUEUE_ORDER = (
    Inquiry.priority_weight,
    Inquiry.sla_due_at.asc().nulls_last(),
    Inquiry.queued_at,
    Inquiry.id,
)


def queued_inquiries(
    session: Session,
    *,
    department_id: str | None,
    for_agent_id: str | None,
    offset: int,
    count: int,
    newest_first: bool = False,
) -> tuple[list[Inquiry], int]:
    """Queued inquiries in queue order (``newest_first``: arrival reversed, within a priority and an SLA
    due moment). ``for_agent_id`` keeps those the agent may take: without a
    department, or in one of the agent's departments."""
    query = select(Inquiry).where(Inquiry.status == "queued")
    if department_id:
        query = query.where(Inquiry.department_id == department_id)
    if for_agent_id:
        mine = select(DepartmentAgent.department_id).where(DepartmentAgent.agent_id == for_agent_id)
        query = query.where(or_(Inquiry.department_id.is_(None), Inquiry.department_id.in_(mine)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (
        (Inquiry.priority_weight, Inquiry.sla_due_at.asc().nulls_last(), Inquiry.queued_at.desc(), Inquiry.id)
        if newest_first
        else QUEUE_ORDER
    )
    rows = session.scalars(query.order_by(*order).offset(offset).limit(count)).all()
    return list(rows), total


def inquiry_of_room(session: Session, room_id: str) -> Inquiry | None:
    return session.scalar(select(Inquiry).where(Inquiry.room_id == room_id))


def queue_spots(session: Session, room_ids: set[str]) -> dict[str, int]:
    """Each queued room's place in its queue (its department's, or the general one), from 1."""
    queue = session.execute(
        select(Inquiry.room_id, Inquiry.department_id)
        .where(Inquiry.status == "queued")
        .order_by(*QUEUE_ORDER)
        .limit(MAX_QUEUE_SCAN)
    ).all()
    spots: dict[str, int] = {}
    ahead: dict[str | None, int] = {}
    for room_id, department_id in queue:
        ahead[department_id] = ahead.get(department_id, 0) + 1
        if room_id in room_ids:
            # A room without a department waits behind everyone; one with, behind its department.
            spots[room_id] = sum(ahead.values()) if department_id is None else ahead[department_id]
    return spots


def average_chat_seconds(session: Session) -> float | None:
    """How long the recent served chats lasted, from an agent taking them to their close."""
    rows = session.execute(
        select(Room.served_at, Room.closed_at)
        .where(Room.closed_at.is_not(None), Room.served_at.is_not(None))
        .order_by(Room.closed_at.desc())
        .limit(RECENT_CHATS)
    ).all()
    lengths = [
        (closed - served).total_seconds()
        for served, closed in rows
        if served is not None and closed is not None and closed >= served
    ]
    return sum(lengths) / len(lengths) if lengths else None


def estimated_wait_seconds(spot: int, *, average: float | None, serving: int) -> int | None:
    """The wait of the chat at ``spot``: a round of chats for every ``serving`` agents ahead of it,
    then one (Rocket.Chat's estimate, with the serving agents as the chats handled at once)."""
    if average is None:
        return None
    return round(((spot - 1) // max(serving, 1) + 1) * average)
