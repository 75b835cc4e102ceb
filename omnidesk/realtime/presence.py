"""Presence from realtime connections: a user with at least one logged-in connection shows the status
it chose; when its last one closes it is offline (``actions/presence``).

The hub counts each user's logged-in connections on the event loop and tells this tracker when a
count leaves or reaches zero. Writes go one at a time, and each writes what the count is when it
runs, not when it was asked for, so a quick reconnect never leaves a connected user offline (or the
other way round). The count is this process's: with several processes, a user connected to another
one is offline here once its connections here close.
"""

from __future__ import annotations

import asyncio
import logging

from omnidesk.actions import presence
from omnidesk.models import User
from omnidesk.services import Services

log = logging.getLogger(__name__)


class PresenceTracker:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._connections: dict[str, int] = {}  # user id -> logged-in connections
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
        return self._connections.get(user_id, 0) > 0

    def _schedule(self, user_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self._write(user_id), name="realtime-presence")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, user_id: str) -> None:
        async with self._lock:
            try:
                await asyncio.to_thread(self._store, user_id, self.connected(user_id))
            except Exception:  # presence is best effort: a failed write must not end the hub
                log.exception("Could not store the presence of user %s", user_id)

    def _store(self, user_id: str, connected: bool) -> None:
        with self.services.transaction() as session:
            user = session.get(User, user_id)
            if user is None:
                return
            if connected:
                presence.connected(session, user=user)
            else:
                presence.disconnected(session, user=user)

    async def settle(self) -> None:
        """Wait for the writes asked for so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
