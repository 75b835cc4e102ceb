"""Editing and deleting messages: agents in the chats they serve, visitors their own words."""

from __future__ import annotations

from fastapi.testclient import TestClient

from omnidesk.events import Event, MessageDeleted, MessageUpdated
from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import guest, send_as_agent, set_available


def test_an_agent_edits_and_deletes_its_own_messages(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, published: list[Event]
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-edits")
    visitor.register(name="Edith")
    room = visitor.open_room()
    said = visitor.say(room["_id"], "hello").json()["message"]
    sent = send_as_agent(agent, room["_id"], "Helo").json()["message"]
    edited = agent.post(
        "/api/v1/chat.update", json={"roomId": room["_id"], "msgId": sent["_id"], "text": "Hello!"}
    )
    assert edited.json()["message"]["msg"] == "Hello!" and "editedAt" in edited.json()["message"]
    assert MessageUpdated(room_id=room["_id"], message_id=sent["_id"]) in published
    assert [m["msg"] for m in visitor.history(room["_id"])] == ["Hello!", "hello"]

    others = agent.post(
        "/api/v1/chat.update", json={"roomId": room["_id"], "msgId": said["_id"], "text": "x"}
    )
    assert_error(others, 403, "error-unauthorized")  # the visitor's words are not the agent's to change
    stranger = agent2.post("/api/v1/chat.delete", json={"roomId": room["_id"], "msgId": sent["_id"]})
    assert_error(stranger, 403, "error-unauthorized")

    removed = agent.post("/api/v1/chat.delete", json={"roomId": room["_id"], "msgId": sent["_id"]})
    assert removed.json()["_id"] == sent["_id"]
    assert MessageDeleted(room_id=room["_id"], message_id=sent["_id"]) in published
    assert [m["msg"] for m in visitor.history(room["_id"])] == ["hello"]
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert info["lastMessage"]["_id"] == said["_id"] and info["msgs"] == 1


def test_a_visitor_edits_and_deletes_its_own_messages_only(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-visitor-edits")
    visitor.register(name="Vera")
    room = visitor.open_room()
    said = visitor.say(room["_id"], "my odrer").json()["message"]
    reply = send_as_agent(agent, room["_id"], "which order?").json()["message"]
    body = {"token": "token-visitor-edits", "rid": room["_id"], "msg": "my order"}
    fixed = anonymous.put(f"/api/v1/livechat/message/{said['_id']}", json=body)
    assert fixed.json()["message"]["msg"] == "my order"
    # Someone else's message, in Rocket.Chat's words; one that is not in the room does not exist.
    not_own = anonymous.put(f"/api/v1/livechat/message/{reply['_id']}", json=body)
    assert_error(
        not_own, 400, "error-action-not-allowed", "Message editing not allowed [error-action-not-allowed]"
    )
    not_own = anonymous.request(
        "DELETE",
        f"/api/v1/livechat/message/{reply['_id']}",
        json={"token": "token-visitor-edits", "rid": room["_id"]},
    )
    assert_error(
        not_own, 400, "error-action-not-allowed", "Message deleting not allowed [error-action-not-allowed]"
    )
    assert_error(anonymous.put("/api/v1/livechat/message/NoSuchMessage", json=body), 400, "invalid-message")
    gone = anonymous.request(
        "DELETE",
        f"/api/v1/livechat/message/{said['_id']}",
        json={"token": "token-visitor-edits", "rid": room["_id"]},
    )
    assert gone.json()["message"]["_id"] == said["_id"]
    visitor.close(room["_id"])
    closed = anonymous.put(f"/api/v1/livechat/message/{reply['_id']}", json=body)
    assert_error(closed, 400, "error-action-not-allowed")
