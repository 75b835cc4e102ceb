"""Visitors' messages written many at once: the plain ones among the messages waiting go into one
transaction, a handful of statements for all of them, whose clients are answered after its commit
(group commit: ``api/message_writer.py`` collects them).

A message is plain when it is a visitor's in its own open room, which is neither on hold nor on a
blocked channel, with no stored message of its ``_id``, that neither the widget's character limit,
lead capture nor the livechat webhook has anything to do with. Every other message — the first one
of a room it opens, one to a chat on hold or closed, a retried ``_id``, anything refused — is
declined and sent alone by ``send_message_alone``, the route's one-message path, so its answer
cannot differ from what it was before the batches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, exists, insert, select, update
from sqlalchemy.orm import Session, lazyload

from omnidesk.access import check_room_of_visitor, visitor_by_token
from omnidesk.actions import rooms as room_actions
from omnidesk.actions.contact_links import LIVECHAT_SOURCES
from omnidesk.actions.conversations import (
    check_widget_message_length,
    send_visitor_message,
    widget_message_limit,
)
from omnidesk.actions.key_locks import lock
from omnidesk.actions.messages import MAX_MESSAGE_LENGTH, message_sent
from omnidesk.actions.visitors import leads_in
from omnidesk.actions.webhooks import reports_visitor_messages
from omnidesk.db import new_id, utcnow
from omnidesk.events import send_event_on_commit
from omnidesk.models import ContactChannel, Inquiry, Message, Room, Visitor

_MESSAGES = cast(Table, Message.__table__)
_ROOMS = cast(Table, Room.__table__)
_INQUIRIES = cast(Table, Inquiry.__table__)
_MESSAGE_ID_LENGTH: int = _MESSAGES.c.id.type.length  # type: ignore[attr-defined]
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class VisitorMessage:
    """``POST livechat/message``'s request: the visitor's token, the room, the text, the client's
    ``_id`` if it chose one, and the request's source (for a room its first message opens)."""

    token: str
    room_id: str
    msg: str
    message_id: str | None
    source: dict[str, Any]


def send_message_alone(session: Session, message: VisitorMessage) -> Message:
    visitor = visitor_by_token(session, message.token)
    check_widget_message_length(session, message.msg)
    # The room's tags are not needed to take a message: not read unless something asks for them.
    room = session.get(Room, message.room_id, options=[lazyload(Room.tag_rows)])
    if room is None:
        room = room_actions.room_being_opened(session, message.room_id)
    if room is None:
        # Rocket.Chat's widget may name a new room by its first message.
        room = room_actions.open_room(
            session, visitor=visitor, source=message.source, room_id=message.room_id
        )
    else:
        check_room_of_visitor(visitor, room)
        room_actions.check_channel_open(session, room=room)
    return send_visitor_message(
        session, visitor=visitor, room=room, msg=message.msg, message_id=message.message_id
    )


def write_plain_messages(session: Session, messages: Sequence[VisitorMessage]) -> list[Message | None]:
    """Write the plain ones of ``messages`` in ``session`` (uncommitted), in their order: the stored
    message of each, None for each declined. What ``send_message_alone`` would have written for them,
    in five statements however many they are: the visitors, the rooms, the chosen ids, the messages,
    the rooms' counters (and the queue's first message, for a room's first)."""
    limit = widget_message_limit(session)  # the webhook's and lead capture's settings with it
    if not messages or reports_visitor_messages(session):
        return [None] * len(messages)
    visitors = {
        row.token: row
        for row in session.execute(
            select(Visitor.id, Visitor.token, Visitor.username, Visitor.name).where(
                Visitor.token.in_({message.token for message in messages}), Visitor.channel_type.is_(None)
            )
        )
    }
    blocked = exists().where(
        ContactChannel.visitor_id == Room.visitor_id,
        ContactChannel.source_type.in_(LIVECHAT_SOURCES),
        ContactChannel.blocked.is_(True),
    )
    first = exists().where(Inquiry.room_id == Room.id, Inquiry.message == "")
    rooms = {
        row.id: row
        for row in session.execute(
            select(
                Room.id,
                Room.visitor_id,
                Room.open,
                Room.on_hold,
                Room.source_type,
                Room.served_by_id,
                blocked.label("blocked"),
                first.label("first"),
            ).where(Room.id.in_({message.room_id for message in messages}))
        )
    }
    chosen = sorted({message.message_id for message in messages if message.message_id})
    stored: set[str] = set()
    if chosen:
        # As ``existing_message`` does: a concurrent send of the same id (another process) commits first.
        lock(session, [f"message-id:{message_id}" for message_id in chosen])
        stored = set(session.scalars(select(Message.id).where(Message.id.in_(chosen))))

    written: list[Message | None] = [None] * len(messages)
    rows: list[dict[str, Any]] = []
    counters: dict[str, dict[str, Any]] = {}
    queue_texts: dict[str, str] = {}
    events = []
    moment = utcnow() - _TICK
    for index, message in enumerate(messages):
        visitor, room = visitors.get(message.token), rooms.get(message.room_id)
        if (
            visitor is None
            or room is None
            or room.visitor_id != visitor.id
            or not room.open
            or room.on_hold
            or room.blocked
            or room.source_type not in LIVECHAT_SOURCES
            or not message.msg.strip()
            or len(message.msg) > MAX_MESSAGE_LENGTH
            or (limit is not None and len(message.msg) > limit)
            or (
                message.message_id
                and (message.message_id in stored or len(message.message_id) > _MESSAGE_ID_LENGTH)
            )
            or any(leads_in(session, message.msg))
        ):
            continue
        if message.message_id:
            stored.add(message.message_id)  # a second send of it in this batch is a retry: sent alone
        # Strictly increasing, so the room's history shows them in the order they came.
        moment = max(utcnow(), moment + _TICK)
        row: dict[str, Any] = {
            "id": message.message_id or new_id(),
            "room_id": room.id,
            "msg": message.msg,
            "type": None,
            "author_kind": "visitor",
            "author_id": visitor.id,
            "author_username": visitor.username,
            "author_name": visitor.name,
            "alias": None,
            "extra": {},
            "created_at": moment,
            "edited_at": None,
            "updated_at": moment,
        }
        rows.append(row)
        sent = Message(**row)
        written[index] = sent
        events.append(message_sent(sent, agent_id=room.served_by_id))
        counter = counters.setdefault(room.id, {"b_id": room.id, "b_added": 0})
        counter.update(b_added=counter["b_added"] + 1, b_last_id=row["id"], b_last_at=moment)
        if room.first:
            queue_texts.setdefault(room.id, message.msg[:500])  # the queue shows what the visitor first wrote
    if not rows:
        return written

    session.execute(insert(_MESSAGES), rows)
    rooms_table = _ROOMS
    session.execute(
        update(rooms_table)
        .where(rooms_table.c.id == bindparam("b_id"))
        .values(
            message_count=rooms_table.c.message_count + bindparam("b_added"),
            last_message_at=bindparam("b_last_at"),
            last_message_id=bindparam("b_last_id"),
            waiting_response=True,
            awaiting_visitor_since=None,
            updated_at=bindparam("b_last_at"),
        ),
        list(counters.values()),
    )
    if queue_texts:
        inquiries = _INQUIRIES
        session.execute(
            update(inquiries)
            .where(inquiries.c.room_id == bindparam("b_room"), inquiries.c.message == "")
            .values(message=bindparam("b_text")),
            [{"b_room": room_id, "b_text": text} for room_id, text in queue_texts.items()],
        )
    for event in events:
        send_event_on_commit(session, event)
    return written
