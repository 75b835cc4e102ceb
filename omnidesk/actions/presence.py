"""Presence as routing sees it: the status a user chooses, its connections, and what happens to the
chats of an agent who left.

A user's status is the one it chose (``users.setStatus``, kept as ``status_default``) while it is
connected, and ``offline`` once its last realtime connection closes (Rocket.Chat's presence). A REST
client that never connects keeps the status it set. An agent who starts serving again (comes online,
or back from away when idle agents get no chats) may take the chats waiting in the queue.

``Livechat_agent_leave_action`` (``close`` or ``forward``) applies to the open chats of an agent
offline for ``Livechat_agent_leave_action_timeout`` seconds; the background worker runs
``apply_leave_action``, and a chat it handles is no longer the agent's, so it is handled once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.actions import accounts
from omnidesk.actions.rooms import close_room
from omnidesk.actions.routing import requeue_room, route_waiting_chats
from omnidesk.db import utcnow
from omnidesk.models import Room, User, UserRole
from omnidesk.models.accounts import AGENT_ROLE
from omnidesk.queries.settings import setting_value

LEAVE_BATCH = 100  # chats handled per run; the next run takes the rest


def set_user_status(session: Session, *, user: User, status: str | None, message: str | None) -> User:
    """users.setStatus: the chosen status, shown now."""
    was = user.status
    accounts.set_user_status(session, user=user, status=status, message=message)
    _after_change(session, was=was, now=user.status)
    return user


def connected(session: Session, *, user: User) -> None:
    """The user's first realtime connection (of this process): it shows its chosen status again."""
    if user.status == "offline" and user.status_default != "offline":
        was = user.status
        accounts.change_status(session, user=user, status=user.status_default)
        _after_change(session, was=was, now=user.status)


def disconnected(session: Session, *, user: User) -> None:
    """The user's last realtime connection closed: it is offline (its chosen status is kept)."""
    if user.status != "offline":
        accounts.change_status(session, user=user, status="offline")


def _after_change(session: Session, *, was: str, now: str) -> None:
    idle_serves = setting_value(session, "Livechat_enabled_when_agent_idle")
    absent = {"offline"} if idle_serves else {"offline", "away"}
    if was in absent and now not in absent:
        route_waiting_chats(session)


def apply_leave_action(session: Session) -> int:
    """Close or put back in the queue the open chats of agents offline longer than the timeout;
    returns how many chats it handled."""
    action = setting_value(session, "Livechat_agent_leave_action")
    if action not in ("close", "forward"):
        return 0
    timeout = max(int(setting_value(session, "Livechat_agent_leave_action_timeout") or 0), 0)
    left_before = utcnow() - timedelta(seconds=timeout)
    rooms = session.scalars(
        select(Room)
        .join(User, User.id == Room.served_by_id)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role_id == AGENT_ROLE))
        .where(
            Room.open.is_(True),
            User.status == "offline",
            User.status_changed_at.is_not(None),
            User.status_changed_at <= left_before,
        )
        .order_by(Room.id)
        .limit(LEAVE_BATCH)
    ).all()
    comment = str(setting_value(session, "Livechat_agent_leave_comment") or "")
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
                comment=comment or None,
                by_rule=True,
            )
        else:
            requeue_room(session, room=room, by=agent)
    if rooms and action == "close":
        route_waiting_chats(session)
    return len(rooms)
