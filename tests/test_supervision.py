"""Supervision: managers list every open chat (by agent, department and state), join one beside its
serving agent (Rocket.Chat's ``livechat/room.join``) and write there, or take it over (forward it to
themselves)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omnidesk.events import Event, RoomChanged
from omnidesk.models import Room, RoomParticipant
from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error
from tests.helpers import assert_bare_error as bare
from tests.livechat_helpers import (
    Guest,
    guest,
    make_department,
    send_as_agent,
    served_chat,
    set_available,
    set_setting,
)

JOIN = "/api/v1/livechat/room.join"
ROOMS = "/api/v1/livechat/rooms"
CLOSE = "/api/v1/livechat/room.closeByUser"
FORWARD = "/api/v1/livechat/room.forward"


def _chat(services: Services, anonymous: TestClient, token: str, serving: Persona) -> tuple[Guest, str]:
    """A chat ``serving`` was given, who then stops taking chats (others' chats stay its own)."""
    visitor, rid = served_chat(services, anonymous, token, serving)
    set_available(services, serving, available=False)
    return visitor, rid


def _participants(services: Services, rid: str) -> list[str]:
    with services.transaction() as session:
        return list(session.scalars(select(RoomParticipant.user_id).where(RoomParticipant.room_id == rid)))


@pytest.fixture
def plain_user(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "uma", ["user"], "Uma User")


@pytest.fixture
def supervisor(services: Services, app_client: TestClient) -> Persona:
    """A manager who also serves chats, as a team lead does: it may take a chat over."""
    roles = ["livechat-manager", "livechat-agent", "user"]
    return make_persona(services, app_client, "sam", roles, "Sam Lead")


# --- joining ---------------------------------------------------------------------------------------


def test_room_join_refuses_as_rocket_chat_does(
    services: Services,
    anonymous: TestClient,
    agent: Persona,
    agent2: Persona,
    manager: Persona,
    plain_user: Persona,
) -> None:
    _, rid = _chat(services, anonymous, "t-join-refusals", agent)
    assert_error(plain_user.get(JOIN, params={"roomId": rid}), 403, "error-unauthorized")
    assert_error(
        manager.get(JOIN), 400, "invalid-params", "must have required property 'roomId' [invalid-params]"
    )
    bare(manager.get(JOIN, params={"roomId": "no-such-room"}), 400, "error-invalid-room")
    # Another agent's chat is out of an agent's sight: Rocket.Chat's canAccessRoom refuses it.
    bare(agent2.get(JOIN, params={"roomId": rid}), 400, "error-not-allowed")
    assert manager.post(CLOSE, json={"rid": rid}).status_code == 200
    bare(manager.get(JOIN, params={"roomId": rid}), 400, "room-closed")
    assert _participants(services, rid) == []


def test_a_manager_joins_a_chat_and_writes_beside_its_agent(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    visitor, rid = _chat(services, anonymous, "t-join", agent)
    # Before joining, a manager sees the chat but may not write in it.
    assert_error(send_as_agent(manager, rid, "Hello"), 400, "error-not-allowed")

    assert manager.get(JOIN, params={"roomId": rid}).json() == {"success": True}
    assert manager.post(JOIN, params={"roomId": rid}).json() == {"success": True}  # twice: no change
    assert _participants(services, rid) == [manager.id]

    sent = send_as_agent(manager, rid, "A manager here: we will refund you today.")
    assert sent.status_code == 200, sent.text
    assert sent.json()["message"]["u"]["_id"] == manager.id
    history = visitor.history(rid)
    joined = [message for message in history if message.get("t") == "uj"]
    assert len(joined) == 1
    assert (joined[0]["msg"], joined[0]["u"]["username"]) == (manager.username, manager.username)
    assert any(message.get("msg") == "A manager here: we will refund you today." for message in history)

    # The serving agent keeps the chat and still writes; an agent who did not join may not.
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": rid}).json()["room"]
    assert info["servedBy"]["_id"] == agent.id
    assert send_as_agent(agent, rid, "Thanks, Mona").status_code == 200
    with services.transaction() as session:
        room = session.get(Room, rid)
        assert room is not None
        room.served_by_id = None  # queued again: agent2 may see it, but has not joined it
        room.served_by_username = None
    assert_error(send_as_agent(agent2, rid, "Me too"), 400, "error-not-allowed")

    assert manager.post(CLOSE, json={"rid": rid}).status_code == 200
    assert_error(send_as_agent(manager, rid, "After the end"), 400, "error-room-closed")


def test_a_joined_manager_uploads_a_file_in_the_chat(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona
) -> None:
    _, rid = _chat(services, anonymous, "t-join-file", agent)
    files = {"file": ("note.txt", b"refund approved", "text/plain")}
    assert_error(manager.post(f"/api/v1/rooms.media/{rid}", files=files), 400, "error-not-allowed")
    assert manager.get(JOIN, params={"roomId": rid}).status_code == 200
    uploaded = manager.post(f"/api/v1/rooms.media/{rid}", files=files)
    assert uploaded.status_code == 200, uploaded.text


def test_an_agent_joins_a_queued_chat_it_may_take(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    visitor = guest(anonymous, "t-join-queued")
    visitor.register(name="Queued")
    rid = visitor.open_room()["_id"]
    assert agent.get(JOIN, params={"roomId": rid}).status_code == 200
    assert _participants(services, rid) == [agent.id]
    assert send_as_agent(agent, rid, "Someone will be with you shortly").status_code == 200


# --- taking over -----------------------------------------------------------------------------------


def test_a_supervisor_takes_a_chat_over_and_its_agent_hears_it(
    services: Services, anonymous: TestClient, agent: Persona, supervisor: Persona, published: list[Event]
) -> None:
    _, rid = _chat(services, anonymous, "t-take-over", agent)
    set_available(services, supervisor)
    published.clear()
    taken = supervisor.post(FORWARD, json={"roomId": rid, "userId": supervisor.id})
    assert taken.json() == {"success": True}
    info = supervisor.get("/api/v1/livechat/room.info", params={"roomId": rid}).json()["room"]
    assert info["servedBy"]["_id"] == supervisor.id
    assert info["lastMessage"]["transferData"]["transferredTo"]["username"] == supervisor.username
    lost = [e for e in published if isinstance(e, RoomChanged) and e.room_id == rid and e.op == "served"]
    assert lost and lost[-1].previous_agent_id == agent.id
    # The chat left the agent's sight with it.
    assert_error(send_as_agent(agent, rid, "Still mine?"), 403, "error-unauthorized")


# --- the listing of every open chat ------------------------------------------------------------------


def _ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {room["_id"] for room in response.json()["rooms"]}


def test_managers_list_open_chats_by_agent_department_and_state(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    sales = make_department(services, "Sales", agent, agent2)
    _, alex_chat = _chat(services, anonymous, "t-list-alex", agent)
    _, bea_chat = _chat(services, anonymous, "t-list-bea", agent2)
    _, held_chat = _chat(services, anonymous, "t-list-held", agent2)
    assert send_as_agent(agent2, held_chat, "One moment").status_code == 200
    assert agent2.post("/api/v1/livechat/room.onHold", json={"roomId": held_chat}).status_code == 200
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    visitor = guest(anonymous, "t-list-queued")
    visitor.register(name="Queued")
    queued_chat = visitor.open_room()["_id"]
    with services.transaction() as session:
        for rid in (bea_chat, queued_chat):
            room = session.get(Room, rid)
            assert room is not None
            room.department_id = sales

    assert _ids(manager.get(ROOMS, params={"open": "true"})) == {alex_chat, bea_chat}
    assert _ids(manager.get(ROOMS, params={"queued": "true"})) == {queued_chat}
    assert _ids(manager.get(ROOMS, params={"onhold": "true"})) == {held_chat}
    assert _ids(manager.get(ROOMS, params={"open": "true", "agents[]": [agent2.id]})) == {bea_chat}
    assert _ids(manager.get(ROOMS, params={"open": "true", "departmentId": sales})) == {bea_chat}
    assert _ids(manager.get(ROOMS, params={"queued": "true", "departmentId": sales})) == {queued_chat}
    # Waiting longest first: by the moment each chat entered the queue.
    oldest_first = manager.get(ROOMS, params={"open": "true", "sort": '{"queuedAt": 1}'}).json()["rooms"]
    assert [room["_id"] for room in oldest_first] == [alex_chat, bea_chat]
    newest_first = manager.get(ROOMS, params={"open": "true", "sort": '{"queuedAt": -1}'}).json()["rooms"]
    assert [room["_id"] for room in newest_first] == [bea_chat, alex_chat]
    # An agent lists its own chats only, and must say so.
    assert_error(agent.get(ROOMS, params={"open": "true"}), 403, "error-unauthorized")
    assert _ids(agent.get(ROOMS, params={"open": "true", "agents[]": [agent.id]})) == {alex_chat}
