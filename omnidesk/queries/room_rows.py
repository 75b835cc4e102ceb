"""A page of livechat rooms read as plain rows, one statement per table, for their wire shape
(``api/room_shapes.py``: the Chats listing, a contact's history).

As with contacts (``contact_rows``): 25 ``Room`` objects with their visitor, tags, last message and
department cost several times the SQL they ran. Each statement is built once; the rows' attributes are
named as the models' are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.orm import Session

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


@dataclass
class RoomRows:
    """The rooms found, in the order asked (``ids``), with their visitors, tags, last messages and
    departments, each by id."""

    ids: list[str] = field(default_factory=list)
    rooms: dict[str, Any] = field(default_factory=dict)
    visitors: dict[str | None, Any] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)
    messages: dict[str | None, Any] = field(default_factory=dict)
    departments: dict[str | None, Any] = field(default_factory=dict)


def room_rows(session: Session, room_ids: Sequence[str]) -> RoomRows:
    if not room_ids:
        return RoomRows()
    rooms = {row.id: row for row in session.execute(_ROOMS, {"ids": list(room_ids)})}
    tags: dict[str, list[str]] = defaultdict(list)
    for room_id, tag in session.execute(_TAGS, {"ids": list(rooms)}):
        tags[room_id].append(tag)
    return RoomRows(
        ids=[room_id for room_id in room_ids if room_id in rooms],
        rooms=rooms,
        visitors=_by_id(session, _VISITORS, {row.visitor_id for row in rooms.values()}),
        tags=tags,
        messages=_by_id(session, _MESSAGES, {row.last_message_id for row in rooms.values()}),
        departments=_by_id(session, _DEPARTMENTS, {row.department_id for row in rooms.values()}),
    )


def _by_id(session: Session, statement: Any, ids: set[str | None]) -> dict[str | None, Any]:
    wanted = [value for value in ids if value]
    if not wanted:
        return {}
    return {row.id: row for row in session.execute(statement, {"ids": wanted})}
