"""The queue's inactivity rules (Rocket.Chat's, premium there), run by the queue-timers worker:

- **Abandoned chats** (``Livechat_abandoned_rooms_action``: ``none``, ``close``, ``on-hold``): a chat
  whose visitor has not answered the agent for ``Livechat_visitor_inactivity_timeout`` seconds, counted
  from the agent's first reply after the visitor last wrote, is closed (with
  ``Livechat_abandoned_rooms_closed_custom_message``) or put on hold.
- **Unanswered chats** (``Livechat_auto_transfer_chat_timeout`` seconds, 0: off): a chat its agent has
  not written in since it got it is given to the least busy other agent with room (automatic routing)
  or put back in the queue (manual routing).

A chat a rule handles leaves the state that selected it (closed, on hold, another agent's since now),
so each rule handles it once, also with two processes running the worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from omnidesk.actions.rooms import close_room, hold_room
from omnidesk.actions.routing import auto_transfer
from omnidesk.db import utcnow
from omnidesk.models import Message, Room, User
from omnidesk.queries.settings import setting_value

BATCH = 100  # chats handled per rule and run; the next run takes the rest


def _seconds(session: Session, setting_id: str) -> int:
    return max(int(setting_value(session, setting_id) or 0), 0)


def close_abandoned_chats(session: Session, at: datetime | None = None) -> int:
    action = setting_value(session, "Livechat_abandoned_rooms_action")
    timeout = _seconds(session, "Livechat_visitor_inactivity_timeout")
    if action not in ("close", "on-hold") or timeout == 0:
        return 0
    due = (at or utcnow()) - timedelta(seconds=timeout)
    rooms = session.scalars(
        select(Room)
        .where(
            Room.open.is_(True),
            Room.on_hold.is_(False),
            Room.served_by_id.is_not(None),
            Room.awaiting_visitor_since.is_not(None),
            Room.awaiting_visitor_since <= due,
        )
        .order_by(Room.awaiting_visitor_since, Room.id)
        .limit(BATCH)
    ).all()
    message = str(setting_value(session, "Livechat_abandoned_rooms_closed_custom_message") or "")
    for room in rooms:
        agent = session.get(User, room.served_by_id) if room.served_by_id else None
        if agent is None:
            continue
        if action == "close":
            close_room(
                session,
                room=room,
                closer="user",
                by_id=agent.id,
                by_username=agent.username,
                comment=message or "Closed due to visitor inactivity",
                by_rule=True,
            )
        else:
            hold_room(session, room=room, by=agent)
        room.awaiting_visitor_since = None
    return len(rooms)


def transfer_unanswered_chats(session: Session, at: datetime | None = None) -> int:
    timeout = _seconds(session, "Livechat_auto_transfer_chat_timeout")
    if timeout == 0:
        return 0
    due = (at or utcnow()) - timedelta(seconds=timeout)
    answered = exists().where(
        Message.room_id == Room.id,
        Message.author_id == Room.served_by_id,
        Message.author_kind == "user",
        Message.created_at >= Room.served_at,
    )
    rooms = session.scalars(
        select(Room)
        .where(
            Room.open.is_(True),
            Room.on_hold.is_(False),
            Room.served_by_id.is_not(None),
            Room.served_at.is_not(None),
            Room.served_at <= due,
            ~answered,
        )
        .order_by(Room.served_at, Room.id)
        .limit(BATCH)
    ).all()
    moved = 0
    for room in rooms:
        if auto_transfer(session, room=room, after_seconds=timeout):
            moved += 1
    return moved
