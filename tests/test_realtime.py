"""Realtime: DDP over /websocket, the streams the livechat SDK and agents use, and who may read them.

The server is a real uvicorn on a free port; events reach it from REST calls made through the test
client, over the same bus, after commit.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omnidesk.actions.conversations import send_visitor_message
from omnidesk.actions.messages import message_sent
from omnidesk.app import create_app
from omnidesk.models import Message, Room, Visitor
from omnidesk.realtime import Realtime, RealtimeOptions
from omnidesk.realtime.connection import CLOSE_IDLE, CLOSE_TOO_SLOW, Connection
from omnidesk.realtime.streams import ROOM_MESSAGES
from omnidesk.security import Passwords
from omnidesk.services import Services
from tests.ddp_client import DDPClient, running_server, visitor_params
from tests.helpers import PASSWORD, Persona
from tests.livechat_helpers import Guest, guest, send_as_agent, set_available, set_setting

MESSAGES = "stream-room-messages"
NOTIFY_ROOM = "stream-notify-room"
LIVECHAT_ROOM = "stream-livechat-room"
NOTIFY_USER = "stream-notify-user"


@pytest.fixture(scope="module")
def url(services: Services) -> Iterator[str]:
    with running_server(create_app(services)) as ws_url:
        yield ws_url


@pytest.fixture
def ddp(url: str) -> Iterator[DDPClient]:
    with DDPClient(url) as client:
        yield client


def open_chat(client: TestClient, token: str) -> tuple[Guest, str]:
    visitor = guest(client, token, widget=True)
    visitor.register(name=f"Visitor {token}")
    return visitor, visitor.open_room()["_id"]


def message_of(args: list[Any]) -> dict[str, Any]:
    message: dict[str, Any] = args[0]
    return message


# --- the protocol ------------------------------------------------------------------------------------


def test_connect_is_answered_with_a_session_after_the_server_greeting(url: str) -> None:
    with DDPClient(url, handshake=False) as client:
        connected = client.connect()
        assert connected["msg"] == "connected" and connected["session"]
        assert client.pending == [{"server_id": "0"}]


def test_an_unsupported_protocol_version_fails_and_closes(url: str) -> None:
    with DDPClient(url, handshake=False) as client:
        client.send({"msg": "connect", "version": "2", "support": ["2"]})
        assert client.expect(lambda f: f.get("msg") == "failed") == {"msg": "failed", "version": "1"}
        client.wait_closed()


def test_nothing_but_connect_and_ping_is_handled_before_connect(url: str) -> None:
    with DDPClient(url, handshake=False) as client:
        client.send({"msg": "sub", "id": "1", "name": MESSAGES, "params": ["x"]})
        error = client.expect(lambda f: f.get("msg") == "error")
        assert error["reason"] == "Must connect first"
        client.send({"msg": "ping", "id": "p1"})
        assert client.expect(lambda f: f.get("msg") == "pong") == {"msg": "pong", "id": "p1"}


def test_a_ping_gets_a_pong_with_its_id_and_bad_frames_get_errors(ddp: DDPClient) -> None:
    ddp.send({"msg": "ping"})
    assert ddp.expect(lambda f: f.get("msg") == "pong") == {"msg": "pong"}
    ddp.send("not json")
    assert ddp.expect(lambda f: f.get("msg") == "error")["reason"] == "Bad request"
    ddp.send({"msg": "fly"})
    assert ddp.expect(lambda f: f.get("msg") == "error")["reason"] == "Bad request"
    ddp.send({"msg": "ping", "id": "still-here"})
    assert ddp.expect(lambda f: f.get("msg") == "pong")["id"] == "still-here"


def test_an_unknown_method_gets_a_meteor_404_then_updated(ddp: DDPClient) -> None:
    result = ddp.call("no.such.method", 1)
    assert result["error"] == {
        "isClientSafe": True,
        "error": 404,
        "reason": "Method 'no.such.method' not found",
        "message": "Method 'no.such.method' not found [404]",
        "errorType": "Meteor.Error",
    }


def test_an_unknown_publication_gets_nosub_with_an_error(ddp: DDPClient) -> None:
    answer = ddp.subscribe("meteor_autoupdate_clientVersions")
    assert answer["msg"] == "nosub"
    assert answer["error"]["error"] == 404


def test_unsub_answers_nosub_and_stops_the_stream(
    services: Services, anonymous: TestClient, agent: Persona, url: str, ddp: DDPClient
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-unsub")
    ready = ddp.subscribe(MESSAGES, *visitor_params(rid, visitor.token))
    assert ready["msg"] == "ready"
    sub_id = ready["subs"][0]
    assert ddp.unsubscribe(sub_id) == {"msg": "nosub", "id": sub_id}
    assert (
        ddp.subscribe(NOTIFY_ROOM, *visitor_params(f"{rid}/user-activity", visitor.token))["msg"] == "ready"
    )

    send_as_agent(agent, rid, "not for you any more")
    with DDPClient(url) as staff:
        staff.login(agent.token)
        staff.call(NOTIFY_ROOM, f"{rid}/user-activity", "alex", ["user-typing"], {})
    # The typing event came after the message: had the message been pushed, it would be here first.
    ddp.event(NOTIFY_ROOM, f"{rid}/user-activity")
    assert ddp.stream_frames() == []


# --- heartbeats and slow clients ------------------------------------------------------------------------


def test_a_quiet_client_is_pinged_and_one_that_never_answers_is_dropped(services: Services) -> None:
    # The idle timeout leaves a loaded machine's client half a second to answer a ping.
    options = RealtimeOptions(heartbeat_interval=0.1, idle_timeout=0.6)
    with running_server(create_app(services, realtime_options=options)) as fast_url:
        with DDPClient(fast_url, answer_pings=False) as silent:
            assert silent.wait_closed() == CLOSE_IDLE
            assert silent.pings_seen >= 1
        with DDPClient(fast_url) as lively:
            for _ in range(8):  # longer than the idle timeout, answering every ping
                lively.expect(lambda f: f.get("msg") == "ping")
            lively.send({"msg": "ping", "id": "alive"})
            assert lively.expect(lambda f: f.get("msg") == "pong")["id"] == "alive"
        with DDPClient(fast_url, handshake=False) as never_connects:  # it answers pings, nothing more
            assert never_connects.wait_closed() == CLOSE_IDLE


def test_a_connection_may_hold_only_so_many_subscriptions(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-many")
    app = create_app(services, realtime_options=RealtimeOptions(max_subscriptions=1))
    with running_server(app) as small, DDPClient(small) as client:
        assert client.subscribe(MESSAGES, *visitor_params(rid, visitor.token))["msg"] == "ready"
        refused = client.subscribe(LIVECHAT_ROOM, *visitor_params(rid, visitor.token))
        assert refused["error"]["error"] == "too-many-subscriptions"


class FakeSocket:
    """The WebSocket a Connection talks to, in memory; a stuck one never finishes a send."""

    def __init__(self, *, stuck: bool = False) -> None:
        self.stuck = stuck
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []
        self.close_code: int | None = None

    def feed(self, frame: dict[str, Any]) -> None:
        self.inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(frame)})

    async def accept(self) -> None:
        return None

    async def receive(self) -> dict[str, Any]:
        return await self.inbox.get()

    async def send_text(self, text: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        self.sent.append(json.loads(text))

    async def close(self, code: int = 1000) -> None:
        self.close_code = code


async def eventually(condition: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


def test_a_slow_client_is_dropped_and_never_delays_the_others(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-slow")

    async def scenario() -> None:
        realtime = Realtime(services, RealtimeOptions(queue_size=5))
        async with realtime.running():
            slow, fast = FakeSocket(stuck=True), FakeSocket()
            tasks = [asyncio.create_task(Connection(realtime, ws).serve()) for ws in (slow, fast)]
            for ws in (slow, fast):
                ws.feed({"msg": "connect", "version": "1", "support": ["1"]})
                ws.feed(
                    {"msg": "sub", "id": "s", "name": MESSAGES, "params": visitor_params(rid, visitor.token)}
                )
            await eventually(lambda: len(realtime._listeners[ROOM_MESSAGES].get(rid, {})) == 2)
            for number in range(8):
                await asyncio.to_thread(send_as_agent, agent, rid, f"reply {number}")
            await eventually(lambda: len([f for f in fast.sent if f.get("msg") == "changed"]) == 8)
            await asyncio.wait_for(tasks[0], 5)
            assert slow.close_code == CLOSE_TOO_SLOW
            assert not tasks[1].done()
            fast.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
            await asyncio.wait_for(tasks[1], 5)
            assert realtime.connection_count == 0
            assert realtime._listeners[ROOM_MESSAGES] == {}

    asyncio.run(scenario())


# --- visitors ---------------------------------------------------------------------------------------------


def test_a_visitor_receives_the_agent_reply_and_its_own_message_with_ejson_dates(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-reply")
    assert ddp.subscribe(MESSAGES, *visitor_params(rid, visitor.token))["msg"] == "ready"

    visitor.say(rid, "Where is my order?")
    own = message_of(ddp.event(MESSAGES, rid))
    # Its own by its author; the frame carries no token, since staff listeners get the same frame.
    assert own["msg"] == "Where is my order?" and "token" not in own
    assert own["u"]["username"] == visitor.register()["username"]

    sent = send_as_agent(agent, rid, "On its way").json()["message"]
    reply = message_of(ddp.event(MESSAGES, rid))
    assert reply["_id"] == sent["_id"]
    assert reply["rid"] == rid and reply["msg"] == "On its way"
    assert reply["u"] == {"_id": agent.id, "username": "alex", "name": "Alex Agent"}
    assert set(reply["ts"]) == {"$date"} and isinstance(reply["ts"]["$date"], int)
    assert set(reply["_updatedAt"]) == {"$date"}


def test_a_visitor_receives_the_close_message_of_its_chat(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-close")
    assert ddp.subscribe(MESSAGES, *visitor_params(rid, visitor.token))["msg"] == "ready"
    visitor.close(rid)
    assert message_of(ddp.event(MESSAGES, rid))["t"] == "livechat-close"


@pytest.mark.parametrize(
    ("name", "suffix"),
    [(MESSAGES, ""), (NOTIFY_ROOM, "/user-activity"), (NOTIFY_ROOM, "/deleteMessage"), (LIVECHAT_ROOM, "")],
)
def test_a_bad_or_missing_token_gets_nosub_with_an_error(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient, name: str, suffix: str
) -> None:
    set_available(services, agent)
    _visitor, rid = open_chat(anonymous, "tok-owner")
    for params in (visitor_params(rid + suffix, "not-a-token"), [rid + suffix], [rid + suffix, False]):
        answer = ddp.subscribe(name, *params)
        assert answer["msg"] == "nosub", answer
        assert answer["error"]["error"] == "not-allowed"
        assert answer["error"]["reason"] == "Not allowed"


def test_a_visitor_never_receives_another_visitors_room(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_available(services, agent)
    mine, my_rid = open_chat(anonymous, "tok-mine")
    _other, other_rid = open_chat(anonymous, "tok-other")
    for name, key in (
        (MESSAGES, other_rid),
        (LIVECHAT_ROOM, other_rid),
        (NOTIFY_ROOM, f"{other_rid}/typing"),
    ):
        assert ddp.subscribe(name, *visitor_params(key, mine.token))["msg"] == "nosub"
    assert ddp.subscribe(MESSAGES, *visitor_params(my_rid, mine.token))["msg"] == "ready"

    send_as_agent(agent, other_rid, "private to the other visitor")
    send_as_agent(agent, my_rid, "for you")
    # Events are pushed in order: receiving the second proves the first was never sent.
    assert message_of(ddp.event(MESSAGES, my_rid))["msg"] == "for you"
    assert ddp.stream_frames() == []


def test_a_rolled_back_message_is_never_pushed(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-rollback")
    assert ddp.subscribe(MESSAGES, *visitor_params(rid, visitor.token))["msg"] == "ready"

    session = services.session(write=True)
    try:
        row = session.scalar(select(Visitor).where(Visitor.token == visitor.token))
        room = session.get(Room, rid)
        assert row is not None and room is not None
        send_visitor_message(session, visitor=row, room=room, msg="this never happened")
        session.flush()
        session.rollback()
    finally:
        session.close()
    visitor.say(rid, "this did")

    assert message_of(ddp.event(MESSAGES, rid))["msg"] == "this did"
    assert ddp.stream_frames() == []


def test_a_sent_message_is_pushed_as_its_event_carries_it_without_reading_it_back(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-carried")
    assert ddp.subscribe(MESSAGES, *visitor_params(rid, visitor.token))["msg"] == "ready"
    moment = datetime(2026, 12, 5, 9, 30, 15, 250000, tzinfo=UTC)
    carried = Message(
        id="neverStoredMessage",
        room_id=rid,
        msg="carried by the event",
        author_kind="visitor",
        author_id="someVisitorId",
        author_username="guest-1",
        author_name="Carried",
        extra={},
        created_at=moment,
        updated_at=moment,
    )
    services.bus.publish(message_sent(carried, agent_id=agent.id))  # no such row: only the event has it

    pushed = message_of(ddp.event(MESSAGES, rid))
    assert pushed["_id"] == "neverStoredMessage" and pushed["msg"] == "carried by the event"
    assert pushed["u"] == {"_id": "someVisitorId", "username": "guest-1", "name": "Carried"}
    assert pushed["ts"] == {"$date": int(moment.timestamp() * 1000)}


def test_typing_flows_from_visitor_to_agent_and_back_under_their_real_names(
    services: Services, anonymous: TestClient, agent: Persona, url: str, ddp: DDPClient
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-typing")
    key = f"{rid}/user-activity"
    assert ddp.subscribe(NOTIFY_ROOM, *visitor_params(key, visitor.token))["msg"] == "ready"
    with DDPClient(url) as staff:
        staff.login(agent.token)
        assert staff.subscribe(NOTIFY_ROOM, key, {"useCollection": False, "args": []})["msg"] == "ready"

        # The SDK's notifyVisitorActivity: the claimed username is replaced by the visitor's own.
        result = ddp.call(NOTIFY_ROOM, key, "alex", ["user-typing"], {"token": visitor.token})
        assert result == {"msg": "result", "id": result["id"]}
        username, activities, extra = staff.event(NOTIFY_ROOM, key)
        assert username.startswith("guest-") and activities == ["user-typing"] and extra == {}

        staff.call(NOTIFY_ROOM, key, "whoever", ["user-typing"], {})
        assert ddp.event(NOTIFY_ROOM, key)[:2] == ["alex", ["user-typing"]]
        # Nobody hears their own typing.
        assert staff.stream_frames() == [] and ddp.stream_frames() == []


def test_a_visitor_cannot_type_in_another_room_or_emit_server_events(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_available(services, agent)
    mine, my_rid = open_chat(anonymous, "tok-typer")
    _other, other_rid = open_chat(anonymous, "tok-typed")
    refused = ddp.call(NOTIFY_ROOM, f"{other_rid}/user-activity", "x", ["user-typing"], {"token": mine.token})
    assert refused["error"]["error"] == "not-allowed"
    deleting = ddp.call(NOTIFY_ROOM, f"{my_rid}/deleteMessage", {"_id": "x"}, {"token": mine.token})
    assert deleting["error"]["error"] == "not-allowed"


def test_the_livechat_room_stream_carries_agent_data_and_queue_places(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent)
    first, first_rid = open_chat(anonymous, "tok-first")
    second, second_rid = open_chat(anonymous, "tok-second")
    assert ddp.subscribe(LIVECHAT_ROOM, *visitor_params(first_rid, first.token))["msg"] == "ready"
    assert ddp.subscribe(LIVECHAT_ROOM, *visitor_params(second_rid, second.token))["msg"] == "ready"
    # Each hears its place as it starts listening.
    waiting = {"type": "queueData", "data": {"spot": 1, "estimatedWaitTimeSeconds": None}}
    assert ddp.event(LIVECHAT_ROOM, first_rid) == [waiting]
    assert ddp.event(LIVECHAT_ROOM, second_rid) == [{**waiting, "data": {**waiting["data"], "spot": 2}}]

    inquiry = agent.get("/api/v1/livechat/inquiries.getOne", params={"roomId": first_rid}).json()["inquiry"]
    taken = agent.post("/api/v1/livechat/inquiries.take", json={"inquiryId": inquiry["_id"]})
    assert taken.status_code == 200, taken.text

    (agent_data,) = ddp.event(LIVECHAT_ROOM, first_rid)
    assert agent_data == {
        "type": "agentData",
        "data": {"_id": agent.id, "username": "alex", "name": "Alex Agent", "status": "online"},
    }
    (queue_data,) = ddp.event(LIVECHAT_ROOM, second_rid)
    assert queue_data == {"type": "queueData", "data": {"spot": 1, "estimatedWaitTimeSeconds": None}}


def test_the_visitor_hears_when_its_agent_goes_away(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-status")
    assert ddp.subscribe(LIVECHAT_ROOM, *visitor_params(rid, visitor.token))["msg"] == "ready"
    assert agent.post("/api/v1/users.setStatus", json={"status": "away"}).status_code == 200
    assert ddp.event(LIVECHAT_ROOM, rid) == [{"type": "agentStatus", "status": "away"}]


def test_agent_data_stays_hidden_when_the_widget_may_not_show_it(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_setting(services, "Livechat_show_agent_info", False)
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-hidden")
    assert ddp.subscribe(LIVECHAT_ROOM, *visitor_params(rid, visitor.token))["msg"] == "ready"
    assert ddp.event(LIVECHAT_ROOM, rid)[0]["type"] == "queueData"  # its place, as it starts listening
    inquiry = agent.get("/api/v1/livechat/inquiries.getOne", params={"roomId": rid}).json()["inquiry"]
    agent.post("/api/v1/livechat/inquiries.take", json={"inquiryId": inquiry["_id"]})
    assert ddp.event(LIVECHAT_ROOM, rid) == [{"type": "agentData", "data": {"hiddenInfo": True}}]


# --- agents ------------------------------------------------------------------------------------------------


def test_an_agent_logs_in_with_its_resume_token(agent: Persona, ddp: DDPClient) -> None:
    result = ddp.login(agent.token)["result"]
    assert result["id"] == agent.id and result["token"] == agent.token and result["type"] == "resume"
    assert set(result["tokenExpires"]) == {"$date"}
    added = ddp.expect(lambda f: f.get("msg") == "added")
    assert added == {"msg": "added", "collection": "users", "id": agent.id, "fields": {"username": "alex"}}


def test_a_bad_resume_token_and_a_wrong_password_are_refused(agent: Persona, ddp: DDPClient) -> None:
    refused = ddp.call("login", {"resume": "not-a-token"})
    assert refused["error"]["error"] == 403
    assert refused["error"]["reason"] == "You've been logged out by the server. Please log in again."
    wrong = ddp.call("login", {"user": {"username": "alex"}, "password": {"digest": "0" * 64}})
    assert wrong["error"]["error"] == 403
    assert ddp.call("login", "resume")["error"]["error"] == 400


def test_an_agent_logs_in_with_a_password_digest_and_can_log_out(agent: Persona, ddp: DDPClient) -> None:
    digest = Passwords.digest(PASSWORD)
    result = ddp.call(
        "login", {"user": {"username": "alex"}, "password": {"digest": digest, "algorithm": "sha-256"}}
    )
    assert result["result"]["id"] == agent.id and result["result"]["type"] == "password"
    token = result["result"]["token"]
    assert ddp.call("logout") == {"msg": "result", "id": str(int(result["id"]) + 1)}
    assert ddp.call("login", {"resume": token})["error"]["error"] == 403
    assert ddp.subscribe(NOTIFY_USER, f"{agent.id}/rooms-changed")["msg"] == "nosub"


def test_an_agent_receives_the_visitor_messages_of_the_chat_it_serves(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-to-agent")
    ddp.login(agent.token)
    assert ddp.subscribe(MESSAGES, rid, {"useCollection": False, "args": []})["msg"] == "ready"
    assert ddp.subscribe(MESSAGES, "__my_messages__", {"useCollection": False, "args": []})["msg"] == "ready"
    visitor.say(rid, "Hello agent")
    assert message_of(ddp.event(MESSAGES, rid))["msg"] == "Hello agent"
    assert message_of(ddp.event(MESSAGES, "__my_messages__"))["msg"] == "Hello agent"


def test_staff_see_only_the_rooms_they_may_see(
    services: Services,
    anonymous: TestClient,
    agent: Persona,
    agent2: Persona,
    manager: Persona,
    url: str,
    ddp: DDPClient,
) -> None:
    set_available(services, agent)
    _visitor, rid = open_chat(anonymous, "tok-staff")  # served by alex, the only available agent
    ddp.login(agent2.token)
    for name, key in ((MESSAGES, rid), (LIVECHAT_ROOM, rid), (NOTIFY_ROOM, f"{rid}/user-activity")):
        assert ddp.subscribe(name, key)["msg"] == "nosub"
    assert ddp.subscribe(NOTIFY_USER, f"{agent.id}/rooms-changed")["msg"] == "nosub"
    with DDPClient(url) as supervisor:
        supervisor.login(manager.token)
        assert supervisor.subscribe(MESSAGES, rid)["msg"] == "ready"
    with DDPClient(url) as anonymous_client:
        assert anonymous_client.subscribe(MESSAGES, rid)["msg"] == "nosub"
        assert anonymous_client.subscribe(MESSAGES, "__my_messages__")["msg"] == "nosub"


def test_an_agent_hears_of_chats_assigned_to_it_and_taken_away(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, url: str, ddp: DDPClient
) -> None:
    set_available(services, agent)
    ddp.login(agent.token)
    for event in ("rooms-changed", "subscriptions-changed"):
        assert ddp.subscribe(NOTIFY_USER, f"{agent.id}/{event}")["msg"] == "ready"

    _visitor, rid = open_chat(anonymous, "tok-assigned")
    action, room = ddp.event(NOTIFY_USER, f"{agent.id}/rooms-changed")
    assert action == "inserted" and room["_id"] == rid and room["t"] == "l"
    assert room["servedBy"]["_id"] == agent.id and set(room["servedBy"]["ts"]) == {"$date"}
    action, subscription = ddp.event(NOTIFY_USER, f"{agent.id}/subscriptions-changed")
    assert action == "inserted"
    assert (
        subscription["rid"] == rid and subscription["u"]["_id"] == agent.id and subscription["open"] is True
    )
    room_sub = ddp.subscribe(MESSAGES, rid)
    assert room_sub["msg"] == "ready"

    set_available(services, agent2)
    with DDPClient(url) as other:
        other.login(agent2.token)
        assert other.subscribe(NOTIFY_USER, f"{agent2.id}/rooms-changed")["msg"] == "ready"
        forwarded = agent.post("/api/v1/livechat/room.forward", json={"roomId": rid, "userId": agent2.id})
        assert forwarded.status_code == 200, forwarded.text
        assert other.event(NOTIFY_USER, f"{agent2.id}/rooms-changed")[0] == "inserted"

    assert ddp.event(NOTIFY_USER, f"{agent.id}/rooms-changed")[0] == "removed"
    assert ddp.event(NOTIFY_USER, f"{agent.id}/subscriptions-changed")[0] == "removed"
    # alex may no longer read the chat: its subscription ends.
    revoked = ddp.expect(lambda f: f.get("msg") == "nosub" and f.get("id") == room_sub["subs"][0])
    assert revoked["error"]["error"] == "not-allowed"


def test_an_agent_is_notified_of_a_new_chat_waiting_in_the_queue(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent)
    ddp.login(agent.token)
    assert ddp.subscribe(NOTIFY_USER, f"{agent.id}/notification")["msg"] == "ready"
    _visitor, rid = open_chat(anonymous, "tok-queued")
    (notification,) = ddp.event(NOTIFY_USER, f"{agent.id}/notification")
    assert notification["payload"]["rid"] == rid and notification["payload"]["type"] == "l"
    assert notification["title"] == "Visitor tok-queued"


def test_edited_and_deleted_messages_reach_the_room_streams(
    services: Services, anonymous: TestClient, agent: Persona, ddp: DDPClient
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-edits")
    assert ddp.subscribe(MESSAGES, *visitor_params(rid, visitor.token))["msg"] == "ready"
    assert (
        ddp.subscribe(NOTIFY_ROOM, *visitor_params(f"{rid}/deleteMessage", visitor.token))["msg"] == "ready"
    )
    sent = send_as_agent(agent, rid, "first draft").json()["message"]
    ddp.event(MESSAGES, rid)
    edit = {"roomId": rid, "msgId": sent["_id"], "text": "final text"}
    assert agent.post("/api/v1/chat.update", json=edit).status_code == 200
    edited = message_of(ddp.event(MESSAGES, rid))
    assert (edited["_id"], edited["msg"]) == (sent["_id"], "final text") and "editedAt" in edited
    assert agent.post("/api/v1/chat.delete", json={"roomId": rid, "msgId": sent["_id"]}).status_code == 200
    assert ddp.event(NOTIFY_ROOM, f"{rid}/deleteMessage") == [{"_id": sent["_id"]}]


def test_removing_a_closed_room_ends_every_subscription_to_it(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona, ddp: DDPClient
) -> None:
    set_available(services, agent)
    visitor, rid = open_chat(anonymous, "tok-removed")
    ready = ddp.subscribe(MESSAGES, *visitor_params(rid, visitor.token))
    visitor.close(rid)
    ddp.event(MESSAGES, rid)
    assert manager.post("/api/v1/livechat/rooms.delete", json={"roomId": rid}).status_code == 200
    ended = ddp.expect(lambda f: f.get("msg") == "nosub" and f.get("id") == ready["subs"][0])
    assert ended["error"]["error"] == "not-allowed"


def test_an_agent_hears_a_chat_was_taken_away_that_it_held_before_it_connected(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, ddp: DDPClient
) -> None:
    # The event names the agent who lost the room: the hub keeps no memory of who served what, so a
    # chat served before this connection (or before the process started) is reported alike.
    set_available(services, agent)
    _visitor, rid = open_chat(anonymous, "tok-held-before")
    ddp.login(agent.token)
    assert ddp.subscribe(NOTIFY_USER, f"{agent.id}/rooms-changed")["msg"] == "ready"
    set_available(services, agent2)
    forwarded = agent.post("/api/v1/livechat/room.forward", json={"roomId": rid, "userId": agent2.id})
    assert forwarded.status_code == 200, forwarded.text
    action, room = ddp.event(NOTIFY_USER, f"{agent.id}/rooms-changed")
    assert (action, room["_id"]) == ("removed", rid)


def test_a_resync_from_the_bus_asks_every_client_to_reconnect(services: Services, ddp: DDPClient) -> None:
    from omnidesk.events import Resync
    from omnidesk.realtime.connection import CLOSE_SERVICE_RESTART

    ddp.send({"msg": "ping", "id": "up"})
    ddp.expect(lambda frame: frame.get("msg") == "pong")  # the connection is up and served
    services.bus.publish(Resync(reason="a test"))
    assert ddp.wait_closed() == CLOSE_SERVICE_RESTART
