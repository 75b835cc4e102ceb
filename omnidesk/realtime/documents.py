"""What the streams carry, read from the database: messages, rooms, an agent's view of its chats,
queue positions, and the users, permissions and settings of the workspace. Rocket.Chat sends dates
over DDP as EJSON, so every document here comes out with ``{"$date": ms}`` where the REST shapes have
ISO strings.

Each function takes a session of its own (these run in worker threads, never on the event loop).
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.access import Actor, agent_serves_department
from omnidesk.models import Inquiry, Message, Permission, Room, Setting, User
from omnidesk.models.accounts import AGENT_ROLE
from omnidesk.queries.settings import setting_value
from omnidesk.realtime.ejson import to_ejson
from omnidesk.shapes.livechat import message_shape, room_shape
from omnidesk.shapes.settings import shown_value


def message_document(message: Message) -> dict[str, Any]:
    shape = message_shape(message)
    shape["ts"] = message.created_at
    shape["_updatedAt"] = message.updated_at
    if message.edited_at is not None:
        shape["editedAt"] = message.edited_at
    document: dict[str, Any] = to_ejson(shape)
    return document


def sent_message_document(row: dict[str, Any]) -> dict[str, Any]:
    """The message as pushed, from the row a ``MessageSent`` carries (``Message.as_row``)."""
    return message_document(Message.from_row(row))


def load_message(session: Session, message_id: str) -> tuple[dict[str, Any], str | None] | None:
    """The message as pushed, and the agent serving its room (for ``__my_messages__``)."""
    message = session.get(Message, message_id)
    if message is None:
        return None
    room = session.get(Room, message.room_id)
    return message_document(message), room.served_by_id if room is not None else None


def room_document(room: Room) -> dict[str, Any]:
    shape = room_shape(room)
    dates = {
        "ts": room.created_at,
        "_updatedAt": room.updated_at,
        "lm": room.last_message_at,
        "queuedAt": room.queued_at,
        "closedAt": room.closed_at,
    }
    shape.update({key: value for key, value in dates.items() if value is not None})
    if "servedBy" in shape and room.served_at is not None:
        shape["servedBy"]["ts"] = room.served_at
    document: dict[str, Any] = to_ejson(shape)
    return document


def subscription_id(room_id: str, user_id: str) -> str:
    """Rocket.Chat keeps a subscription row per member of a room; Omnidesk derives a stable id."""
    return hashlib.sha256(f"{room_id}:{user_id}".encode()).hexdigest()[:17]


def subscription_document(room: Room, user: User) -> dict[str, Any]:
    """The serving agent's subscription to a livechat room (a subset of Rocket.Chat's ISubscription)."""
    visitor = room.visitor
    document: dict[str, Any] = {
        "_id": subscription_id(room.id, user.id),
        "rid": room.id,
        "t": "l",
        "name": room.fname,
        "fname": room.fname,
        "u": {"_id": user.id, "username": user.username, "name": user.name},
        "open": room.open,
        "alert": False,
        "unread": 0,
        "ts": room.served_at or room.created_at,
        "ls": room.served_at or room.created_at,
        "_updatedAt": room.updated_at,
        "v": {"_id": visitor.id, "username": visitor.username},  # no token: it is the visitor's password
        "onHold": room.on_hold,
    }
    if room.department_id:
        document["department"] = room.department_id
    result: dict[str, Any] = to_ejson(document)
    return result


def removed_subscription(room_id: str, user: tuple[str, str]) -> dict[str, Any]:
    user_id, username = user
    return {
        "_id": subscription_id(room_id, user_id),
        "rid": room_id,
        "t": "l",
        "u": {"_id": user_id, "username": username},
    }


def load_room_for_agents(
    session: Session, room_id: str, user_ids: set[str]
) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]], dict[str, tuple[str, str]]]:
    """The room document, each agent's subscription document, and each agent's (id, username)."""
    room = session.get(Room, room_id)
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(user_ids)))}
    names = {user_id: (user_id, user.username) for user_id, user in users.items()}
    if room is None:
        return None, {}, names
    subscriptions = {user_id: subscription_document(room, user) for user_id, user in users.items()}
    return room_document(room), subscriptions, names


def agent_data(session: Session, agent_id: str) -> dict[str, Any] | None:
    """The serving agent as the widget shows it (``livechat/agent.info``'s shape)."""
    if not setting_value(session, "Livechat_show_agent_info"):
        return {"hiddenInfo": True}
    agent = session.get(User, agent_id)
    if agent is None:
        return None
    data: dict[str, Any] = {
        "_id": agent.id,
        "username": agent.username,
        "name": agent.name,
        "status": agent.status,
    }
    if setting_value(session, "Livechat_show_agent_email") and agent.email:
        data["emails"] = [{"address": agent.email}]
    return data


def open_rooms_served_by(session: Session, user_id: str, among: set[str] | None = None) -> list[str]:
    query = select(Room.id).where(Room.served_by_id == user_id, Room.open.is_(True))
    if among is not None:
        query = query.where(Room.id.in_(among))
    return list(session.scalars(query))


def inquiry_notifications(
    session: Session, inquiry_id: str, user_ids: set[str]
) -> tuple[dict[str, Any] | None, list[str]]:
    """A desktop notification for a newly queued chat, and which of ``user_ids`` may take it."""
    inquiry = session.get(Inquiry, inquiry_id)
    if inquiry is None or inquiry.status != "queued":
        return None, []
    room = session.get(Room, inquiry.room_id)
    if room is None:
        return None, []
    recipients = []
    for user in session.scalars(select(User).where(User.id.in_(user_ids), User.active.is_(True))):
        actor = Actor(user=user)
        if (
            actor.has_role(AGENT_ROLE)
            and actor.can(session, "view-l-room")
            and agent_serves_department(session, user.id, inquiry.department_id)
        ):
            recipients.append(user.id)
    visitor = room.visitor
    notification = {
        "title": inquiry.name,
        "text": inquiry.message or "New chat in queue",
        "payload": {
            "_id": inquiry.id,
            "rid": inquiry.room_id,
            "sender": {"_id": visitor.id, "username": visitor.username, "name": visitor.name},
            "type": "l",
            "name": inquiry.name,
            "message": {"msg": inquiry.message},
        },
    }
    return notification, recipients


# --- the workspace: users, roles, permissions, settings ---------------------------------------------

# Rocket.Chat's presence codes (``user-status`` carries the number, not the word).
STATUS_CODES = {"offline": 0, "online": 1, "away": 2, "busy": 3}


def user_status(session: Session, user_id: str) -> list[Any] | None:
    """``user-status``'s one argument: [id, username, status code, status text, name, roles]."""
    user = session.get(User, user_id)
    if user is None:
        return None
    code = STATUS_CODES.get(user.status, 0)
    return [user.id, user.username, code, user.status_text, user.name, user.role_ids]


def user_data_updated(session: Session, user_id: str) -> dict[str, Any] | None:
    """The user's own ``userData`` after an update: its fields as they are now (Rocket.Chat's diff of
    the changed ones; setting the others to what they already are changes nothing for the client)."""
    user = session.get(User, user_id)
    if user is None:
        return None
    diff: dict[str, Any] = {
        "username": user.username,
        "name": user.name,
        "active": user.active,
        "roles": user.role_ids,
        "statusText": user.status_text,
        "requirePasswordChange": user.require_password_change,
    }
    unset: dict[str, int] = {}
    if user.email:
        diff["emails"] = [{"address": user.email, "verified": user.email_verified}]
    else:
        unset["emails"] = 1
    return {"type": "updated", "id": user.id, "diff": diff, "unset": unset}


def user_names(session: Session, user_id: str) -> dict[str, Any] | None:
    """``Users:NameChanged``'s argument, and the ``u`` of ``roles-change``."""
    user = session.get(User, user_id)
    if user is None:
        return None
    return {"_id": user.id, "name": user.name, "username": user.username}


def permission_document(session: Session, permission_id: str) -> dict[str, Any] | None:
    permission = session.get(Permission, permission_id)
    if permission is None:
        return None
    document: dict[str, Any] = to_ejson(
        {
            "_id": permission.id,
            "roles": [role.id for role in permission.roles],
            "group": permission.group,
            "_updatedAt": permission.updated_at,
        }
    )
    return document


def setting_document(session: Session, setting_id: str) -> tuple[bool, dict[str, Any]] | None:
    """Whether the setting is public, and what ``*-settings-changed`` carries of it (as REST shows it:
    a secret's value never)."""
    setting = session.get(Setting, setting_id)
    if setting is None:
        return None
    return setting.public, {"_id": setting.id, "value": shown_value(setting)}
