"""The livechat webhook's bodies, shaped as Rocket.Chat's (``sendToCRM`` and its offline-form hook).

A chat's event is the chat's guest info (the room, its visitor and its agent), then ``type``, then
``messages``, then what the event adds (``departmentId``, ``servedBy``, ...); keys without a value are
left out, as JSON leaves out JavaScript's ``undefined``. The messages are the chat's own and its
closing message (system messages such as transfers are not sent), oldest first.

Where Omnidesk differs: the visitor's ``token`` is not sent (it is the visitor's password, and the
webhook's URL is staff's to set), nor ``os`` and ``browser`` (no user-agent parsing), nor ``crmData``
(the receiver's answers are not kept). A body larger than ``MAX_PAYLOAD_BYTES`` keeps the newest
messages that fit.

These live in ``actions/`` rather than ``shapes/``: the body is written with the change it reports,
inside the action, and ``shapes/`` sits above the actions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.dates import iso
from omnidesk.models import Message, OfflineMessage, Room, User
from omnidesk.models.webhooks import MAX_PAYLOAD_BYTES

log = logging.getLogger(__name__)

CLOSING_MESSAGE = "livechat-close"
# The most messages a body could hold (each takes some 150 bytes at least): a longer history is not read.
MAX_HISTORY = MAX_PAYLOAD_BYTES // 150
# The test request's chat id, Rocket.Chat's: receivers tell the settings page's test by it.
SAMPLE_ROOM_ID = "fasd6f5a4sd6f8a4sdf"


@dataclass(frozen=True)
class Served:
    """Who served a chat, and since when: Rocket.Chat's ``servedBy``."""

    agent_id: str
    username: str | None
    since: datetime | None

    @staticmethod
    def of(room: Room) -> Served | None:
        if room.served_by_id is None:
            return None
        return Served(room.served_by_id, room.served_by_username, room.served_at)

    def shape(self) -> dict[str, Any]:
        return _present({"_id": self.agent_id, "username": self.username, "ts": iso(self.since)})


def _present(shape: dict[str, Any]) -> dict[str, Any]:
    """Without the keys that have no value (None, or an empty list or object)."""
    return {key: value for key, value in shape.items() if value not in (None, [], {})}


def _visitor(room: Room) -> dict[str, Any]:
    visitor = room.visitor
    return _present(
        {
            "_id": visitor.id,
            "name": visitor.name,
            "username": visitor.username,
            "department": visitor.department_id,
            "ip": visitor.ip,
            "customFields": visitor.livechat_data,
            "email": [{"address": visitor.email}] if visitor.email else None,
            "phone": [{"phoneNumber": visitor.phone}] if visitor.phone else None,
        }
    )


def _agent(session: Session, room: Room) -> dict[str, Any] | None:
    agent = session.get(User, room.served_by_id) if room.served_by_id else None
    if agent is None:
        return None
    return _present({"_id": agent.id, "username": agent.username, "name": agent.name, "email": agent.email})


def _message(message: Message, *, visitor_id: str) -> dict[str, Any]:
    author = _present(
        {"_id": message.author_id, "username": message.author_username, "name": message.author_name}
    )
    return _present(
        {
            "u": author,
            "_id": message.id,
            "username": message.author_username,
            "msg": message.msg or None,
            "ts": iso(message.created_at),
            "rid": message.room_id,
            "editedAt": iso(message.edited_at),
            # Rocket.Chat tells an agent's message from the visitor's by this key.
            "agentId": message.author_id if message.author_id != visitor_id else None,
            "closingMessage": True if message.type == CLOSING_MESSAGE else None,
            "_updatedAt": iso(message.updated_at),
        }
    )


def _chat_messages(session: Session, room: Room) -> list[Message]:
    """The chat's newest ``MAX_HISTORY`` messages, oldest first: more could not fit in a body."""
    newest = session.scalars(
        select(Message)
        .where(Message.room_id == room.id)
        .where((Message.type.is_(None)) | (Message.type == CLOSING_MESSAGE))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(MAX_HISTORY)
    )
    return list(newest)[::-1]


