"""Presence from realtime connections: a user with at least one logged-in connection anywhere in the
cluster shows the status it chose; when its last one closes it is offline (``actions/presence``).

The hub counts each user's logged-in connections on the event loop and tells this tracker when a
count leaves or reaches zero. The counts go to the cluster's registry (``cluster/connections``; one
process: nowhere), so a process deciding that a user left asks whether another process still holds a
connection of it. Writes go one at a time per process, each under a lock on the user's row, and each
writes what the counts are when it runs, not when it was asked for: a quick reconnect, here or on
another process, never leaves a connected user offline (or the other way round).

A heartbeat renews this process's place in the registry, decides again the presence of the users of
processes found dead (their connections are gone), and puts back online a connected user that some
write left offline (a registry that could not be reached when it was asked).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis
from sqlalchemy import select

from omnidesk.actions import presence
from omnidesk.cluster.connections import ConnectionRegistry, LocalConnections
from omnidesk.models import User
from omnidesk.services import Services

log = logging.getLogger(__name__)


class PresenceTracker:
    def __init__(self, services: Services, registry: ConnectionRegistry | None = None) -> None:
        self.services = services
        self.registry = registry or services.connections or LocalConnections()
        self._connections: dict[str, int] = {}  # user id -> logged-in connections in this process
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    def logged_in(self, user_id: str) -> None:
        self._connections[user_id] = self._connections.get(user_id, 0) + 1
        if self._connections[user_id] == 1:
            self._schedule(user_id)

    def logged_out(self, user_id: str) -> None:
        count = self._connections.get(user_id, 0) - 1
        if count > 0:
            self._connections[user_id] = count
            return
        self._connections.pop(user_id, None)
        self._schedule(user_id)

    def connected(self, user_id: str) -> bool:
        """Whether this process holds a logged-in connection of the user."""
        return self._connections.get(user_id, 0) > 0

    def _schedule(self, user_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self._write(user_id), name="realtime-presence")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, user_id: str) -> None:
        async with self._lock:
            try:
                await asyncio.to_thread(self._store, user_id, self._connections.get(user_id, 0))
            except Exception:  # presence is best effort: a failed write must not end the hub
                log.exception("Could not store the presence of user %s", user_id)

    def _store(self, user_id: str, count: int) -> None:
        try:
            self.registry.set_count(user_id, count)
        except redis.RedisError as error:
            log.warning("presence: the registry is unreachable (%s); deciding from this process", error)
        with self.services.transaction() as session:
            # The row lock orders this decision after any other process's: the last to decide sees
            # every count written before it.
            user = session.get(User, user_id, with_for_update=True)
            if user is None:
                return
            if count > 0 or self._elsewhere(user_id):
                presence.connected(session, user=user)
            else:
                presence.disconnected(session, user=user)

    def _elsewhere(self, user_id: str) -> bool:
        try:
            return self.registry.connected_elsewhere(user_id)
        except redis.RedisError as error:
            log.warning("presence: the registry is unreachable (%s); deciding from this process", error)
            return False

    # --- the heartbeat ----------------------------------------------------------------------------------

    async def beat(self, ttl: float) -> None:
        """Renew this process's place; decide again for the users of dead processes and for connected
        users shown offline."""
        try:
            orphans = await asyncio.to_thread(self.registry.heartbeat, dict(self._connections), ttl=ttl)
        except redis.RedisError as error:
            log.warning("presence: heartbeat failed (%s)", error)
            return
        shown_offline = await asyncio.to_thread(self._shown_offline, set(self._connections))
        for user_id in orphans | shown_offline:
            self._schedule(user_id)

    def _shown_offline(self, user_ids: set[str]) -> set[str]:
        if not user_ids:
            return set()
        session = self.services.session(write=False)
        try:
            return set(
                session.scalars(
                    select(User.id).where(
                        User.id.in_(user_ids), User.status == "offline", User.status_default != "offline"
                    )
                )
            )
        finally:
            session.close()

    async def heartbeats(self, interval: float, ttl: float) -> None:
        while True:
            await self.beat(ttl)
            await asyncio.sleep(interval)

    async def settle(self) -> None:
        """Wait for the writes asked for so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def leave(self) -> None:
        """This process stops: its connections are no longer anyone's."""
        await self.settle()
        with contextlib.suppress(redis.RedisError):
            await asyncio.to_thread(self.registry.close)
