"""The message rows themselves: adding one (and the system's own notes in a room), a client's retried send,
edits and deletions. Who may send what, and where a reply goes, is ``conversations``'s business."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from omnidesk.actions import webhooks
from omnidesk.actions.key_locks import lock
from omnidesk.actions.uploads import discard_message_files
from omnidesk.db import new_id, utcnow
from omnidesk.errors import ApiError
from omnidesk.events import MessageDeleted, MessageSent, MessageUpdated, send_event_on_commit
from omnidesk.models import Message, Room, User

MAX_MESSAGE_LENGTH = 5000  # Rocket.Chat's Message_MaxAllowedSize default


def add_message(
    session: Session,
    *,
    room: Room,
    author_kind: str,
    author_id: str,
    author_username: str,
    author_name: str | None,
    msg: str,
    type: str | None = None,
    extra: dict[str, Any] | None = None,
    message_id: str | None = None,
) -> Message:
    now = utcnow()
    message = Message(
        id=message_id or new_id(),
        room_id=room.id,
        msg=msg,
        type=type,
        author_kind=author_kind,
        author_id=author_id,
        author_username=author_username,
        author_name=author_name,
        extra=extra or {},
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    room.last_message_at = message.created_at
    room.last_message_id = message.id
    # In SQL: a read-plus-one here would lose a message of a concurrent transaction on PostgreSQL.
    room.message_count = Room.message_count + 1
    session.flush()
    send_event_on_commit(session, lambda: message_sent(message, agent_id=room.served_by_id))
    webhooks.message_sent(session, room=room, message=message)
    return message


def message_sent(message: Message, *, agent_id: str | None) -> MessageSent:
    return MessageSent(
        room_id=message.room_id,
        message_id=message.id,
        author_kind=message.author_kind,
        message=message.as_row(),
        agent_id=agent_id,
    )


def add_system_message(
    session: Session,
    *,
    room: Room,
    type: str,
    by: User | None,
    msg: str = "",
    extra: dict[str, Any] | None = None,
) -> Message:
    return add_message(
        session,
        room=room,
        author_kind="system",
        author_id=by.id if by else "system",
        author_username=by.username if by else "system",
        author_name=by.name if by else None,
        msg=msg,
        type=type,
        extra=extra,
    )


def check_text(msg: str) -> str:
    if not msg.strip():
        raise ApiError("error-invalid-message", "The message must not be empty")
    if len(msg) > MAX_MESSAGE_LENGTH:
        raise ApiError("error-message-size-exceeded", "Message size exceeds the allowed limit")
    return msg


def existing_message(
    session: Session, message_id: str | None, *, room: Room, author_id: str
) -> Message | None:
    """A client that retries a send with the same ``_id`` gets the stored message, not a duplicate.

    Two sends of one new id at once: the second waits on the id's lock for the first to commit, then
    finds its message (PostgreSQL; SQLite runs writers one at a time anyway)."""
    if not message_id:
        return None
    existing = session.get(Message, message_id)
    if existing is None:
        lock(session, [f"message-id:{message_id}"])
        existing = session.get(Message, message_id, populate_existing=True)
    if existing is None:
        return None
    if existing.room_id != room.id or existing.author_id != author_id:
        raise ApiError("error-message-already-exists", "A message with this id exists already")
    return existing


def _editable(room: Room, message: Message) -> None:
    if message.room_id != room.id:
        raise ApiError("error-invalid-message", "The message is not in this room")
    if message.type:
        raise ApiError("error-action-not-allowed", "System messages cannot be changed")
    if not room.open:
        raise ApiError("error-room-closed", "This conversation is already closed")


def edit_message(session: Session, *, room: Room, message: Message, text: str) -> Message:
    _editable(room, message)
    message.msg = check_text(text)
    message.edited_at = utcnow()
    session.flush()
    send_event_on_commit(session, MessageUpdated(room_id=room.id, message_id=message.id))
    webhooks.message_sent(session, room=room, message=message)
    return message


def delete_message(session: Session, *, room: Room, message: Message) -> None:
    _editable(room, message)
    message_id = message.id
    discard_message_files(session, message_id)
    session.delete(message)
    room.message_count = case((Room.message_count > 0, Room.message_count - 1), else_=0)
    if room.last_message_id == message_id:
        previous = session.scalars(
            select(Message)
            .where(Message.room_id == room.id, Message.id != message_id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        ).first()
        room.last_message_id = previous.id if previous else None
        room.last_message_at = previous.created_at if previous else None
    session.flush()
    send_event_on_commit(session, MessageDeleted(room_id=room.id, message_id=message_id))
