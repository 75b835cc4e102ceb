"""The realtime hub: who is subscribed to what, and the bridge from the event bus to the streams.

The bus calls ``_on_bus_event`` on whatever thread committed (after the commit, so a rolled-back
change is never pushed); the event crosses to the event loop with ``call_soon_threadsafe`` and one
dispatcher task handles events in the order they were published. Reading what to push (a message,
a room) happens once per event in a worker thread with its own read session, then one serialised
frame goes to every interested connection's bounded outbox. The hub uses nothing of the bus but
``subscribe``, so a multi-process bus (Redis, PostgreSQL LISTEN/NOTIFY) can replace the in-process one.

All the hub's state lives on the event loop's thread; only ``_on_bus_event`` runs elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Collection
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar

import anyio
import anyio.to_thread
from sqlalchemy.orm import Session
from starlette.websockets import WebSocket

from omnidesk.actions.routing import queue_places
from omnidesk.events import (
    DepartmentChanged,
    Event,
    InquiryChanged,
    MessageDeleted,
    MessageSent,
    MessageUpdated,
    PermissionChanged,
    Resync,
    RolesChanged,
    RoomChanged,
    UserChanged,
    UserStatusChanged,
)
from omnidesk.realtime import audiences, documents, ejson, notices, protocol
from omnidesk.realtime.connection import CLOSE_GOING_AWAY, CLOSE_SERVICE_RESTART, Connection, Subscription
from omnidesk.realtime.methods import METHODS
from omnidesk.realtime.options import RealtimeOptions
from omnidesk.realtime.presence import PresenceTracker
from omnidesk.realtime.protocol import MeteorError, not_allowed
from omnidesk.realtime.streams import (
    LIVECHAT_ROOM,
    MY_MESSAGES,
    NOTIFY_ROOM,
    NOTIFY_USER,
    ROOM_MESSAGES,
    STREAMS,
    Login,
    authorize_subscription,
    parse_subscription,
    users_still_allowed,
)
from omnidesk.services import Services

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

AGENT_ROOM_EVENTS = ("rooms-changed", "subscriptions-changed")


class Realtime:
    def __init__(self, services: Services, options: RealtimeOptions | None = None) -> None:
        self.services = services
        self.options = options or RealtimeOptions()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._events: asyncio.Queue[Event] | None = None
        self._limiter: anyio.CapacityLimiter | None = None
        self._connections: set[Connection] = set()
        # collection -> event name -> connection -> how many of its subscriptions listen there
        self._listeners: dict[str, dict[str, dict[Connection, int]]] = {name: {} for name in STREAMS}
        self._room_subscriptions: dict[str, set[tuple[Connection, str]]] = {}
        self._queue_spots: dict[str, dict[str, Any]] = {}  # queued room -> last place pushed
        self.presence = PresenceTracker(services)
        self._greetings: set[asyncio.Task[None]] = set()

    # --- life cycle ---------------------------------------------------------------------------------

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Attach to the running event loop and the bus for the lifetime of the app."""
        self._loop = asyncio.get_running_loop()
        self._events = asyncio.Queue(maxsize=self.options.max_pending_events)
        self._limiter = anyio.CapacityLimiter(self.options.db_threads)
        unsubscribe = self.services.bus.subscribe(self._on_bus_event)
        dispatcher = asyncio.create_task(self._dispatch(), name="realtime-dispatcher")
        heartbeats = asyncio.create_task(
            self.presence.heartbeats(self.options.presence_heartbeat, self.options.presence_ttl),
            name="realtime-presence-heartbeat",
        )
        try:
            yield
        finally:
            unsubscribe()
            self._loop = None
            for task in (dispatcher, heartbeats):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for connection in list(self._connections):
                connection.close(CLOSE_GOING_AWAY)
            await self.presence.leave()

    async def websocket_endpoint(self, websocket: WebSocket) -> None:
        if self._loop is None:
            await websocket.close(1011)
            return
        await Connection(self, websocket).serve()

    def register(self, connection: Connection) -> None:
        self._connections.add(connection)

    def unregister(self, connection: Connection) -> None:
        self._connections.discard(connection)
        if connection.login is not None:
            self.presence.logged_out(connection.login.user_id)
        for subscription in list(connection.subscriptions.values()):
            self._forget(connection, subscription)
        connection.subscriptions.clear()

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    # --- database access off the loop ------------------------------------------------------------------

    async def read(self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn`` with a read session of its own in a worker thread."""

        def work() -> T:
            session = self.services.session(write=False)
            try:
                return fn(session, *args, **kwargs)
            finally:
                session.close()

        return await anyio.to_thread.run_sync(work, limiter=self._limiter)

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await anyio.to_thread.run_sync(partial(fn, *args, **kwargs), limiter=self._limiter)

    # --- subscriptions ---------------------------------------------------------------------------------

    async def authorize(
        self, connection: Connection, sub_id: str, name: str, params: list[Any]
    ) -> Subscription:
        request = parse_subscription(name, params)
        grant = await self.read(authorize_subscription, request, connection.login)
        return Subscription(id=sub_id, collection=name, key=request.key, grant=grant)

    def subscribe(self, connection: Connection, subscription: Subscription) -> None:
        connection.subscriptions[subscription.id] = subscription
        listeners = self._listeners[subscription.collection].setdefault(subscription.key, {})
        listeners[connection] = listeners.get(connection, 0) + 1
        if subscription.grant.room_id:
            self._room_subscriptions.setdefault(subscription.grant.room_id, set()).add(
                (connection, subscription.id)
            )
        if subscription.collection == LIVECHAT_ROOM and subscription.grant.room_id:
            task = asyncio.get_running_loop().create_task(
                self._tell_place(connection, subscription.grant.room_id), name="realtime-queue-place"
            )
            self._greetings.add(task)
            task.add_done_callback(self._greetings.discard)

    async def _tell_place(self, connection: Connection, room_id: str) -> None:
        """A visitor who starts listening to its waiting chat hears its place at once (``queueData``),
        not only when the place next changes. The place last pushed is told again without a read:
        visitors resubscribe at will, and each read counts the queue ahead of them."""
        place = self._queue_spots.get(room_id)
        if place is None:
            place = (await self.read(queue_places, {room_id})).get(room_id)
        if place is not None and not connection.closed:
            frame = protocol.changed(LIVECHAT_ROOM, room_id, [{"type": "queueData", "data": place}])
            connection.send_text(ejson.dumps(frame))

    def unsubscribe(self, connection: Connection, sub_id: str) -> None:
        subscription = connection.subscriptions.pop(sub_id, None)
        if subscription is not None:
            self._forget(connection, subscription)

    def revoke(self, connection: Connection, sub_id: str, error: MeteorError | None = None) -> None:
        """End a subscription the client may no longer hold."""
        if sub_id in connection.subscriptions:
            self.unsubscribe(connection, sub_id)
            connection.send(protocol.nosub(sub_id, error or not_allowed()))

    def _forget(self, connection: Connection, subscription: Subscription) -> None:
        by_key = self._listeners[subscription.collection]
        listeners = by_key.get(subscription.key)
        if listeners is not None and connection in listeners:
            listeners[connection] -= 1
            if listeners[connection] <= 0:
                del listeners[connection]
            if not listeners:
                del by_key[subscription.key]
        room_id = subscription.grant.room_id
        if room_id and room_id in self._room_subscriptions:
            self._room_subscriptions[room_id].discard((connection, subscription.id))
            if not self._room_subscriptions[room_id]:
                del self._room_subscriptions[room_id]

    def set_login(self, connection: Connection, login: Login | None) -> None:
        """Log a connection in or out; subscriptions held as the previous user end."""
        previous = connection.login
        if previous is not None and (login is None or login.user_id != previous.user_id):
            for subscription in list(connection.subscriptions.values()):
                if subscription.grant.user_id == previous.user_id:
                    self.revoke(connection, subscription.id)
        connection.login = login
        if login is not None and (previous is None or previous.user_id != login.user_id):
            self.presence.logged_in(login.user_id)
        if previous is not None and (login is None or login.user_id != previous.user_id):
            self.presence.logged_out(previous.user_id)
        if login is not None:
            connection.send(protocol.added("users", login.user_id, {"username": login.username}))

    # --- methods ----------------------------------------------------------------------------------------

    async def call(self, connection: Connection, name: str, params: list[Any]) -> Any:
        method = METHODS.get(name)
        if method is None:
            raise MeteorError(404, f"Method '{name}' not found")
        return await method(connection, params)

    # --- pushing ----------------------------------------------------------------------------------------

    def listening(self, collection: str, key: str) -> bool:
        return key in self._listeners[collection]

    def listening_users(self, collection: str, key: str) -> set[str]:
        """The logged-in users of the connections listening on ``key``."""
        return {
            connection.login.user_id
            for connection in self._listeners[collection].get(key, ())
            if connection.login is not None
        }

    def fan_out(
        self,
        collection: str,
        key: str,
        args: list[Any],
        *,
        exclude: Connection | None = None,
        only_users: Collection[str] | None = None,
    ) -> int:
        """Send one stream event to every connection listening on ``key`` (of ``only_users``, if given:
        connections logged in as one of them); returns how many."""
        targets = self._listeners[collection].get(key)
        if not targets:
            return 0
        text = ejson.dumps(protocol.changed(collection, key, args))
        sent = 0
        for connection in list(targets):
            if connection is exclude:
                continue
            if only_users is not None and (
                connection.login is None or connection.login.user_id not in only_users
            ):
                continue
            connection.send_text(text)
            sent += 1
        return sent

    # --- the bus ----------------------------------------------------------------------------------------

    def _on_bus_event(self, event: Event) -> None:
        """Called by the bus on the committing thread: hand the event to the loop, never block."""
        loop = self._loop
        if loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            loop.call_soon_threadsafe(self._enqueue, event)

    def _enqueue(self, event: Event) -> None:
        if isinstance(event, Resync):
            self._resync(event)
            return
        if self._events is None or not self._connections:
            return
        try:
            self._events.put_nowait(event)
        except asyncio.QueueFull:
            log.error("realtime: %s events waiting; dropping a %s event", self._events.qsize(), event.type)

    def _resync(self, event: Resync) -> None:
        """Events may have been lost: every client reconnects, and a client that reconnects fetches
        what it shows again (DDP's reconnection). What waits to be pushed is older than that fetch."""
        log.warning("realtime: asking %s clients to reconnect: %s", len(self._connections), event.reason)
        if self._events is not None:
            while not self._events.empty():
                self._events.get_nowait()
        self._queue_spots.clear()
        for connection in list(self._connections):
            connection.close(CLOSE_SERVICE_RESTART)

    async def _dispatch(self) -> None:
        assert self._events is not None
        while True:
            event = await self._events.get()
            try:
                await self.handle(event)
            except Exception:
                log.exception("realtime: could not push a %s event", event.type)

    async def handle(self, event: Event) -> None:
        if isinstance(event, MessageSent):
            await self._push_message(event.room_id, event.message_id, sent=event)
        elif isinstance(event, RoomChanged):
            await self._room_changed(event)
        elif isinstance(event, InquiryChanged):
            await self._inquiry_changed(event)
        elif isinstance(event, UserStatusChanged):
            await self._user_status_changed(event)
        elif isinstance(event, MessageUpdated):
            await self._push_message(event.room_id, event.message_id)
        elif isinstance(event, MessageDeleted):
            self.fan_out(NOTIFY_ROOM, f"{event.room_id}/deleteMessage", [{"_id": event.message_id}])
        await notices.push(self, event)
        # What a user may read can change with its record, its roles, the grants or its departments:
        # subscriptions it may no longer hold end, as they do when a room changes hands.
        if isinstance(event, UserChanged | RolesChanged):
            await self._recheck_users({event.user_id})
        elif isinstance(event, PermissionChanged):
            await self._recheck_users(None)
        elif isinstance(event, DepartmentChanged):
            await self._recheck_users(
                {change.agent_id for change in event.agents if change.action == "removed"}
            )

    async def _push_message(self, room_id: str, message_id: str, *, sent: MessageSent | None = None) -> None:
        watched = self.listening(ROOM_MESSAGES, room_id)
        mine = self.listening(ROOM_MESSAGES, MY_MESSAGES)
        if not watched and not mine:
            return
        if sent is not None and sent.message is not None:  # the event carries the message as written
            document, agent_id = documents.sent_message_document(sent.message), sent.agent_id
        else:
            loaded = await self.read(documents.load_message, message_id)
            if loaded is None:
                return
            document, agent_id = loaded
        self.fan_out(ROOM_MESSAGES, room_id, [document])
        if mine and agent_id:
            self.fan_out(ROOM_MESSAGES, MY_MESSAGES, [document], only_users={agent_id})

    async def _room_changed(self, event: RoomChanged) -> None:
        room_id, agent_id = event.room_id, event.agent_id
        if event.op in ("served", "transferred") and agent_id and self.listening(LIVECHAT_ROOM, room_id):
            data = await self.read(documents.agent_data, agent_id)
            self.fan_out(LIVECHAT_ROOM, room_id, [{"type": "agentData", "data": data}])
        await self._tell_agents(event, event.previous_agent_id)
        await self._recheck_room(room_id, deleted=event.op == "deleted")

    async def _tell_agents(self, event: RoomChanged, previous: str | None) -> None:
        """``stream-notify-user``: the serving agent hears of its room (``rooms-changed``,
        ``subscriptions-changed``); an agent that lost the room hears it was removed."""
        room_id = event.room_id
        recipients = {
            user_id
            for user_id in (event.agent_id, previous)
            if user_id and any(self.listening(NOTIFY_USER, f"{user_id}/{name}") for name in AGENT_ROOM_EVENTS)
        }
        if not recipients:
            return
        room, subscriptions, names = await self.read(documents.load_room_for_agents, room_id, recipients)
        for user_id in recipients:
            rooms_key, subscriptions_key = (f"{user_id}/{name}" for name in AGENT_ROOM_EVENTS)
            if user_id == event.agent_id and event.op != "deleted" and room is not None:
                gained = event.op == "served"  # every agent that gains a room is served it
                closed = event.op == "closed"
                action = "inserted" if gained and not closed else "updated"
                self.fan_out(NOTIFY_USER, rooms_key, [action, room])
                if closed:
                    removed = documents.removed_subscription(room_id, names.get(user_id, (user_id, "")))
                    self.fan_out(NOTIFY_USER, subscriptions_key, ["removed", removed])
                elif user_id in subscriptions:
                    self.fan_out(NOTIFY_USER, subscriptions_key, [action, subscriptions[user_id]])
            else:
                self.fan_out(NOTIFY_USER, rooms_key, ["removed", room or {"_id": room_id}])
                removed = documents.removed_subscription(room_id, names.get(user_id, (user_id, "")))
                self.fan_out(NOTIFY_USER, subscriptions_key, ["removed", removed])

    async def _recheck_room(self, room_id: str, *, deleted: bool) -> None:
        """After a room changes hands, staff who may no longer see it lose their subscriptions."""
        held = self._room_subscriptions.get(room_id)
        if not held:
            return
        if deleted:
            for connection, sub_id in list(held):
                self.revoke(connection, sub_id)
            return
        staff = {
            connection.subscriptions[sub_id].grant.user_id
            for connection, sub_id in held
            if sub_id in connection.subscriptions
        } - {None}
        if not staff:
            return
        allowed = await self.read(users_still_allowed, room_id, {user for user in staff if user})
        for connection, sub_id in list(self._room_subscriptions.get(room_id, ())):
            subscription = connection.subscriptions.get(sub_id)
            if subscription is not None and subscription.grant.user_id not in (None, *allowed):
                self.revoke(connection, sub_id)

    async def _recheck_users(self, user_ids: set[str] | None) -> None:
        """End the subscriptions of ``user_ids`` (None: every logged-in user) that they may no longer
        hold: all of them once the user is gone, deactivated or logged out; a room's once they may no
        longer see it."""
        held = [
            (connection, subscription)
            for connection in self._connections
            if connection.login is not None and (user_ids is None or connection.login.user_id in user_ids)
            for subscription in connection.subscriptions.values()
            if subscription.grant.user_id == connection.login.user_id
        ]
        if not held:
            return
        logins = {(c.login.user_id, c.login.token_hash) for c, _ in held if c.login is not None}
        rooms = {(s.grant.room_id, s.grant.user_id) for _, s in held if s.grant.room_id and s.grant.user_id}
        valid, allowed = await self.read(audiences.still_allowed, logins, rooms)
        for connection, subscription in held:
            login = connection.login
            # Ended meanwhile, or the connection logged in as someone else while the read ran.
            if login is None or connection.subscriptions.get(subscription.id) is not subscription:
                continue
            room_id = subscription.grant.room_id
            if (login.user_id, login.token_hash) not in valid or (
                room_id and (room_id, login.user_id) not in allowed
            ):
                self.revoke(connection, subscription.id)

    async def _inquiry_changed(self, event: InquiryChanged) -> None:
        await self._push_queue_spots()
        if event.op != "queued":
            return
        waiting = {
            key.split("/", 1)[0] for key in self._listeners[NOTIFY_USER] if key.endswith("/notification")
        }
        if not waiting:
            return
        notification, recipients = await self.read(documents.inquiry_notifications, event.inquiry_id, waiting)
        for user_id in recipients:
            self.fan_out(NOTIFY_USER, f"{user_id}/notification", [notification])

    async def _push_queue_spots(self) -> None:
        """``queueData`` to the visitors waiting in the queue whose place changed."""
        watched = set(self._listeners[LIVECHAT_ROOM])
        if not watched:
            self._queue_spots.clear()
            return
        places = await self.read(queue_places, watched)
        for room_id, place in places.items():
            if self._queue_spots.get(room_id) != place:
                self.fan_out(LIVECHAT_ROOM, room_id, [{"type": "queueData", "data": place}])
        self._queue_spots = places

    async def _user_status_changed(self, event: UserStatusChanged) -> None:
        """``agentStatus`` to the visitors an agent is serving when its presence changes."""
        watched = set(self._listeners[LIVECHAT_ROOM])
        if not watched:
            return
        for room_id in await self.read(documents.open_rooms_served_by, event.user_id, watched):
            self.fan_out(LIVECHAT_ROOM, room_id, [{"type": "agentStatus", "status": event.status}])
