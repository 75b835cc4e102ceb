"""A page of livechat rooms in their wire shape, read as plain rows (the Chats listing).

As with contacts (``contact_shapes``): 25 ``Room`` objects with their visitor, tags, last message and
department cost several times the SQL they ran. Here each table is one statement built once, and
``room_shape`` takes the rows as they come (their attributes are named as the models' are).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.orm import Session

from omnidesk.api.livechat_shapes import room_shape
from omnidesk.models import Department, Message, Room, RoomTag, Visitor

_IDS: BindParameter[list[str]] = bindparam("ids", expanding=True)
_ROOMS = select(*(column for column in Room.__table__.c)).where(Room.id.in_(_IDS))
_VISITORS = select(
    Visitor.id, Visitor.username, Visitor.token, Visitor.status, Visitor.name, Visitor.phone
).where(Visitor.id.in_(_IDS))
_TAGS = (
    select(RoomTag.room_id, RoomTag.tag)
    .where(RoomTag.room_id.in_(_IDS))
    .order_by(RoomTag.room_id, RoomTag.position)
)
_MESSAGES = select(*(column for column in Message.__table__.c)).where(Message.id.in_(_IDS))
_DEPARTMENTS = select(Department.id, Department.name).where(Department.id.in_(_IDS))


def room_shapes(session: Session, room_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The rooms ``room_ids``, shaped with their last message and department, in that order."""
    if not room_ids:
        return []
    rooms = {row.id: row for row in session.execute(_ROOMS, {"ids": list(room_ids)})}
    visitors = _by_id(session, _VISITORS, {row.visitor_id for row in rooms.values()})
    messages = _by_id(session, _MESSAGES, {row.last_message_id for row in rooms.values()})
    departments = _by_id(session, _DEPARTMENTS, {row.department_id for row in rooms.values()})
    tags: dict[str, list[str]] = defaultdict(list)
    for room_id, tag in session.execute(_TAGS, {"ids": list(rooms)}):
        tags[room_id].append(tag)
    return [
        room_shape(
            room,
            visitor=visitors[room.visitor_id],
            tags=tags.get(room.id, []),
            last_message=messages.get(room.last_message_id),
            department=departments.get(room.department_id),
        )
        for room in (rooms[room_id] for room_id in room_ids if room_id in rooms)
    ]


def _by_id(session: Session, statement: Any, ids: set[str | None]) -> dict[str | None, Any]:
    wanted = [value for value in ids if value]
    if not wanted:
        return {}
    return {row.id: row for row in session.execute(statement, {"ids": wanted})}
