"""Read paths for the queue."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from omnidesk.models import DepartmentAgent, Inquiry

# The queue's order: higher priority first (a lower weight), then the SLA due soonest (a chat without
# an SLA after those with one), then the longest waiting. ``ix_inquiries_queue_order`` holds it.
QUEUE_ORDER = (Inquiry.priority_weight, Inquiry.sla_due_at.asc().nulls_last(), Inquiry.queued_at, Inquiry.id)


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
