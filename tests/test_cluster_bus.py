"""The event bus across processes (``cluster/bus.py``) on a real Redis: every event crosses as itself,
in order, once per subscriber; a lost connection is survived without losing what Redis holds, and
subscribers are told to resync."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from omnidesk.cluster.bus import RedisBus
from omnidesk.events import (
    EVENT_TYPES,
    AgentStatusChanged,
    CallChanged,
    ChatOverdue,
    ContactChanged,
    DepartmentAgentChange,
    DepartmentChanged,
    Event,
    InquiryChanged,
    LivechatPriorityChanged,
    MessageDeleted,
    MessageSent,
    MessageUpdated,
    PermissionChanged,
    Resync,
    RolesChanged,
    RoomChanged,
    SettingChanged,
    UserChanged,
    UserStatusChanged,
    WebhookQueued,
    event_from_payload,
)
from tests.tcp_proxy import TcpProxy

SAMPLES: list[Event] = [
    UserChanged(op="updated", user_id="u1", renamed=True),
    UserStatusChanged(user_id="u1", username="ana", status="busy", status_text="at lunch"),
    RolesChanged(op="added", role_id="livechat-agent", user_id="u1"),
    PermissionChanged(permission_id="view-l-room", roles=("admin", "livechat-manager")),
    SettingChanged(setting_id="Livechat_title", value=["a", 1]),
    RoomChanged(op="transferred", room_id="r1", visitor_id="v1", agent_id="u2", department_id=None,
                previous_agent_id="u1"),
    ChatOverdue(op="sla_overdue", room_id="r1", visitor_id="v1", agent_id=None, department_id="d1",
                sla_id="s1", due_at="2026-12-04T10:00:00+00:00"),
    MessageSent(room_id="r1", message_id="m1", author_kind="visitor"),
    InquiryChanged(op="queued", inquiry_id="i1", room_id="r1", department_id=None),
    ContactChanged(op="merged", contact_id="c1"),
    MessageUpdated(room_id="r1", message_id="m1"),
    MessageDeleted(room_id="r1", message_id="m1"),
    AgentStatusChanged(user_id="u1", username="ana", status="available"),
    DepartmentChanged(op="agents", department_id="d1",
                      agents=(DepartmentAgentChange(action="inserted", membership_id="m1", agent_id="u1"),)),
    LivechatPriorityChanged(priority_id="p1", name=None),
    CallChanged(op="updated", call_id="c1", state="answered", agent_id="u1", contact_id=None),
    Resync(reason="test"),
    WebhookQueued(webhook_id="w1"),
]  # fmt: skip


def test_every_event_type_survives_its_trip_as_json() -> None:
    import json

    assert {type(sample) for sample in SAMPLES} == set(EVENT_TYPES.values())
    for sample in SAMPLES:
        assert event_from_payload(json.loads(json.dumps(sample.payload()))) == sample


class Received:
    """A subscriber that keeps what it is handed, and lets a test wait for it."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._changed = threading.Condition()

    def __call__(self, event: Event) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[list[Event]], bool], timeout: float = 5.0) -> list[Event]:
        with self._changed:
            assert self._changed.wait_for(lambda: predicate(self.events), timeout), self.events
            return list(self.events)


@pytest.fixture
def buses(redis_url: str, redis_prefix: str) -> Iterator[Callable[..., RedisBus]]:
    made: list[RedisBus] = []

    def make(url: str = redis_url, **options: int) -> RedisBus:
        bus = RedisBus(url, prefix=redis_prefix, block_ms=200, **options)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        bus.close(timeout=1.0)


def listen(bus: RedisBus) -> Received:
    received = Received()
    bus.subscribe(received)
    assert bus.wait_until_reading()
    return received


def test_each_process_sees_every_process_s_events_once_and_in_the_order_published(
    buses: Callable[..., RedisBus],
) -> None:
    node_a, node_b = buses(), buses()
    on_a, on_b = listen(node_a), listen(node_b)
    sent = [MessageSent(room_id="r1", message_id=f"m{n}", author_kind="visitor") for n in range(300)]
    for event in sent:
        node_a.publish(event)
    for received in (on_a, on_b):
        assert received.wait_for(lambda events: len(events) >= 300) == sent
    time.sleep(0.3)  # nothing more comes: each event once
    assert len(on_a.events) == len(on_b.events) == 300


def test_a_process_that_loses_redis_reads_on_from_where_it_was_and_tells_its_subscribers_to_resync(
    buses: Callable[..., RedisBus], redis_url: str
) -> None:
    proxy = TcpProxy("127.0.0.1", int(redis_url.rsplit(":", 1)[1].split("/")[0]))
    try:
        cut_off = buses(f"redis://127.0.0.1:{proxy.port}/{redis_url.rsplit('/', 1)[1]}")
        other = buses()
        on_cut_off, on_other = listen(cut_off), listen(other)
        first = RoomChanged(op="opened", room_id="r1", visitor_id="v1", agent_id=None, department_id=None)
        other.publish(first)
        on_cut_off.wait_for(lambda events: first in events)

        proxy.cut()
        # While it is away: the others go on publishing, and it publishes what its own requests commit.
        missed = MessageSent(room_id="r1", message_id="m-missed", author_kind="visitor")
        other.publish(missed)
        own = MessageSent(room_id="r1", message_id="m-own", author_kind="user")
        cut_off.publish(own)
        on_other.wait_for(lambda events: missed in events)
        time.sleep(0.5)
        assert own not in on_other.events
        proxy.restore()

        # Back: what the stream held meanwhile arrives, after a resync, and its own events go out.
        events = on_cut_off.wait_for(lambda events: missed in events and own in events, timeout=10)
        after_cut = events[events.index(first) + 1 :]
        assert isinstance(after_cut[0], Resync)
        assert [event for event in after_cut if not isinstance(event, Resync)] == [missed, own]
        on_other.wait_for(lambda events: own in events, timeout=10)
    finally:
        proxy.close()


def test_events_that_could_not_wait_for_redis_are_followed_by_a_resync_for_everyone(
    buses: Callable[..., RedisBus], redis_url: str
) -> None:
    proxy = TcpProxy("127.0.0.1", int(redis_url.rsplit(":", 1)[1].split("/")[0]))
    try:
        cut_off = buses(f"redis://127.0.0.1:{proxy.port}/{redis_url.rsplit('/', 1)[1]}", outbox_size=2)
        other = buses()
        on_other = listen(other)
        proxy.cut()
        for n in range(5):
            cut_off.publish(MessageSent(room_id="r1", message_id=f"m{n}", author_kind="visitor"))
        time.sleep(0.2)
        proxy.restore()
        on_other.wait_for(lambda events: len(events) >= 2, timeout=10)
        time.sleep(0.3)
        # A resync comes first; then what the outbox held (two, and one that was in hand): the rest was
        # dropped.
        assert isinstance(on_other.events[0], Resync)
        assert 2 <= len(on_other.events) - 1 <= 3
    finally:
        proxy.close()


def test_the_bus_is_healthy_while_redis_answers(buses: Callable[..., RedisBus]) -> None:
    assert buses().healthy()
    assert not buses("redis://127.0.0.1:1/0").healthy()
