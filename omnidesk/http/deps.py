"""Request dependencies: the per-request transaction, the acting user, the shared services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from omnidesk.access import Actor, grants_of, logged_in_user
from omnidesk.browser_session import CSRF_HEADER, csrf_is_valid, session_credentials
from omnidesk.errors import ApiError, Unauthorized
from omnidesk.security import hash_token
from omnidesk.services import Services

READ_ONLY_METHODS = ("GET", "HEAD", "OPTIONS")
# GETs that write, as in Rocket.Chat: the widget opens its room with GET livechat/room, older clients
# log out with GET. They need a write transaction: on SQLite a read transaction that starts writing
# fails at once with "database is locked" when another request is writing.
WRITING_GETS = frozenset({"/api/v1/livechat/room", "/api/v1/livechat/room.join", "/api/v1/logout"})
# POSTs that write nothing and wait on another server: in a write transaction they would hold SQLite's
# write lock, and every writer with it, until that server answers.
READING_POSTS = frozenset({"/api/v1/livechat/webhook.test"})


async def get_services(request: Request) -> Services:
    # async: read on the event loop, without a worker-thread hop for every request.
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_session(request: Request, services: ServicesDep) -> AsyncIterator[Session]:
    """Each request is one transaction, committed before the response is sent.

    A handler that takes the session has it committed or rolled back in its own thread by its route
    (``OneThreadRoute``), so here the session is only opened (no I/O) and closed. A transaction
    still open here — a request refused before its handler ran, or a handler that used the session
    only through a dependency — ends here, on a worker thread.
    """
    path = request.url.path
    write = (request.method not in READ_ONLY_METHODS or path in WRITING_GETS) and path not in READING_POSTS
    session = services.session(write=write)
    try:
        yield session
        if session.in_transaction():
            await run_in_threadpool(session.commit)
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class ActorToLoad:
    """The acting user, checked but not yet loaded: what ``get_actor`` gives FastAPI.

    Loading the user takes two statements, and a synchronous dependency would take a worker-thread
    hand-off of its own. ``OneThreadRoute`` loads it instead on the handler's own thread, before the
    handler runs, so a request with a wrong token is still refused before any handler code.
    """

    def __init__(self, request: Request, session: Session, user_id: str, token: str) -> None:
        self.request, self.session = request, session
        self.user_id, self.token = user_id, token

    def load(self) -> Actor:
        user = logged_in_user(self.session, token_hash=hash_token(self.token), user_id=self.user_id)
        if user is None:
            raise Unauthorized()
        self.request.state.auth_token = self.token
        return Actor(user=user, grants=grants_of(self.session, user.id))


async def get_actor(request: Request, session: SessionDep, services: ServicesDep) -> Actor:
    """The credentials are checked here, on the event loop (no I/O); the user is loaded on the
    handler's thread (``ActorToLoad``)."""
    user_id = request.headers.get("x-user-id")
    token = request.headers.get("x-auth-token")
    if not user_id or not token:
        # A browser page calls the API with its session cookie; a write must then prove it comes from
        # our page with the CSRF token.
        credentials = session_credentials(request)
        if credentials is None:
            raise Unauthorized()
        user_id, token = credentials
        if request.method == "GET" and request.url.path in WRITING_GETS:
            # A link on another site could end the session (logout) or open a room: by cookie, only POST.
            raise ApiError("error-csrf", "Send this with POST and the CSRF token", status_code=403)
        if request.method not in READ_ONLY_METHODS and not csrf_is_valid(
            services.settings, token, request.headers.get(CSRF_HEADER)
        ):
            raise ApiError("error-csrf", "Missing or invalid CSRF token", status_code=403)
    # Handlers see an Actor: their route loads it before calling them.
    return cast(Actor, ActorToLoad(request, session, user_id, token))


CurrentActor = Annotated[Actor, Depends(get_actor)]


class ActorIfAny:
    """The acting user where a route also serves people without a login (a file's signed link): its
    credentials, if any were sent, loaded only when the handler asks; a wrong token is then nobody."""

    def __init__(self, to_load: ActorToLoad | None) -> None:
        self.to_load = to_load

    def load(self) -> Actor | None:
        if self.to_load is None:
            return None
        try:
            return self.to_load.load()
        except Unauthorized:
            return None


async def get_actor_if_any(request: Request, session: SessionDep) -> ActorIfAny:
    """Read-only routes only: credentials from the headers or the session cookie, without CSRF."""
    user_id = request.headers.get("x-user-id")
    token = request.headers.get("x-auth-token")
    if not user_id or not token:
        credentials = session_credentials(request)
        if credentials is None:
            return ActorIfAny(None)
        user_id, token = credentials
    return ActorIfAny(ActorToLoad(request, session, user_id, token))


ActorIfAnyDep = Annotated[ActorIfAny, Depends(get_actor_if_any)]


def client_address(request: Request) -> str:
    """The peer's address. X-Forwarded-For is not read: anyone can send it (see docs/deploy.md)."""
    return request.client.host if request.client else "unknown"
