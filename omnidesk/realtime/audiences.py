"""Who, among the users listening, may hear of a change: decided as each change is pushed, with the
access rules of ``access.py``, so that a permission or a chat lost after subscribing is felt at once.

Each function takes the ids of the users listening and answers the subset that may hear; it runs in a
worker thread with a read session of its own, and reads every listener's grants in two statements.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy.orm import Session

from omnidesk.access import (
    active_actors,
    can_see_call,
    can_see_contacts,
    can_see_room,
    logged_in_user,
    may_view_private_settings,
)
from omnidesk.events import CallChanged, RoomChanged
from omnidesk.models import Call, Room


def private_settings_readers(session: Session, user_ids: Collection[str]) -> set[str]:
    return {
        user_id
        for user_id, actor in active_actors(session, user_ids).items()
        if may_view_private_settings(session, actor)
    }


def room_audience(session: Session, event: RoomChanged, user_ids: Collection[str]) -> set[str]:
    """Those who may see the room now, and the agent who just lost it (its list must drop the room)."""
    room = session.get(Room, event.room_id)
    if room is None:
        # A removed room: those who could see it as it last was, a closed chat of its agent.
        room = Room(
            id=event.room_id, open=False, served_by_id=event.agent_id, department_id=event.department_id
        )
    actors = active_actors(session, user_ids)
    heard = {user_id for user_id, actor in actors.items() if can_see_room(session, actor, room)}
    previous = event.previous_agent_id
    if previous in actors and actors[previous].can(session, "view-l-room"):
        heard.add(previous)
    return heard


def call_audience(session: Session, event: CallChanged, user_ids: Collection[str]) -> set[str]:
    """Those who may see the call now, and the agent a transfer took it from."""
    call = session.get(Call, event.call_id)
    if call is None:
        call = Call(id=event.call_id, agent_id=event.agent_id)  # erased: told as it last was
    actors = active_actors(session, user_ids)
    heard = {user_id for user_id, actor in actors.items() if can_see_call(session, actor, call)}
    previous = event.previous_agent_id
    if previous in actors and actors[previous].can(session, "view-l-room"):
        heard.add(previous)
    return heard


def contact_audience(session: Session, user_ids: Collection[str]) -> set[str]:
    return {
        user_id
        for user_id, actor in active_actors(session, user_ids).items()
        if can_see_contacts(session, actor)
    }


def still_allowed(
    session: Session, logins: Collection[tuple[str, str]], rooms: Collection[tuple[str, str]]
) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """Of ``logins`` (user id, token hash), those still valid (the user active, the login not revoked);
    of ``rooms`` (room id, user id), the rooms each user may still see."""
    valid = {
        (user_id, token_hash)
        for user_id, token_hash in logins
        if logged_in_user(session, token_hash=token_hash, user_id=user_id) is not None
    }
    actors = active_actors(session, {user_id for _, user_id in rooms})
    allowed = set()
    for room_id, user_id in rooms:
        room = session.get(Room, room_id)
        actor = actors.get(user_id)
        if room is not None and actor is not None and can_see_room(session, actor, room):
            allowed.add((room_id, user_id))
    return valid, allowed
