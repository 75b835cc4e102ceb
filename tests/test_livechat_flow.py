"""A livechat conversation from the visitor's first message to its close, and the queue around it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from omnidesk.events import Event, InquiryChanged, MessageSent, RoomChanged
from omnidesk.models import Message
from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import guest, send_as_agent, set_available, set_setting


def test_a_visitor_chat_from_first_message_to_close_with_an_agent_reply(
    services: Services, anonymous: TestClient, agent: Persona, published: list[Event]
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-ada", widget=True)
    registered = visitor.register(name="Ada Lovelace", email="Ada@Example.com", phone="+1 555 010 2233")
    assert registered["username"].startswith("guest-")
    assert registered["visitorEmails"] == [{"address": "ada@example.com"}]

    response = visitor.room()
    assert response.json()["newRoom"] is True
    room = response.json()["room"]
    assert room["t"] == "l" and room["open"] is True
    assert room["fname"] == "Ada Lovelace"
    assert room["source"] == {"type": "widget", "destination": "shop.example.com"}
    assert room["servedBy"]["_id"] == agent.id  # Auto_Selection gave it to the only available agent
    assert room["contactId"]
    again = visitor.room().json()
    assert (again["room"]["_id"], again["newRoom"]) == (room["_id"], False)

    sent = visitor.say(room["_id"], "Hello, my order is late")
    assert sent.status_code == 200, sent.text
    assert sent.json()["message"]["msg"] == "Hello, my order is late"
    # Rocket.Chat copies the visitor's token into its messages; staff read messages, so ours do not.
    assert "token" not in sent.json()["message"]
    assert sent.json()["message"]["u"]["_id"] == registered["_id"]

    reply = send_as_agent(agent, room["_id"], "Sorry to hear that, let me check")
    assert reply.status_code == 200, reply.text
    assert reply.json()["message"]["u"]["username"] == "alex"

    history = visitor.history(room["_id"])
    assert [m["msg"] for m in history] == ["Sorry to hear that, let me check", "Hello, my order is late"]

    closed = agent.post(
        "/api/v1/livechat/room.closeByUser",
        json={"rid": room["_id"], "comment": "Resolved", "tags": ["shipping"]},
    )
    assert closed.json() == {"success": True}
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert "open" not in info
    assert info["closer"] == "user"
    assert info["closedBy"] == {"_id": agent.id, "username": "alex"}
    assert info["closingMessage"] == {"msg": "Resolved"}
    assert info["tags"] == ["shipping"]
    assert info["lastMessage"]["t"] == "livechat-close"

    assert_error(visitor.say(room["_id"], "still there?"), 400, "room-closed")
    assert_error(
        agent.post("/api/v1/livechat/room.closeByUser", json={"rid": room["_id"]}),
        400,
        "error-room-already-closed",
    )
    kinds = [(type(e).__name__, getattr(e, "op", None)) for e in published]
    assert ("RoomChanged", "opened") in kinds and ("RoomChanged", "closed") in kinds
    assert sum(isinstance(e, MessageSent) for e in published) == 3  # visitor, agent, closing note


def test_the_room_is_resumed_not_reopened_and_rid_resumes_it(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-resume")
    visitor.register(name="Resumer")
    first = visitor.open_room()
    assert visitor.room().json()["room"]["_id"] == first["_id"]
    assert visitor.room(rid=first["_id"]).json()["newRoom"] is False
    assert first["source"] == {"type": "api"}


def test_a_first_message_may_name_a_new_room(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-first-message")
    visitor.register(name="Eager")
    response = visitor.say("ClientMadeRoomId1", "hi there")
    assert response.status_code == 200, response.text
    assert response.json()["message"]["rid"] == "ClientMadeRoomId1"
    assert visitor.room(rid="ClientMadeRoomId1").json()["room"]["servedBy"]["_id"] == agent.id


def test_a_retried_message_with_the_same_id_is_stored_once(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-retry")
    visitor.register(name="Retry")
    room = visitor.open_room()
    for _ in range(2):
        assert visitor.say(room["_id"], "once", _id="ClientMessageId01").status_code == 200
    assert [m["msg"] for m in visitor.history(room["_id"])] == ["once"]


def test_no_agent_online_refuses_the_chat_unless_chats_may_wait(
    services: Services, anonymous: TestClient
) -> None:
    visitor = guest(anonymous, "token-lonely")
    visitor.register(name="Lonely")
    assert_error(visitor.room(), 400, "no-agent-online", "Sorry, no online agents [no-agent-online]")
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    room = visitor.open_room()
    assert "servedBy" not in room and room["open"] is True


def test_manual_selection_queues_and_the_first_taker_wins(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent, agent2)
    visitor = guest(anonymous, "token-manual")
    visitor.register(name="Queued Quinn")
    room = visitor.open_room()
    assert "servedBy" not in room
    visitor.say(room["_id"], "anyone?")

    queue = agent.get("/api/v1/livechat/inquiries.list").json()
    assert queue["total"] == 1
    inquiry = queue["inquiries"][0]
    assert (inquiry["rid"], inquiry["status"], inquiry["message"]) == (room["_id"], "queued", "anyone?")
    assert (
        agent.get("/api/v1/livechat/inquiries.getOne", params={"roomId": room["_id"]}).json()["inquiry"][
            "_id"
        ]
        == inquiry["_id"]
    )

    taken = agent.post("/api/v1/livechat/inquiries.take", json={"inquiryId": inquiry["_id"]})
    assert taken.status_code == 200, taken.text
    assert taken.json()["inquiry"]["status"] == "taken"
    again = agent2.post("/api/v1/livechat/inquiries.take", json={"inquiryId": inquiry["_id"]})
    assert_error(again, 400, "error-inquiry-taken")
    assert agent.get("/api/v1/livechat/inquiries.list").json()["total"] == 0
    assert visitor.room(rid=room["_id"]).json()["room"]["servedBy"]["_id"] == agent.id


def test_an_unavailable_agent_cannot_take_chats(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    visitor = guest(anonymous, "token-unavailable")
    visitor.register(name="Waiting")
    visitor.open_room()
    inquiry = agent.get("/api/v1/livechat/inquiries.list").json()["inquiries"][0]
    taken = agent.post("/api/v1/livechat/inquiries.take", json={"inquiryId": inquiry["_id"]})
    assert_error(taken, 400, "error-agent-status-service-offline")


def _race(calls: list[Any]) -> list[int]:
    start = threading.Barrier(len(calls))
    statuses: list[int] = []

    def run(call: Any) -> None:
        start.wait()
        statuses.append(call().status_code)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_two_agents_taking_one_inquiry_at_once_exactly_one_wins(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, published: list[Event]
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent, agent2)
    for attempt in range(5):
        visitor = guest(anonymous, f"token-race-{attempt}")
        visitor.register(name=f"Racer {attempt}")
        room = visitor.open_room()
        inquiry = agent.get("/api/v1/livechat/inquiries.getOne", params={"roomId": room["_id"]}).json()[
            "inquiry"
        ]
        body = {"inquiryId": inquiry["_id"]}
        statuses = _race(
            [
                partial(agent.post, "/api/v1/livechat/inquiries.take", json=body),
                partial(agent2.post, "/api/v1/livechat/inquiries.take", json=body),
            ]
        )
        assert statuses == [200, 400]
    taken = [e for e in published if isinstance(e, InquiryChanged) and e.op == "taken"]
    assert len(taken) == 5


def test_concurrent_closes_of_one_room_exactly_one_succeeds(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona, published: list[Event]
) -> None:
    set_available(services, agent)
    for attempt in range(5):
        visitor = guest(anonymous, f"token-close-race-{attempt}")
        visitor.register(name=f"Closer {attempt}")
        room = visitor.open_room()
        statuses = _race(
            [
                partial(agent.post, "/api/v1/livechat/room.closeByUser", json={"rid": room["_id"]}),
                partial(manager.post, "/api/v1/livechat/room.closeByUser", json={"rid": room["_id"]}),
                partial(visitor.close, room["_id"]),
            ]
        )
        assert statuses == [200, 400, 400]
    closes = [e for e in published if isinstance(e, RoomChanged) and e.op == "closed"]
    assert len(closes) == 5


def test_the_visitor_closes_its_room(services: Services, anonymous: TestClient, agent: Persona) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-visitor-close")
    visitor.register(name="Leaving")
    room = visitor.open_room()
    closed = visitor.close(room["_id"])
    assert closed.json() == {"rid": room["_id"], "comment": "Closed by visitor", "success": True}
    assert_error(visitor.close(room["_id"]), 400, "room-closed")
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert info["closer"] == "visitor"
    assert visitor.open_room()["_id"] != room["_id"]  # the next conversation is a new room


def test_a_visitor_cannot_use_another_visitors_room(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    owner, intruder = guest(anonymous, "token-owner"), guest(anonymous, "token-intruder")
    owner.register(name="Owner")
    intruder.register(name="Intruder")
    room = owner.open_room()
    assert_error(intruder.say(room["_id"], "hi"), 400, "invalid-room")
    assert_error(intruder.close(room["_id"]), 400, "invalid-room")
    response = anonymous.get(
        f"/api/v1/livechat/messages.history/{room['_id']}", params={"token": "token-intruder"}
    )
    assert_error(response, 400, "invalid-room")
    assert_error(guest(anonymous, "no-such-token").room(), 400, "invalid-token")


def test_only_the_serving_agent_writes_in_a_chat(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-writer")
    visitor.register(name="Writer")
    room = visitor.open_room()
    assert_error(send_as_agent(agent2, room["_id"], "me too"), 403, "error-unauthorized")
    assert_error(send_as_agent(manager, room["_id"], "manager here"), 400, "error-not-allowed")
    assert_error(
        agent.post("/api/v1/chat.sendMessage", json={"message": {"msg": "no room"}}), 400, "invalid-params"
    )
    assert_error(send_as_agent(agent, room["_id"], "   "), 400, "error-invalid-message")


def test_a_visitor_message_reads_neither_the_rooms_tags_nor_more_than_it_needs(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    from sqlalchemy import event

    set_available(services, agent)
    visitor = guest(anonymous, "token-lean")
    visitor.register(name="Lean Visitor")
    room_id = visitor.room().json()["room"]["_id"]
    executed: list[str] = []

    def record(*args: Any) -> None:
        executed.append(" ".join(str(args[2]).split()))

    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        assert visitor.say(room_id, "Hello").status_code == 200
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
    assert not [statement for statement in executed if "FROM room_tags" in statement]
    # The settings it needs (the widget's character limit and the CRM integration's: the webhook and
    # lead capture, in one statement), the visitor, the room (with its channel's block and whether the
    # queue has its first words), then the message, the room's counters and the queue's first words:
    # what a message costs, which the benchmark measures. A batch of messages costs the same.
    reads = [statement for statement in executed if statement.startswith("SELECT")]
    assert len(reads) == 3, reads
    assert sum("FROM settings" in statement for statement in reads) == 1
    writes = [statement for statement in executed if statement.startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 3, writes


def test_message_history_gives_the_newest_twenty_and_reads_end_as_rocket_chat(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-history")
    visitor.register(name="Historian")
    room = visitor.open_room()
    for n in range(25):
        assert visitor.say(room["_id"], f"message {n}").status_code == 200
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with services.transaction() as session:  # one second apart, so that ``end`` cuts between two
        for message in session.scalars(select(Message).where(Message.room_id == room["_id"])):
            message.created_at = start + timedelta(seconds=int(message.msg.split()[1]))

    def history(**params: Any) -> Any:
        return anonymous.get(
            f"/api/v1/livechat/messages.history/{room['_id']}", params={"token": visitor.token, **params}
        )

    # Rocket.Chat's default is 20, newest first; ``count`` is a paging parameter, not the limit.
    newest = [m["msg"] for m in history(count=100).json()["messages"]]
    assert newest == [f"message {n}" for n in range(24, 4, -1)]
    assert len(history(limit=3).json()["messages"]) == 3
    # ``end``: only what was written before it (the widget's "load older").
    end = (start + timedelta(seconds=10)).isoformat().replace("+00:00", "Z")
    older = [m["msg"] for m in history(end=end, limit=50).json()["messages"]]
    assert older == [f"message {n}" for n in range(9, -1, -1)]
    assert_error(
        history(end="yesterday"),
        400,
        "error-invalid-params",
        'The "end" query parameter must be a valid date.',
    )


def test_taking_an_inquiry_for_an_unknown_user_answers_rocket_chats_text(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent)
    visitor = guest(anonymous, "token-take-for-nobody")
    visitor.register(name="Nobody's")
    room = visitor.open_room()
    inquiry = manager.get("/api/v1/livechat/inquiries.getOne", params={"roomId": room["_id"]}).json()[
        "inquiry"
    ]
    body = {"inquiryId": inquiry["_id"], "userId": "NoSuchUser"}
    # Rocket.Chat's API.v1.failure('The user is invalid'): the text alone, no bracketed type.
    assert_error(
        manager.post("/api/v1/livechat/inquiries.take", json=body),
        400,
        "error-invalid-user",
        "The user is invalid",
    )
