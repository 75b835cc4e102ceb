"""Staff who join a chat beside the agent serving it (Rocket.Chat's ``livechat/room.join``): a manager
supervising a conversation steps in to write, and the serving agent keeps the chat."""

from __future__ import annotations

from sqlalchemy.orm import Session

from omnidesk.actions.messages import add_system_message
from omnidesk.errors import ApiError
from omnidesk.models import Room, RoomParticipant, User


def join_room(session: Session, *, room: Room, user: User) -> None:
    """Make ``user`` a participant of the open ``room``, announced by Rocket.Chat's ``uj`` system
    message. Joining a chat one serves or has joined already changes nothing, as in Rocket.Chat,
    whose subscription exists then."""
    if not room.open:
        raise ApiError("room-closed")  # Rocket.Chat's bare Error: the id is the whole text
    if room.served_by_id == user.id or session.get(RoomParticipant, (room.id, user.id)) is not None:
        return
    session.add(RoomParticipant(room_id=room.id, user_id=user.id))
    session.flush()
    add_system_message(session, room=room, type="uj", by=user, msg=user.username)
