"""A page of livechat rooms in their wire shape, from the rows of ``queries/room_rows.py`` (the Chats
listing, a contact's history): ``room_shape`` takes the rows as they come."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.queries.room_rows import room_rows
from omnidesk.shapes.livechat import room_shape


def room_shapes(session: Session, room_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The rooms ``room_ids``, shaped with their last message and department, in that order."""
    rows = room_rows(session, room_ids)
    return [
        room_shape(
            room,
            visitor=rows.visitors[room.visitor_id],
            tags=rows.tags.get(room.id, []),
            last_message=rows.messages.get(room.last_message_id),
            department=rows.departments.get(room.department_id),
        )
        for room in (rows.rooms[room_id] for room_id in rows.ids)
    ]
