"""Presence across processes (``cluster/connections.py``, ``realtime/presence.py``) on a real Redis and
the test database: two trackers stand for two processes of one cluster."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from omnidesk.cluster.connections import RedisConnections
from omnidesk.models import User
from omnidesk.realtime.presence import PresenceTracker
from omnidesk.services import Services
from tests.helpers import Persona


@pytest.fixture
def registries(redis_url: str, redis_prefix: str) -> Iterator[tuple[RedisConnections, RedisConnections]]:
    node_a, node_b = (
        RedisConnections(redis_url, prefix=redis_prefix),
        RedisConnections(redis_url, prefix=redis_prefix),
    )
    yield node_a, node_b


def status_of(services: Services, user_id: str) -> str:
    session = services.session(write=False)
    try:
        user = session.get(User, user_id)
        assert user is not None
        return user.status
    finally:
        session.close()


def chose_online_but_offline(services: Services, user_id: str) -> None:
    with services.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        user.status_default, user.status = "online", "offline"


def test_a_user_connected_to_two_processes_is_online_until_its_last_connection_anywhere_closes(
    services: Services, agent: Persona, registries: tuple[RedisConnections, RedisConnections]
) -> None:
    chose_online_but_offline(services, agent.id)

    async def scenario() -> list[str]:
        node_a, node_b = (PresenceTracker(services, registry) for registry in registries)
        seen = []
        for node in (node_a, node_b):
            await node.beat(ttl=30)
        node_a.logged_in(agent.id)
        node_b.logged_in(agent.id)
        for node in (node_a, node_b):
            await node.settle()
        seen.append(status_of(services, agent.id))
        node_a.logged_out(agent.id)  # still connected to B
        await node_a.settle()
        seen.append(status_of(services, agent.id))
        node_b.logged_out(agent.id)
        await node_b.settle()
        seen.append(status_of(services, agent.id))
        for node in (node_a, node_b):
            await node.leave()
        return seen

    assert asyncio.run(scenario()) == ["online", "online", "offline"]


def test_the_users_of_a_process_that_died_go_offline_at_the_next_heartbeat_after_its_ttl(
    services: Services, agent: Persona, registries: tuple[RedisConnections, RedisConnections]
) -> None:
    chose_online_but_offline(services, agent.id)

    async def scenario() -> list[str]:
        survivor, doomed = (PresenceTracker(services, registry) for registry in registries)
        await survivor.beat(ttl=30)
        await doomed.beat(ttl=0.3)
        doomed.logged_in(agent.id)
        await doomed.settle()
        seen = [status_of(services, agent.id)]
        # The doomed process stops without a word (kill -9): no logout, no heartbeat.
        await survivor.beat(ttl=30)
        await survivor.settle()
        seen.append(status_of(services, agent.id))  # its heartbeat is still fresh
        await asyncio.sleep(0.4)
        await survivor.beat(ttl=30)
        await survivor.settle()
        seen.append(status_of(services, agent.id))
        await survivor.leave()
        return seen

    assert asyncio.run(scenario()) == ["online", "online", "offline"]


def test_a_heartbeat_puts_back_online_a_connected_user_that_a_write_left_offline(
    services: Services, agent: Persona, registries: tuple[RedisConnections, RedisConnections]
) -> None:
    chose_online_but_offline(services, agent.id)

    async def scenario() -> list[str]:
        node = PresenceTracker(services, registries[0])
        await node.beat(ttl=30)
        node.logged_in(agent.id)
        await node.settle()
        seen = [status_of(services, agent.id)]
        chose_online_but_offline(services, agent.id)  # say another process decided while Redis was away
        await node.beat(ttl=30)
        await node.settle()
        seen.append(status_of(services, agent.id))
        node.logged_out(agent.id)
        await node.leave()
        return seen

    assert asyncio.run(scenario()) == ["online", "online"]
