"""DDP methods: ``login`` (resume token, password digest, or a staff page's session cookie), ``logout``
and ``stream-notify-room`` (typing indicators and the like, which clients emit themselves).

Each method gets the connection and the frame's params; what it returns is the ``result``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from omnidesk.access import login_by_token
from omnidesk.actions.accounts import revoke_login_token
from omnidesk.actions.login_throttle import attempt_login
from omnidesk.errors import TooManyRequests
from omnidesk.models import LoginToken, User
from omnidesk.realtime import ejson
from omnidesk.realtime.browser import cookie_credentials
from omnidesk.realtime.connection import Connection
from omnidesk.realtime.protocol import MeteorError, not_allowed
from omnidesk.realtime.streams import (
    CLIENT_ROOM_EVENTS,
    NOTIFY_ROOM,
    Login,
    author_in_room,
    visitor_token,
)
from omnidesk.security import Passwords, hash_token
from omnidesk.services import Services

Method = Callable[["Connection", list[Any]], Awaitable[Any]]

# Rocket.Chat's default (Accounts_LoginExpiration): a login token is good for 90 days.
LOGIN_EXPIRATION = timedelta(days=90)
LOGGED_OUT = "You've been logged out by the server. Please log in again."
MAX_ACTIVITIES = 10


def _login_result(user: User, token: str, login: LoginToken, kind: str) -> dict[str, Any]:
    return {
        "id": user.id,
        "token": token,
        "tokenExpires": ejson.date(login.created_at + LOGIN_EXPIRATION),
        "type": kind,
    }


def resume_login(session: Session, token: str) -> tuple[Login, dict[str, Any]]:
    """The REST API's rule: a token is known only by its SHA-256, and its user must be active."""
    row = login_by_token(session, token_hash=hash_token(token))
    if row is None:
        raise MeteorError(403, LOGGED_OUT)
    user, login = row
    return Login(user.id, user.username, login.token_hash), _login_result(user, token, login, "resume")


def password_login(
    services: Services, identity: str, digest: str, client_address: str
) -> tuple[Login, dict[str, Any]]:
    with services.transaction() as session:
        try:
            outcome = attempt_login(
                session,
                passwords=services.passwords,
                identity=identity,
                password_digest=digest,
                client_address=client_address,
            )
        except TooManyRequests as error:
            # Rocket.Chat's DDP rate limiter answers so.
            raise MeteorError(
                "too-many-requests", error.reason, {"timeToReset": error.retry_after * 1000}
            ) from None
        if outcome is None:
            session.commit()  # the counted failure stays
            raise MeteorError(403, "Incorrect password")
        user, token = outcome
        row = login_by_token(session, token_hash=hash_token(token))
        assert row is not None
        login = row[1]
        return Login(user.id, user.username, login.token_hash), _login_result(user, token, login, "password")


def _password_credentials(request: dict[str, Any]) -> tuple[str, str]:
    user, password = request.get("user"), request.get("password")
    identity: Any = user
    if isinstance(user, dict):
        identity = user.get("username") or user.get("email")
    if isinstance(password, str):
        password = {"digest": Passwords.digest(password)}
    digest = password.get("digest") if isinstance(password, dict) else None
    if not isinstance(identity, str) or not identity or not isinstance(digest, str):
        raise MeteorError(400, "Match failed")
    return identity, digest


async def login(connection: Connection, params: list[Any]) -> Any:
    request = params[0] if params and isinstance(params[0], dict) else None
    if request is None:
        raise MeteorError(400, "Match failed")
    realtime = connection.realtime
    if request.get("cookie") is True:
        new_login, outcome = await _cookie_login(connection)
        # The browser's session is not the connection's to end: DDP ``logout`` leaves the cookie valid.
        connection.raw_token = None
    elif "resume" in request:
        token = request["resume"]
        if not isinstance(token, str) or not token:
            raise MeteorError(400, "Match failed")
        new_login, outcome = await realtime.read(resume_login, token)
        connection.raw_token = token
    else:
        identity, digest = _password_credentials(request)
        client = connection.websocket.client
        new_login, outcome = await realtime.run(
            password_login, realtime.services, identity, digest, client.host if client else "unknown"
        )
        connection.raw_token = outcome["token"]
    realtime.set_login(connection, new_login)
    return outcome


async def _cookie_login(connection: Connection) -> tuple[Login, dict[str, Any]]:
    """A staff page's login with the session cookie its WebSocket handshake carried (``browser.py``).
    The token stays out of the answer: the page was never meant to read it."""
    realtime = connection.realtime
    user_id, token = cookie_credentials(connection.websocket, realtime.services.settings.public_url)
    new_login, outcome = await realtime.read(resume_login, token)
    if new_login.user_id != user_id:
        raise MeteorError(403, LOGGED_OUT)
    return new_login, {"id": outcome["id"], "tokenExpires": outcome["tokenExpires"], "type": "cookie"}


async def logout(connection: Connection, params: list[Any]) -> Any:
    realtime = connection.realtime
    token = connection.raw_token
    if token:

        def revoke(services: Services) -> None:
            with services.transaction() as session:
                revoke_login_token(session, token=token)

        await realtime.run(revoke, realtime.services)
    connection.raw_token = None
    realtime.set_login(connection, None)
    return None


async def notify_room(connection: Connection, params: list[Any]) -> Any:
    """A client emits a room event: ``[<rid>/user-activity, username, activities, {token}]`` (the
    current widget), ``[<rid>/typing, username, bool]`` (older ones), ``[<rid>/call, 'decline']``.
    The author's name is taken from who the client is, never from what it claims."""
    if not params or not isinstance(params[0], str) or "/" not in params[0]:
        raise MeteorError("invalid-params", "Expected an event name of the form <rid>/<event>")
    event_name, args = params[0], params[1:]
    room_id, _, event = event_name.partition("/")
    if event not in CLIENT_ROOM_EVENTS:
        raise not_allowed()
    realtime = connection.realtime
    author = await realtime.read(author_in_room, room_id, token=visitor_token(args), login=connection.login)
    if event == "user-activity":
        activities = args[1] if len(args) > 1 else []
        if not isinstance(activities, list) or len(activities) > MAX_ACTIVITIES:
            raise MeteorError("invalid-params", "Activities must be a list of strings")
        cleaned = [activity for activity in activities if isinstance(activity, str) and len(activity) < 50]
        payload: list[Any] = [author, cleaned, {}]
    elif event == "typing":
        payload = [author, bool(args[1]) if len(args) > 1 else False]
    else:
        payload = [arg for arg in args if not isinstance(arg, dict)][:1]
    realtime.fan_out(NOTIFY_ROOM, event_name, payload, exclude=connection)
    return None


METHODS: dict[str, Method] = {
    "login": login,
    "logout": logout,
    "stream-notify-room": notify_room,
}
