"""A page of livechat rooms read as plain rows, one statement per table, for their wire shape
(``shapes/rooms.py``: the Chats listing, a contact's history).

As with contacts (``contact_rows``): 25 ``Room`` objects with their visitor, tags, last message and
department cost several times the SQL they ran, and SQLAlchemy statements still twice: the driver
runs them (``driver_rows``). The rows' attributes are named as the models' are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.models import Department, Message, Room, RoomTag, Visitor
from omnidesk.queries.driver_rows import DriverSelect

_ROOMS = DriverSelect(list(Room.__table__.c), key=Room.id)
_VISITORS = DriverSelect(
    (Visitor.id, Visitor.username, Visitor.status, Visitor.name, Visitor.phone), key=Visitor.id
)
_TAGS = DriverSelect(
    (RoomTag.room_id, RoomTag.tag), key=RoomTag.room_id, order_by=(RoomTag.room_id, RoomTag.position)
)
_MESSAGES = DriverSelect(list(Message.__table__.c), key=Message.id)
_DEPARTMENTS = DriverSelect((Department.id, Department.name), key=Department.id)


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
    rooms = {row.id: row for row in _ROOMS.rows(session, list(dict.fromkeys(room_ids)))}
    tags: dict[str, list[str]] = defaultdict(list)
    for room_id, tag in _TAGS.rows(session, list(rooms)):
        tags[room_id].append(tag)
    return RoomRows(
        ids=[room_id for room_id in room_ids if room_id in rooms],
        rooms=rooms,
        visitors=_by_id(session, _VISITORS, {row.visitor_id for row in rooms.values()}),
        tags=tags,
        messages=_by_id(session, _MESSAGES, {row.last_message_id for row in rooms.values()}),
        departments=_by_id(session, _DEPARTMENTS, {row.department_id for row in rooms.values()}),
    )


def _by_id(session: Session, statement: DriverSelect, ids: set[str | None]) -> dict[str | None, Any]:
    return {row.id: row for row in statement.rows(session, [value for value in ids if value])}
