"""Who is connected where: each process's logged-in realtime connections per user, so that presence is
the cluster's, not one process's (``realtime/presence``).

One process needs nothing of this (``LocalConnections``). With several, each process keeps in Redis
the hash ``omnidesk:node:<id>:users`` (user id -> its connections there) and a key
``omnidesk:node:<id>:alive`` that expires unless its heartbeat renews it. A process that dies stops
renewing; the next heartbeat of any other process finds the key gone, claims the dead process's hash
(``SREM`` answers 1 to one claimant only), and hands back its users so that their presence is decided
again. A heartbeat also writes this process's counts again in full, so a Redis that restarted empty
learns them back within one beat.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, Protocol, cast

import redis

PREFIX = "omnidesk"


class ConnectionRegistry(Protocol):
    def set_count(self, user_id: str, count: int) -> None:
        """This process now holds ``count`` logged-in connections of the user."""
        ...

    def connected_elsewhere(self, user_id: str) -> bool:
        """Whether a live process other than this one holds a connection of the user."""
        ...

    def heartbeat(self, counts: Mapping[str, int], *, ttl: float) -> set[str]:
        """This process is alive for ``ttl`` seconds more, with these counts; returns the users of the
        processes found dead, whose presence is to be decided again."""
        ...

    def close(self) -> None:
        """This process leaves: its connections are no longer anyone's."""
        ...


class LocalConnections:
    """One process: every connection of a user is here."""

    def set_count(self, user_id: str, count: int) -> None:
        pass

    def connected_elsewhere(self, user_id: str) -> bool:
        return False

    def heartbeat(self, counts: Mapping[str, int], *, ttl: float) -> set[str]:
        return set()

    def close(self) -> None:
        pass


class RedisConnections:
    def __init__(self, url: str, *, prefix: str = PREFIX) -> None:
        self.node = secrets.token_hex(6)
        self.prefix = prefix
        self._nodes = f"{prefix}:nodes"
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=2.0, socket_timeout=2.0, decode_responses=True
        )

    def _users(self, node: str) -> str:
        return f"{self.prefix}:node:{node}:users"

    def _alive(self, node: str) -> str:
        return f"{self.prefix}:node:{node}:alive"

    def _other_nodes(self) -> list[str]:
        return [str(node) for node in self._redis.smembers(self._nodes) if node != self.node]

    def set_count(self, user_id: str, count: int) -> None:
        if count > 0:
            self._redis.hset(self._users(self.node), user_id, count)
        else:
            self._redis.hdel(self._users(self.node), user_id)

    def connected_elsewhere(self, user_id: str) -> bool:
        others = self._other_nodes()
        if not others:
            return False
        pipe = self._redis.pipeline(transaction=False)
        for node in others:
            pipe.exists(self._alive(node))
            pipe.hexists(self._users(node), user_id)
        answers = pipe.execute()
        return any(alive and has for alive, has in zip(answers[::2], answers[1::2], strict=True))

    def heartbeat(self, counts: Mapping[str, int], *, ttl: float) -> set[str]:
        pipe = self._redis.pipeline(transaction=True)
        pipe.sadd(self._nodes, self.node)
        pipe.set(self._alive(self.node), 1, px=max(int(ttl * 1000), 1))
        pipe.delete(self._users(self.node))
        if counts:
            pipe.hset(self._users(self.node), mapping=cast(Any, dict(counts)))
        pipe.execute()
        return self._sweep()

    def _sweep(self) -> set[str]:
        others = self._other_nodes()
        if not others:
            return set()
        pipe = self._redis.pipeline(transaction=False)
        for node in others:
            pipe.exists(self._alive(node))
        dead = [node for node, alive in zip(others, pipe.execute(), strict=True) if not alive]
        users: set[str] = set()
        for node in dead:
            if self._redis.srem(self._nodes, node):  # this process claimed it: nobody else sweeps it
                users.update(str(user) for user in self._redis.hkeys(self._users(node)))
                self._redis.delete(self._users(node))
        return users

    def close(self) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.srem(self._nodes, self.node)
        pipe.delete(self._users(self.node), self._alive(self.node))
        pipe.execute()
        self._redis.close()
