"""Read paths for the visitor side of livechat."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.models import Room, Visitor


def visitor_on_channel(session: Session, *, channel_type: str, address: str) -> Visitor | None:
    """The visitor a channel created for ``address`` (an E.164 number, an email address)."""
    return session.scalar(
        select(Visitor).where(Visitor.channel_type == channel_type, Visitor.channel_address == address)
    )


def open_room_of_visitor(session: Session, visitor_id: str, *, source_type: str | None = None) -> Room | None:
    """The visitor's newest open room (on ``source_type`` when given)."""
    query = select(Room).where(Room.visitor_id == visitor_id, Room.open.is_(True))
    if source_type is not None:
        query = query.where(Room.source_type == source_type)
    return session.scalars(query.order_by(Room.created_at.desc()).limit(1)).first()


def open_rooms_of_visitor(session: Session, visitor_id: str) -> list[Room]:
    """Every open room of the visitor, newest first."""
    query = select(Room).where(Room.visitor_id == visitor_id, Room.open.is_(True))
    return list(session.scalars(query.order_by(Room.created_at.desc(), Room.id)))


def open_room_on_source(
    session: Session, *, visitor_id: str, source_type: str, source_id: str
) -> Room | None:
    """The visitor's newest open room on one source (an SMS account, an email inbox, ...)."""
    return session.scalars(
        select(Room)
        .where(
            Room.visitor_id == visitor_id,
            Room.open.is_(True),
            Room.source_type == source_type,
            Room.source_id == source_id,
        )
        .order_by(Room.created_at.desc())
        .limit(1)
    ).first()