def chat_event(
    session: Session,
    *,
    room: Room,
    type: str,
    messages: Sequence[Message] | None = None,
    with_history: bool = True,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A chat's event: ``messages`` given, else the chat's history (``with_history``), else none."""
    if messages is None:
        messages = _chat_messages(session, room) if with_history else ()
    payload = _present(
        {
            "_id": room.id,
            "label": room.fname,
            "topic": room.topic,
            "createdAt": iso(room.created_at),
            "lastMessageAt": iso(room.last_message_at),
            "tags": room.tags,
            "customFields": room.livechat_data,
            "visitor": _visitor(room),
            "agent": _agent(session, room),
        }
    )
    payload["type"] = type
    payload["messages"] = [_message(message, visitor_id=room.visitor_id) for message in messages]
    payload.update(_present(extra or {}))
    return payload


def closed_extra(room: Room) -> dict[str, Any]:
    """What a closed chat's ``LivechatSession`` adds."""
    served = Served.of(room)
    closed_by = _present({"_id": room.closed_by_id, "username": room.closed_by_username})
    return {
        "departmentId": room.department_id,
        "servedBy": served.shape() if served else None,
        "closedAt": iso(room.closed_at),
        "closedBy": closed_by or None,
        "closer": room.closer,
    }


def offline_message(offline: OfflineMessage) -> dict[str, Any]:
    return {
        "type": "LivechatOfflineMessage",
        "sentAt": iso(offline.created_at),
        "visitor": {"name": offline.name, "email": offline.email},
        "message": offline.message,
    }


def sample(now: datetime) -> dict[str, Any]:
    """The body of the settings page's test request: a closed chat with made-up people."""
    at = iso(now)
    return {
        "type": "LivechatSession",
        "_id": SAMPLE_ROOM_ID,
        "label": "Ada Lovelace",
        "topic": "Order 1843",
        "createdAt": at,
        "lastMessageAt": at,
        "tags": ["billing"],
        "customFields": {"orderId": "1843"},
        "visitor": {
            "_id": "",
            "name": "Ada Lovelace",
            "username": "guest-1",
            "department": "",
            "email": [{"address": "ada@example.com"}],
            "phone": [{"phoneNumber": "+15550102233"}],
            "ip": "192.0.2.10",
            "customFields": {"customerId": "42"},
        },
        "agent": {"_id": "", "username": "alex.agent", "name": "Alex Agent", "email": "alex@example.com"},
        "messages": [
            {"username": "guest-1", "msg": "Where is my order?", "ts": at},
            {"username": "alex.agent", "agentId": "", "msg": "It ships today.", "ts": at},
        ],
    }


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _size(value: Any) -> int:
    return len(_dumps(value).encode("utf-8"))


def serialised(payload: dict[str, Any]) -> str | None:
    """The body as sent, at most ``MAX_PAYLOAD_BYTES``: a chat's oldest messages are left out until it
    fits. None when even no messages would not fit (the event is then not sent)."""
    text = _dumps(payload)
    if len(text.encode("utf-8")) <= MAX_PAYLOAD_BYTES:
        return text
    messages = payload.get("messages") or []
    budget = MAX_PAYLOAD_BYTES - _size({**payload, "messages": []})
    kept: list[Any] = []
    for entry in reversed(messages):
        size = _size(entry) + 1  # and its comma
        if size > budget:
            break
        budget -= size
        kept.append(entry)
    if budget < 0:
        log.error("A %s webhook for %s is too large to send", payload.get("type"), payload.get("_id"))
        return None
    log.warning(
        "A %s webhook for %s sends its %d newest messages of %d: the body is limited to %d bytes",
        payload.get("type"),
        payload.get("_id"),
        len(kept),
        len(messages),
        MAX_PAYLOAD_BYTES,
    )
    return _dumps({**payload, "messages": kept[::-1]})
