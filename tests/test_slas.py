"""SLAs: livechat/sla* and inquiry.setSLA as Rocket.Chat's, a department's default SLA, the queue's
order (priority, SLA due, arrival) and the overdue mark the queue-timers worker sets once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from omnidesk.actions.routing import route_waiting_chats
from omnidesk.actions.slas import mark_overdue_chats
from omnidesk.db import utcnow
from omnidesk.events import ChatOverdue, Event
from omnidesk.models import Inquiry, Room
from omnidesk.services import Services
from omnidesk.workers.queue_timers import run_queue_timers
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import guest, send_as_agent, set_available, set_setting

SLA = "/api/v1/livechat/sla"
SET_SLA = "/api/v1/livechat/inquiry.setSLA"
SAVE_INFO = "/api/v1/livechat/room.saveInfo"


@pytest.fixture
def user(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "uma", ["user"], "Uma User")


def put(persona: Persona, path: str, body: Any) -> Any:
    return persona.client.put(path, json=body, headers=persona.headers)


def delete(persona: Persona, path: str) -> Any:
    return persona.client.delete(path, headers=persona.headers)


def create_sla(persona: Persona, name: str, minutes: int, **extra: Any) -> dict[str, Any]:
    response = persona.post(SLA, json={"name": name, "dueTimeInMinutes": minutes, **extra})
    assert response.status_code == 200, response.text
    sla: dict[str, Any] = response.json()["sla"]
    return sla


def chat(client: TestClient, token: str, **fields: Any) -> dict[str, Any]:
    visitor = guest(client, token)
    visitor.register(name=f"Visitor {token}", **fields)
    room: dict[str, Any] = visitor.open_room()
    return room


def room_info(persona: Persona, rid: str) -> dict[str, Any]:
    response = persona.get("/api/v1/livechat/room.info", params={"roomId": rid})
    assert response.status_code == 200, response.text
    room: dict[str, Any] = response.json()["room"]
    return room


def queued(persona: Persona) -> list[dict[str, Any]]:
    response = persona.get("/api/v1/livechat/inquiries.queued")
    assert response.status_code == 200, response.text
    inquiries: list[dict[str, Any]] = response.json()["inquiries"]
    return inquiries


# --- the list -----------------------------------------------------------------------------------------


def test_managers_create_list_read_change_and_remove_slas_in_rocket_chats_shapes(manager: Persona) -> None:
    created = create_sla(manager, "Gold", 15, description="Premium customers")
    assert set(created) == {"_id", "name", "description", "dueTimeInMinutes"}
    assert (created["name"], created["description"], created["dueTimeInMinutes"]) == (
        "Gold",
        "Premium customers",
        15,
    )
    bronze = create_sla(manager, "Bronze", 240)
    assert "description" not in bronze  # none given: none stored, as in Rocket.Chat

    listed = manager.get(SLA).json()
    assert [sla["name"] for sla in listed["sla"]] == ["Bronze", "Gold"]  # by name
    assert (listed["count"], listed["offset"], listed["total"], listed["success"]) == (2, 0, 2, True)
    assert [sla["name"] for sla in manager.get(SLA, params={"text": "premium"}).json()["sla"]] == ["Gold"]
    by_minutes = manager.get(SLA, params={"sort": '{"dueTimeInMinutes": -1}'}).json()["sla"]
    assert [sla["name"] for sla in by_minutes] == ["Bronze", "Gold"]

    one = manager.get(f"{SLA}/{created['_id']}").json()
    assert one["success"] is True and one["_id"] == created["_id"] and "_updatedAt" in one

    changed = put(manager, f"{SLA}/{created['_id']}", {"name": "Platinum", "dueTimeInMinutes": 5})
    assert changed.status_code == 200, changed.text
    assert changed.json()["sla"]["name"] == "Platinum"
    assert manager.get(f"{SLA}/{created['_id']}").json()["dueTimeInMinutes"] == 5

    assert delete(manager, f"{SLA}/{created['_id']}").json() == {"success": True}
    missing = manager.get(f"{SLA}/{created['_id']}")
    assert missing.status_code == 404
    assert missing.json()["error"] == f"SLA with id {created['_id']} not found"
    assert_error(delete(manager, f"{SLA}/{created['_id']}"), 400, "error-invalid-sla")
    gone = put(manager, f"{SLA}/{created['_id']}", {"name": "X", "dueTimeInMinutes": 1})
    assert_error(gone, 400, "error-invalid-sla")


def test_a_name_or_due_time_another_sla_has_is_refused(manager: Persona) -> None:
    gold = create_sla(manager, "Gold", 15)
    silver = create_sla(manager, "Silver", 60)
    assert_error(
        manager.post(SLA, json={"name": "gold", "dueTimeInMinutes": 20}), 400, "error-duplicated-sla"
    )
    assert_error(
        manager.post(SLA, json={"name": "Iron", "dueTimeInMinutes": 15}), 400, "error-duplicated-sla"
    )
    same = put(manager, f"{SLA}/{silver['_id']}", {"name": "Silver", "dueTimeInMinutes": 15})
    assert_error(same, 400, "error-duplicated-sla")
    # An SLA keeps its own name and minutes.
    kept = put(manager, f"{SLA}/{gold['_id']}", {"name": "Gold", "dueTimeInMinutes": 15, "description": "d"})
    assert kept.status_code == 200, kept.text


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ({"dueTimeInMinutes": 5}, "invalid-params"),
        ({"name": "Gold"}, "invalid-params"),
        ({"name": "Gold", "dueTimeInMinutes": "5"}, "invalid-params"),
        ({"name": "Gold", "dueTimeInMinutes": 1.5}, "invalid-params"),
        ({"name": "Gold", "dueTimeInMinutes": 5, "extra": 1}, "invalid-params"),
        ({"name": 7, "dueTimeInMinutes": 5}, "invalid-params"),
        ({"name": "   ", "dueTimeInMinutes": 5}, "error-invalid-sla-name"),
        ({"name": "x" * 201, "dueTimeInMinutes": 5}, "error-invalid-sla-name"),
        ({"name": "Gold", "dueTimeInMinutes": 0}, "error-invalid-sla-due-time"),
        ({"name": "Gold", "dueTimeInMinutes": -3}, "error-invalid-sla-due-time"),
        ({"name": "Gold", "dueTimeInMinutes": 10_000_000}, "error-invalid-sla-due-time"),
    ],
)
def test_malformed_slas_are_refused_with_a_400(
    manager: Persona, body: dict[str, Any], error_type: str
) -> None:
    assert_error(manager.post(SLA, json=body), 400, error_type)
    assert manager.get(SLA).json()["total"] == 0


def test_agents_read_slas_and_only_managers_write_them(
    manager: Persona, agent: Persona, user: Persona
) -> None:
    gold = create_sla(manager, "Gold", 15)
    assert agent.get(SLA).json()["total"] == 1  # view-l-room, as in Rocket.Chat
    assert agent.get(f"{SLA}/{gold['_id']}").status_code == 200
    forbidden = [
        agent.post(SLA, json={"name": "Iron", "dueTimeInMinutes": 9}),
        put(agent, f"{SLA}/{gold['_id']}", {"name": "Iron", "dueTimeInMinutes": 9}),
        delete(agent, f"{SLA}/{gold['_id']}"),
        user.get(SLA),
        user.get(f"{SLA}/{gold['_id']}"),
        put(user, SET_SLA, {"roomId": "r", "sla": gold["_id"]}),
    ]
    for response in forbidden:
        assert_error(response, 403, "error-unauthorized")


# --- a chat's SLA -------------------------------------------------------------------------------------


def test_set_sla_gives_a_waiting_chat_its_sla_with_rocket_chats_history_message(
    services: Services, anonymous: TestClient, manager: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    gold = create_sla(manager, "Gold", 15)
    room = chat(anonymous, "sla-1")
    assert room["estimatedWaitingTimeQueue"] == 9999999 and "slaId" not in room  # none yet

    assert put(manager, SET_SLA, {"roomId": room["_id"], "sla": "Gold"}).json() == {
        "success": True
    }  # by name
    info = room_info(manager, room["_id"])
    assert (info["slaId"], info["estimatedWaitingTimeQueue"]) == (gold["_id"], 15)
    assert info["slaDueAt"] > info["ts"]
    [inquiry] = queued(manager)
    assert (inquiry["slaId"], inquiry["estimatedWaitingTimeQueue"]) == (gold["_id"], 15)
    messages = manager.get(f"/api/v1/livechat/{room['_id']}/messages").json()["messages"]
    history = [m for m in messages if m.get("t") == "omnichannel_sla_change_history"]
    assert history[0]["slaData"] == {
        "definedBy": {"_id": manager.id, "username": manager.username},
        "sla": {"name": "Gold"},
    }

    # room.saveInfo takes it away ("") as Rocket.Chat's slaId does.
    body = {"guestData": {"_id": info["v"]["_id"]}, "roomData": {"_id": room["_id"], "slaId": ""}}
    assert manager.post(SAVE_INFO, json=body).status_code == 200
    cleared = room_info(manager, room["_id"])
    assert "slaId" not in cleared and "slaDueAt" not in cleared
    assert queued(manager)[0]["estimatedWaitingTimeQueue"] == 9999999
    unknown = {"guestData": {"_id": info["v"]["_id"]}, "roomData": {"_id": room["_id"], "slaId": "nope"}}
    assert_error(manager.post(SAVE_INFO, json=unknown), 400, "error-invalid-sla")


def test_set_sla_refuses_a_chat_not_waiting_and_an_unknown_sla(
    services: Services, anonymous: TestClient, manager: Persona, agent: Persona
) -> None:
    create_sla(manager, "Gold", 15)
    set_available(services, agent)
    served = chat(anonymous, "sla-2")  # routed to alex at once
    assert_error(
        put(manager, SET_SLA, {"roomId": served["_id"], "sla": "Gold"}), 400, "error-invalid-inquiry"
    )
    assert_error(put(manager, SET_SLA, {"roomId": "no-room", "sla": "Gold"}), 400, "error-invalid-inquiry")
    set_available(services, agent, available=False)
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    waiting = chat(anonymous, "sla-3")
    assert_error(put(manager, SET_SLA, {"roomId": waiting["_id"], "sla": "Tin"}), 400, "error-invalid-sla")
    assert_error(put(manager, SET_SLA, {"roomId": waiting["_id"], "sla": ""}), 400, "error-invalid-sla")
    assert_error(put(manager, SET_SLA, {"sla": "Gold"}), 400, "invalid-params")
    assert_error(put(manager, SET_SLA, {"roomId": waiting["_id"]}), 400, "invalid-params")
    # An agent may set the SLA of a chat it could take (view-l-room).
    assert put(agent, SET_SLA, {"roomId": waiting["_id"], "sla": "Gold"}).status_code == 200


def test_a_new_chat_takes_its_departments_default_sla(
    services: Services, anonymous: TestClient, manager: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    gold = create_sla(manager, "Gold", 30)
    body = {
        "enabled": True,
        "name": "Sales",
        "email": "",
        "showOnRegistration": True,
        "showOnOfflineForm": True,
    }
    refused = manager.post("/api/v1/livechat/department", json={"department": {**body, "slaId": "nope"}})
    assert_error(refused, 400, "error-invalid-sla")
    created = manager.post("/api/v1/livechat/department", json={"department": {**body, "slaId": gold["_id"]}})
    assert created.status_code == 200, created.text
    department = created.json()["department"]
    assert department["slaId"] == gold["_id"]

    room = chat(anonymous, "sla-4", department=department["_id"])
    info = room_info(manager, room["_id"])
    assert (info["slaId"], info["estimatedWaitingTimeQueue"]) == (gold["_id"], 30)
    other = chat(anonymous, "sla-5")  # no department: no SLA
    assert "slaId" not in room_info(manager, other["_id"])

    # Removing the SLA takes it from the open chat and from the department.
    assert delete(manager, f"{SLA}/{gold['_id']}").status_code == 200
    assert "slaId" not in room_info(manager, room["_id"])
    listed = manager.get(f"/api/v1/livechat/department/{department['_id']}").json()["department"]
    assert "slaId" not in listed


def test_new_minutes_re_date_the_open_chats_of_the_sla(
    services: Services, anonymous: TestClient, manager: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    gold = create_sla(manager, "Gold", 30)
    room = chat(anonymous, "sla-6")
    put(manager, SET_SLA, {"roomId": room["_id"], "sla": gold["_id"]})
    before = room_info(manager, room["_id"])["slaDueAt"]
    put(manager, f"{SLA}/{gold['_id']}", {"name": "Gold", "dueTimeInMinutes": 5})
    after = room_info(manager, room["_id"])
    assert after["estimatedWaitingTimeQueue"] == 5 and after["slaDueAt"] < before
    assert queued(manager)[0]["estimatedWaitingTimeQueue"] == 5


# --- the queue's order --------------------------------------------------------------------------------


def test_the_queue_runs_by_priority_then_sla_due_then_arrival(
    services: Services, anonymous: TestClient, manager: Persona, agent: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    set_setting(services, "Livechat_waiting_queue", True)
    set_setting(services, "Livechat_maximum_chats_per_agent", 1)
    create_sla(manager, "Slow", 60)
    create_sla(manager, "Fast", 30)
    create_sla(manager, "Rush", 10)
    high = next(
        p for p in manager.get("/api/v1/livechat/priorities").json()["priorities"] if p["sortItem"] == 2
    )
    plan = {  # token -> (priority, SLA), in order of arrival
        "a": (None, None),
        "b": (high["_id"], None),
        "c": (high["_id"], "Slow"),
        "d": (high["_id"], "Fast"),
        "e": (None, "Rush"),
    }
    rooms: dict[str, str] = {}
    for token, (priority, sla) in plan.items():
        room = chat(anonymous, f"order-{token}")
        rooms[token] = room["_id"]
        with services.transaction() as session:  # arrivals a second apart
            moment = utcnow() - timedelta(seconds=100 - len(rooms))
            session.execute(
                update(Room).where(Room.id == room["_id"]).values(created_at=moment, queued_at=moment)
            )
            session.execute(update(Inquiry).where(Inquiry.room_id == room["_id"]).values(queued_at=moment))
        if priority:
            body = {
                "guestData": {"_id": room["v"]["_id"]},
                "roomData": {"_id": room["_id"], "priorityId": priority},
            }
            assert manager.post(SAVE_INFO, json=body).status_code == 200
        if sla:
            assert put(manager, SET_SLA, {"roomId": room["_id"], "sla": sla}).status_code == 200
    expected = [rooms[token] for token in "dcbea"]
    assert [inquiry["rid"] for inquiry in queued(manager)] == expected

    # route_waiting_chats gives them out in that order: one at a time (a limit of 1), each chat closed
    # before the next round.
    set_available(services, agent)
    served: list[str] = []
    for _ in expected:
        with services.transaction() as session:
            assert route_waiting_chats(session) == 1
            room = session.query(Room).filter(Room.served_by_id == agent.id, Room.open.is_(True)).one()
            served.append(room.id)
            room.open = False
    assert served == expected


# --- overdue ------------------------------------------------------------------------------------------


def overdue_events(published: list[Event]) -> list[str]:
    return [event.room_id for event in published if isinstance(event, ChatOverdue)]


def test_a_chat_unanswered_past_its_sla_is_marked_overdue_once(
    services: Services, anonymous: TestClient, manager: Persona, agent: Persona, published: list[Event]
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    create_sla(manager, "Gold", 10)
    waiting, answered, early = (chat(anonymous, f"late-{index}") for index in range(3))
    for room in (waiting, answered, early):
        assert put(manager, SET_SLA, {"roomId": room["_id"], "sla": "Gold"}).status_code == 200
    set_available(services, agent)
    inquiry = agent.get("/api/v1/livechat/inquiries.getOne", params={"roomId": answered["_id"]}).json()
    take = agent.post("/api/v1/livechat/inquiries.take", json={"inquiryId": inquiry["inquiry"]["_id"]})
    assert take.status_code == 200, take.text
    taken = take.json()["inquiry"]["rid"]
    assert send_as_agent(agent, taken, "Hello!").status_code == 200
    with services.transaction() as session:  # two of them came due a minute ago
        past = utcnow() - timedelta(minutes=1)
        for rid in (waiting["_id"], taken):
            session.execute(update(Room).where(Room.id == rid).values(sla_due_at=past))
    queued_one = waiting["_id"]

    assert run_queue_timers(services) == 1
    assert overdue_events(published) == [queued_one]
    assert run_queue_timers(services) == 0  # once
    with services.transaction() as session:
        assert mark_overdue_chats(session, now=utcnow() + timedelta(minutes=5)) == 0  # the rest not due
    assert overdue_events(published) == [queued_one]
    assert room_info(manager, queued_one)["slaOverdueAt"]
    assert "slaOverdueAt" not in room_info(manager, taken)  # answered in time

    # The third chat comes due later, still waiting: it is marked then.
    with services.transaction() as session:
        assert mark_overdue_chats(session, now=utcnow() + timedelta(minutes=11)) == 1
    assert len(overdue_events(published)) == 2
    event = next(e for e in published if isinstance(e, ChatOverdue))
    assert event.op == "sla_overdue" and event.sla_id and event.due_at
