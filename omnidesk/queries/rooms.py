"""Read paths for livechat rooms: the Chats listing with every filter, messages of a room."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, String, and_, cast, func, literal_column, or_, select
from sqlalchemy.orm import Session

from omnidesk.models import Message, Room, RoomTag
from omnidesk.queries.counting import capped_count


@dataclass
class RoomFilters:
    agents: Sequence[str] = ()
    room_name: str | None = None
    department_ids: Sequence[str] = ()
    open: bool | None = None
    on_hold: bool | None = None
    queued: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    closed_from: datetime | None = None
    closed_to: datetime | None = None
    tags: Sequence[str] = ()
    custom_fields: dict[str, str] = field(default_factory=dict)
    contact_id: str | None = None
    source_type: str | None = None


SORTABLE_ROOM_FIELDS: dict[str, Any] = {
    "ts": Room.created_at,
    "fname": Room.fname,
    "lm": Room.last_message_at,
    "closedAt": Room.closed_at,
    "servedBy.username": Room.served_by_username,
    "departmentId": Room.department_id,
    "priorityWeight": Room.priority_weight,
    "open": Room.open,
    "source.type": Room.source_type,
    "verified": Room.verified,
    # Omnidesk's: the queue's arrival, which the supervisors' view sorts by (waiting longest first).
    "queuedAt": Room.queued_at,
}


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(filters: RoomFilters) -> Select[Room]:
    query = select(Room)
    conditions: list[Any] = []
    if filters.agents:
        conditions.append(Room.served_by_id.in_(filters.agents))
    if filters.room_name:
        name = filters.room_name.strip()
        if len(name) >= 2 and name.startswith('"') and name.endswith('"'):
            conditions.append(Room.fname == name[1:-1])  # quoted: the exact name
        else:
            conditions.append(func.lower(Room.fname).like(_like_pattern(name), escape="\\"))
    if filters.department_ids:
        conditions.append(Room.department_id.in_(filters.department_ids))
    if filters.open is False and (filters.agents or filters.department_ids):
        # Closed is nearly every room. With an agent or a department, their index must lead and this
        # be a test on the row; as an indexable term, SQLite (which keeps no statistics) may walk
        # every closed room of the window through (open, created_at) instead.
        conditions.append(func.coalesce(Room.open, True).is_(False))
    elif filters.open is not None:
        # Rocket.Chat: open=true means served and not on hold; open=false means closed.
        conditions.append(Room.open.is_(filters.open))
        if filters.open and not filters.on_hold and not filters.queued:
            conditions += [Room.on_hold.is_(False), Room.served_by_id.is_not(None)]
    if filters.on_hold:
        conditions.append(Room.on_hold.is_(True))
    if filters.queued:
        conditions += [Room.open.is_(True), Room.served_by_id.is_(None), Room.on_hold.is_(False)]
    if filters.created_from is not None:
        conditions.append(Room.created_at >= filters.created_from)
    if filters.created_to is not None:
        conditions.append(Room.created_at <= filters.created_to)
    if filters.closed_from is not None:
        conditions.append(Room.closed_at >= filters.closed_from)
    if filters.closed_to is not None:
        conditions.append(Room.closed_at <= filters.closed_to)
    if filters.tags and not _walks_tag(filters):
        conditions.append(Room.id.in_(_tagged_room_ids(filters)))
    for key, value in filters.custom_fields.items():
        stored = func.lower(cast(Room.livechat_data[key].as_string(), String))
        conditions.append(stored.like(_like_pattern(str(value)), escape="\\"))
    if filters.contact_id:
        conditions.append(Room.contact_id == filters.contact_id)
    if filters.source_type:
        conditions.append(Room.source_type == filters.source_type)
    if _walks_tag(filters):
        # Joined through (tag, room_created_at): the newest rooms with the tag come first from the
        # index, instead of every tagged room being read and sorted.
        query = query.join(RoomTag, (RoomTag.room_id == Room.id) & (RoomTag.tag == filters.tags[0]))
    return query.where(and_(*conditions)) if conditions else query


def _tagged_room_ids(filters: RoomFilters) -> Select[Any]:
    """The rooms with one of the tags, as a list the other filters' index is tested against. A
    creation window is applied to the tags' own ``room_created_at`` too: the list then holds a
    month of a tag's rooms, not every room the tag ever had.

    Not tested room by room (``EXISTS`` on room_tags' primary key): each probe is a random read, slow
    from a connection whose cache is cold, and PostgreSQL hashed every room of the tag for it."""
    tagged = select(RoomTag.room_id).where(RoomTag.tag.in_(filters.tags))
    if filters.created_from is not None:
        tagged = tagged.where(RoomTag.room_created_at >= filters.created_from)
    if filters.created_to is not None:
        tagged = tagged.where(RoomTag.room_created_at <= filters.created_to)
    return tagged


def _walks_tag(filters: RoomFilters) -> bool:
    """One tag and no agent, department or contact: the tag's index leads. With one of those, their
    own index leads and the tag is a test (walking a tag's 200,000 rooms for an agent's two is slow)."""
    return len(filters.tags) == 1 and not (filters.agents or filters.department_ids or filters.contact_id)


@dataclass
class RoomPage:
    room_ids: list[str]
    total: int
    total_is_exact: bool


def list_rooms(
    session: Session, *, filters: RoomFilters, sort: Sequence[tuple[str, int]], offset: int, count: int
) -> RoomPage:
    """A page of the filtered rooms, newest first unless ``sort`` says otherwise, and how many there
    are, exactly up to ``EXACT_TOTAL_LIMIT`` (``queries.counting``)."""
    query = _filtered(filters)
    order = [
        SORTABLE_ROOM_FIELDS[name].asc() if direction > 0 else SORTABLE_ROOM_FIELDS[name].desc()
        for name, direction in sort
    ]
    if not order:  # newest first; with one tag, in the order of the tag's index
        order = [RoomTag.room_created_at.desc() if _walks_tag(filters) else Room.created_at.desc()]
    page = query.with_only_columns(Room.id, maintain_column_froms=True)
    rooms = list(session.scalars(page.order_by(*order, Room.id).offset(offset).limit(count)))
    if len(rooms) < count and (rooms or offset == 0):
        # The page is the end of the list, so its total is known. A rare combination of filters
        # (an agent, a department and a tag) matches a handful of rooms after a walk of thousands;
        # counting them again would walk them twice.
        return RoomPage(rooms, offset + len(rooms), True)
    if filters == RoomFilters(tags=filters.tags) and len(filters.tags) == 1:
        # The tag alone: every room_tags row has its room (a foreign key), so the tag's index counts
        # them without a lookup of each room.
        counted: Select[Any] = (
            select(literal_column("1")).select_from(RoomTag).where(RoomTag.tag == filters.tags[0])
        )
    else:
        # Counted as 1s, not ids: the filter's index alone answers, without a table read per row.
        counted = query.with_only_columns(literal_column("1"), maintain_column_froms=True)
    total, exact = capped_count(session, counted)
    return RoomPage(rooms, total, exact)


def last_messages(session: Session, rooms: Sequence[Room]) -> dict[str, Message]:
    ids = [room.last_message_id for room in rooms if room.last_message_id]
    if not ids:
        return {}
    return {
        message.room_id: message for message in session.scalars(select(Message).where(Message.id.in_(ids)))
    }


def source_filters(session: Session) -> list[dict[str, Any]]:
    """The distinct sources of existing rooms, for the Chats tab's channel filter."""
    types = session.scalars(select(Room.source_type).distinct().order_by(Room.source_type)).all()
    return [{"type": source_type} for source_type in types]


def room_messages(
    session: Session,
    *,
    room_id: str,
    search: str | None,
    offset: int,
    count: int,
    newest_first: bool = False,
    include_system: bool = True,
    before: datetime | None = None,
) -> tuple[list[Message], int]:
    query = select(Message).where(Message.room_id == room_id)
    if before is not None:
        query = query.where(Message.created_at < before)
    if search:
        query = query.where(func.lower(Message.msg).like(_like_pattern(search), escape="\\"))
    if not include_system:
        query = query.where(or_(Message.type.is_(None), Message.type == ""))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (
        (Message.created_at.desc(), Message.id.desc()) if newest_first else (Message.created_at, Message.id)
    )
    messages = session.scalars(query.order_by(*order).offset(offset).limit(count)).all()
    return list(messages), total
