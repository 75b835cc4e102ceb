"""The streams a client may subscribe to, and who may read or write each of them.

Rocket.Chat's streams are publications whose data never lands in a collection: a subscription names
an event (``params[0]``, e.g. a room id) and each event arrives as a ``changed`` frame carrying
``fields: {eventName, args}``. A visitor has no DDP login; it proves who it is with its token in the
subscription's extra arguments: ``[rid, {"useCollection": false, "args": [{"token": ...}]}]``.

Rocket.Chat's ``stream-notify-all`` is anyone's (public settings); ``stream-notify-logged`` any
logged-in user's, except ``private-settings-changed`` (those who may view private settings) and
Omnidesk's own ``omnidesk.contact-center-changed`` (staff). What each event tells is filtered again as
it is pushed (``audiences.py``), so a permission lost after subscribing is felt at once.

Everything here is synchronous and runs in a worker thread with its own read session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.access import (
    Actor,
    can_see_contacts,
    can_see_room,
    logged_in_user,
    may_view_private_settings,
    widget_visitor,
)
from omnidesk.models import Room, User, Visitor
from omnidesk.realtime.protocol import MeteorError, not_allowed

ROOM_MESSAGES = "stream-room-messages"
NOTIFY_ROOM = "stream-notify-room"
LIVECHAT_ROOM = "stream-livechat-room"
NOTIFY_USER = "stream-notify-user"
NOTIFY_LOGGED = "stream-notify-logged"
NOTIFY_ALL = "stream-notify-all"
STREAMS = (ROOM_MESSAGES, NOTIFY_ROOM, LIVECHAT_ROOM, NOTIFY_USER, NOTIFY_LOGGED, NOTIFY_ALL)

PRIVATE_SETTINGS = "private-settings-changed"
# Omnidesk's own event on stream-notify-logged: a chat, call or contact changed (docs/api.md).
CONTACT_CENTER = "omnidesk.contact-center-changed"

MY_MESSAGES = "__my_messages__"  # every message of the rooms a logged-in agent serves
# ``stream-notify-room`` events a client may emit itself (the rest only the server sends).
CLIENT_ROOM_EVENTS = ("user-activity", "typing", "call")


@dataclass(frozen=True)
class Login:
    """A DDP connection's login: the user and the hash of the resume token it logged in with."""

    user_id: str
    username: str
    token_hash: str


@dataclass(frozen=True)
class Grant:
    """Why a subscription was allowed: for a room, as its visitor or as a staff member who may see it."""

    room_id: str | None
    user_id: str | None = None
    visitor_id: str | None = None


@dataclass(frozen=True)
class StreamRequest:
    name: str
    key: str
    token: str | None  # a visitor's token, when the client sent one


def parse_subscription(name: str, params: list[Any]) -> StreamRequest:
    if name not in STREAMS:
        raise MeteorError(404, f"Subscription '{name}' not found")
    if not params or not isinstance(params[0], str) or not params[0]:
        raise MeteorError("invalid-params", "The first parameter must be the event name")
    return StreamRequest(name=name, key=params[0], token=visitor_token(params[1:]))


def visitor_token(extra_params: list[Any]) -> str | None:
    """The visitor token in a subscription's ``{useCollection, args: [{token, visitorToken}]}``, or in
    the trailing ``{token}`` of a method call."""
    for param in extra_params:
        if not isinstance(param, dict):
            continue
        candidates = [param, *[arg for arg in param.get("args") or [] if isinstance(arg, dict)]]
        for candidate in candidates:
            token = candidate.get("token") or candidate.get("visitorToken")
            if isinstance(token, str) and token:
                return token
    return None


def room_of_key(request: StreamRequest) -> str | None:
    """The room a subscription is about (None for user streams)."""
    if request.name in (ROOM_MESSAGES, LIVECHAT_ROOM):
        return None if request.key == MY_MESSAGES else request.key
    if request.name == NOTIFY_ROOM:
        return request.key.split("/", 1)[0]
    return None


def authorize_subscription(session: Session, request: StreamRequest, login: Login | None) -> Grant:
    if request.name == NOTIFY_ALL:
        return Grant(room_id=None)  # Rocket.Chat's allowRead('all'): public settings are everyone's
    if request.name == NOTIFY_LOGGED:
        return authorize_logged(session, request.key, login)
    if request.name == NOTIFY_USER:
        user_id, _, _event = request.key.partition("/")
        if login is None or login.user_id != user_id or active_user(session, login) is None:
            raise not_allowed()
        return Grant(room_id=None, user_id=user_id)
    if request.key == MY_MESSAGES and request.name == ROOM_MESSAGES:
        if login is None or active_user(session, login) is None:
            raise not_allowed()
        return Grant(room_id=None, user_id=login.user_id)
    room_id = room_of_key(request)
    if request.name == NOTIFY_ROOM and "/" not in request.key:
        raise MeteorError("invalid-params", "Expected an event name of the form <rid>/<event>")
    return authorize_room(session, room_id or "", token=request.token, login=login)


def authorize_logged(session: Session, key: str, login: Login | None) -> Grant:
    user = active_user(session, login) if login is not None else None
    if user is None:
        raise not_allowed()
    actor = Actor(user=user)
    if key == PRIVATE_SETTINGS and not may_view_private_settings(session, actor):
        raise not_allowed()
    if key == CONTACT_CENTER and not is_staff(session, actor):
        raise not_allowed()
    return Grant(room_id=None, user_id=user.id)


def is_staff(session: Session, actor: Actor) -> bool:
    """Who may hear of chats, calls and contacts at all: what each one hears is decided per change."""
    return actor.can(session, "view-l-room") or can_see_contacts(session, actor)


def authorize_room(session: Session, room_id: str, *, token: str | None, login: Login | None) -> Grant:
    """A visitor reads its own rooms only; staff read the rooms ``can_see_room`` lets them see."""
    room = session.get(Room, room_id) if room_id else None
    if room is None:
        raise not_allowed()
    visitor = widget_visitor(session, token)
    if visitor is not None and room.visitor_id == visitor.id:
        return Grant(room_id=room.id, visitor_id=visitor.id)
    if login is not None:
        user = active_user(session, login)
        if user is not None and can_see_room(session, Actor(user=user), room):
            return Grant(room_id=room.id, user_id=user.id)
    raise not_allowed()


def author_in_room(session: Session, room_id: str, *, token: str | None, login: Login | None) -> str:
    """The username under which a client may emit typing and similar events in a room: the visitor's
    own, or the staff member's (whatever username the client claimed)."""
    grant = authorize_room(session, room_id, token=token, login=login)
    if grant.visitor_id is not None:
        visitor = session.get(Visitor, grant.visitor_id)
        assert visitor is not None
        return visitor.username
    assert login is not None
    return login.username


def active_user(session: Session, login: Login) -> User | None:
    """The logged-in user, as long as the user is active and the login has not been revoked."""
    return logged_in_user(session, token_hash=login.token_hash, user_id=login.user_id)


def users_still_allowed(session: Session, room_id: str, user_ids: set[str]) -> set[str]:
    """Of ``user_ids``, those who may still see the room (after a transfer, a close, a removal)."""
    room = session.get(Room, room_id)
    if room is None:
        return set()
    allowed = set()
    for user_id in user_ids:
        user = session.get(User, user_id)
        if user is not None and user.active and can_see_room(session, Actor(user=user), room):
            allowed.add(user_id)
    return allowed
