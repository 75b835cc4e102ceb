"""Read paths for the visitor side of livechat."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.models import Room


def open_room_of_visitor(session: Session, visitor_id: str, *, source_type: str | None = None) -> Room | None:
    """The visitor's newest open room (on ``source_type`` when given)."""
    query = select(Room).where(Room.visitor_id == visitor_id, Room.open.is_(True))
    if source_type is not None:
        query = query.where(Room.source_type == source_type)
    return session.scalars(query.order_by(Room.created_at.desc()).limit(1)).first()
