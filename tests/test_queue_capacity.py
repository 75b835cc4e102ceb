"""The queue as a contact center runs it: chat limits (workspace, agent, department), chats on hold,
re-routing whenever room appears, presence (setStatus, realtime connections, idle agents) and the
agent-leave rule."""

from __future__ import annotations

import random
import time
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omnidesk.app import create_app
from omnidesk.db import utcnow
from omnidesk.events import Event, RoomChanged
from omnidesk.models import Room, User
from omnidesk.services import Services
from omnidesk.workers.queue_timers import run_queue_timers
from tests.conftest import make_persona
from tests.ddp_client import DDPClient, running_server
from tests.helpers import Persona, assert_error, database_dialect, race
from tests.livechat_helpers import guest, make_department, send_as_agent, set_available, set_setting

TAKE = "/api/v1/livechat/inquiries.take"
SAVE_INFO = "/api/v1/livechat/agents.saveInfo"
STATUS = "/api/v1/livechat/agent.status"


def limits(services: Services, per_agent: int) -> None:
    set_setting(services, "Livechat_waiting_queue", True)
    set_setting(services, "Livechat_maximum_chats_per_agent", per_agent)


def chat(client: TestClient, token: str, **fields: Any) -> dict[str, Any]:
    visitor = guest(client, token)
    visitor.register(name=f"Visitor {token}", **fields)
    room: dict[str, Any] = visitor.open_room()
    return room


def served_by(services: Services, rid: str) -> str | None:
    with services.transaction() as session:
        room = session.get(Room, rid)
        assert room is not None
        return room.served_by_id


def serving(services: Services, agent_id: str) -> int:
    with services.transaction() as session:
        return (
            session.scalar(
                select(func.count()).where(
                    Room.served_by_id == agent_id, Room.open.is_(True), Room.on_hold.is_(False)
                )
            )
            or 0
        )


def inquiry_of(persona: Persona, rid: str) -> str:
    inquiry = persona.get("/api/v1/livechat/inquiries.getOne", params={"roomId": rid}).json()["inquiry"]
    return str(inquiry["_id"])


def test_the_workspace_limit_queues_the_chat_beyond_it_and_take_refuses_it(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    limits(services, 2)
    set_available(services, agent)
    first, second, third = (chat(anonymous, f"cap-{index}") for index in range(3))
    assert [served_by(services, room["_id"]) for room in (first, second)] == [agent.id, agent.id]
    assert served_by(services, third["_id"]) is None  # it waits: alex serves two already
    refused = agent.post(TAKE, json={"inquiryId": inquiry_of(agent, third["_id"])})
    assert_error(refused, 400, "error-max-number-simultaneous-chats-reached")
    assert served_by(services, third["_id"]) is None


def test_limits_apply_only_with_the_waiting_queue_on(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_maximum_chats_per_agent", 1)  # Rocket.Chat ignores it without the queue
    set_available(services, agent)
    rooms = [chat(anonymous, f"noqueue-{index}") for index in range(3)]
    assert {served_by(services, room["_id"]) for room in rooms} == {agent.id}


def test_an_agents_own_limit_beats_the_workspace_one_and_raising_it_routes_the_waiting_chat(
    services: Services, anonymous: TestClient, manager: Persona, agent: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    limits(services, 1)
    set_available(services, agent)
    first, waiting = chat(anonymous, "own-1"), chat(anonymous, "own-2")
    assert (served_by(services, first["_id"]), served_by(services, waiting["_id"])) == (agent.id, None)

    saved = manager.post(
        SAVE_INFO,
        json={"agentId": agent.id, "agentData": {"maxNumberSimultaneousChat": "2"}, "agentDepartments": []},
    )
    assert saved.status_code == 200, saved.text
    assert served_by(services, waiting["_id"]) == agent.id  # room appeared: the queue moved at once
    shown = manager.get(f"/api/v1/livechat/users/agent/{agent.id}").json()["user"]
    assert shown["livechat"] == {"maxNumberSimultaneousChat": 2}
    third = chat(anonymous, "own-3")
    assert served_by(services, third["_id"]) is None


def test_agents_save_info_sets_departments_and_refuses_what_it_cannot_keep(
    services: Services, app_client: TestClient, manager: Persona, agent: Persona
) -> None:
    plain_user = make_persona(services, app_client, "uma", ["user"], "Uma User")
    sales, billing = make_department(services, "Sales", agent), make_department(services, "Billing")
    saved = manager.post(
        SAVE_INFO,
        json={"agentId": agent.id, "agentData": {"name": "ignored"}, "agentDepartments": [billing, "nope"]},
    )
    assert saved.status_code == 200, saved.text
    departments = manager.get(f"/api/v1/livechat/agents/{agent.id}/departments").json()["departments"]
    assert [row["departmentId"] for row in departments] == [billing]
    assert sales  # alex left Sales
    not_agent = {"agentId": plain_user.id, "agentData": {}, "agentDepartments": []}
    assert_error(manager.post(SAVE_INFO, json=not_agent), 400, "error-user-is-not-agent")
    for bad in (-1, "many", "-3", 5000, None):
        body = {"agentId": agent.id, "agentData": {"maxNumberSimultaneousChat": bad}, "agentDepartments": []}
        response = manager.post(SAVE_INFO, json=body)
        assert response.status_code == (200 if bad is None else 400), (bad, response.text)
    assert_error(agent.post(SAVE_INFO, json=not_agent), 403, "error-unauthorized")


def test_a_departments_limit_counts_only_its_chats(
    services: Services, anonymous: TestClient, manager: Persona, agent: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    limits(services, 0)
    billing = make_department(services, "Billing", agent)
    department = manager.get(f"/api/v1/livechat/department/{billing}").json()["department"]
    edited = {
        key: department[key]
        for key in ("enabled", "name", "email", "showOnRegistration", "showOnOfflineForm")
    }
    saved = manager.client.put(
        f"/api/v1/livechat/department/{billing}",
        json={"department": {**edited, "maxNumberSimultaneousChat": 1}},
        headers=manager.headers,
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["department"]["maxNumberSimultaneousChat"] == 1
    set_available(services, agent)
    general = chat(anonymous, "dep-general")
    first, second = chat(anonymous, "dep-1", department=billing), chat(anonymous, "dep-2", department=billing)
    assert served_by(services, general["_id"]) == agent.id
    assert (served_by(services, first["_id"]), served_by(services, second["_id"])) == (agent.id, None)
    other = chat(anonymous, "dep-general-2")  # no department limit outside Billing
    assert served_by(services, other["_id"]) == agent.id


def test_chats_on_hold_do_not_count_and_holding_one_routes_the_next(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    limits(services, 1)
    set_available(services, agent)
    first, waiting = chat(anonymous, "hold-1"), chat(anonymous, "hold-2")
    assert served_by(services, waiting["_id"]) is None
    send_as_agent(agent, first["_id"], "One moment, please")
    held = agent.post("/api/v1/livechat/room.onHold", json={"roomId": first["_id"]})
    assert held.status_code == 200, held.text
    assert served_by(services, waiting["_id"]) == agent.id
    # The held chat counts again once resumed: with the next one served, there is no room for it.
    resumed = agent.post("/api/v1/livechat/room.resumeOnHold", json={"roomId": first["_id"]})
    assert_error(resumed, 400, "error-max-number-simultaneous-chats-reached")
    assert agent.post("/api/v1/livechat/room.closeByUser", json={"rid": waiting["_id"]}).status_code == 200
    resumed = agent.post("/api/v1/livechat/room.resumeOnHold", json={"roomId": first["_id"]})
    assert resumed.status_code == 200, resumed.text


def test_closing_and_forwarding_free_room_for_the_longest_waiting_chat_of_highest_priority(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    limits(services, 1)
    set_available(services, agent)
    busy = chat(anonymous, "order-busy")
    early, late = chat(anonymous, "order-early"), chat(anonymous, "order-late")
    urgent = chat(anonymous, "order-urgent")
    priorities = manager.get("/api/v1/livechat/priorities").json()["priorities"]
    highest = min(priorities, key=lambda priority: priority["sortItem"])
    saved = manager.post(
        "/api/v1/livechat/room.saveInfo",
        json={
            "guestData": {"_id": urgent["v"]["_id"]},
            "roomData": {"_id": urgent["_id"], "priorityId": highest["_id"]},
        },
    )
    assert saved.status_code == 200, saved.text
    assert guest(anonymous, "order-busy").close(busy["_id"]).status_code == 200
    assert served_by(services, urgent["_id"]) == agent.id  # priority first
    set_available(services, agent2)
    forwarded = manager.post(
        "/api/v1/livechat/room.forward", json={"roomId": urgent["_id"], "userId": agent2.id}
    )
    assert forwarded.status_code == 200, forwarded.text
    assert served_by(services, early["_id"]) == agent.id  # then arrival: alex had room again
    assert served_by(services, late["_id"]) is None
    full = manager.post("/api/v1/livechat/room.forward", json={"roomId": early["_id"], "userId": agent2.id})
    assert_error(full, 400, "error-max-number-simultaneous-chats-reached")


def test_an_agent_becoming_available_takes_the_waiting_chats_at_once(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    waiting = chat(anonymous, "avail-1")
    assert served_by(services, waiting["_id"]) is None
    assert agent.post("/api/v1/users.setStatus", json={"status": "online"}).status_code == 200
    assert served_by(services, waiting["_id"]) is None  # present, but not taking chats
    assert agent.post(STATUS, json={"status": "available"}).json()["status"] == "available"
    assert served_by(services, waiting["_id"]) == agent.id


def test_presence_decides_who_is_routed_to(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    set_available(services, agent, agent2)
    assert agent2.post("/api/v1/users.setStatus", json={"status": "offline"}).status_code == 200
    assert {served_by(services, chat(anonymous, f"pres-{index}")["_id"]) for index in range(2)} == {agent.id}
    # Away agents still get chats unless the workspace says otherwise; busy ones always do.
    assert agent.post("/api/v1/users.setStatus", json={"status": "away"}).status_code == 200
    assert served_by(services, chat(anonymous, "pres-away")["_id"]) == agent.id
    set_setting(services, "Livechat_enabled_when_agent_idle", False)
    waiting = chat(anonymous, "pres-idle")
    assert served_by(services, waiting["_id"]) is None
    assert agent2.post("/api/v1/users.setStatus", json={"status": "busy"}).status_code == 200
    assert served_by(services, waiting["_id"]) == agent2.id  # back from offline: the queue moves


def test_a_realtime_connection_makes_an_agent_present_until_its_last_one_closes(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    set_available(services, agent)
    assert agent.post("/api/v1/users.setStatus", json={"status": "offline"}).status_code == 200
    with services.transaction() as session:
        user = session.get(User, agent.id)
        assert user is not None
        user.status_default = "online"  # it chose online; it is offline only because it is not here
    waiting = chat(anonymous, "ddp-1")
    assert served_by(services, waiting["_id"]) is None
    with running_server(create_app(services)) as url:
        first, second = DDPClient(url), DDPClient(url)
        first.login(agent.token)
        second.login(agent.token)
        wait_for(lambda: served_by(services, waiting["_id"]) == agent.id)
        first.close()
        time.sleep(0.2)
        assert user_status(services, agent.id) == "online"  # one connection is still open
        second.close()
        wait_for(lambda: user_status(services, agent.id) == "offline")
    assert served_by(services, chat(anonymous, "ddp-2")["_id"]) is None


def user_status(services: Services, user_id: str) -> str:
    with services.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.status


def wait_for(check: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def left(services: Services, agent: Persona, *, seconds_ago: int) -> None:
    with services.transaction() as session:
        user = session.get(User, agent.id)
        assert user is not None
        user.status, user.status_changed_at = "offline", utcnow() - timedelta(seconds=seconds_ago)


def test_the_leave_action_closes_or_requeues_the_chats_of_an_agent_gone_long_enough(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona
) -> None:
    set_available(services, agent)
    closing, forwarding = chat(anonymous, "leave-1"), chat(anonymous, "leave-2")
    left(services, agent, seconds_ago=30)
    set_setting(services, "Livechat_agent_leave_action", "close")
    set_setting(services, "Livechat_agent_leave_comment", "Agent left")
    assert run_queue_timers(services) == 0  # not gone for the 60 s timeout yet
    left(services, agent, seconds_ago=61)
    set_setting(services, "Livechat_agent_leave_action_timeout", 60)
    with services.transaction() as session:
        session.get(Room, forwarding["_id"]).on_hold = True  # type: ignore[union-attr]
    set_setting(services, "Livechat_agent_leave_action", "forward")
    set_available(services, agent2)
    assert run_queue_timers(services) == 2
    assert served_by(services, closing["_id"]) == agent2.id
    assert served_by(services, forwarding["_id"]) == agent2.id
    assert run_queue_timers(services) == 0  # handled once

    left(services, agent2, seconds_ago=120)
    set_setting(services, "Livechat_agent_leave_action", "close")
    assert run_queue_timers(services) == 2
    with services.transaction() as session:
        rooms = [session.get(Room, rid) for rid in (closing["_id"], forwarding["_id"])]
        assert [(room.open, room.closing_comment) for room in rooms if room] == [(False, "Agent left")] * 2


def test_concurrent_takes_never_pass_an_agents_limit(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    limits(services, 1)
    set_available(services, agent)
    for round_ in range(3 if database_dialect(services) == "postgresql" else 1):
        tokens = [f"race-{round_}-{index}" for index in range(4)]
        rooms = [chat(anonymous, token)["_id"] for token in tokens]
        takes = [
            lambda inquiry=inquiry_of(agent, rid): agent.post(TAKE, json={"inquiryId": inquiry})
            for rid in rooms
        ]
        answers = race(takes)
        codes = sorted(answer.status_code for answer in answers)
        assert codes == [200, 400, 400, 400], [answer.text for answer in answers]
        assert serving(services, agent.id) == 1
        for token, rid in zip(tokens, rooms, strict=True):
            guest(anonymous, token).close(rid)


def test_fifty_chats_five_agents_limits_of_three_agents_coming_and_going_hours_closing_and_an_sla(
    services: Services,
    app_client: TestClient,
    anonymous: TestClient,
    agent: Persona,
    agent2: Persona,
    manager: Persona,
    admin: Persona,
    published: list[Event],
) -> None:
    """The issue's drive: no chat waits while an agent with room serves, no agent passes its limit, every
    chat is routed exactly once, through agents leaving and coming back, the hours closing and opening
    again, and an SLA that puts its chats ahead."""
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    limits(services, 3)
    carl = make_persona(services, app_client, "carl", ["livechat-agent", "user"], "Carl Agent")
    team = [agent, agent2, manager, admin, carl]
    for persona in (manager, admin):
        added = admin.post("/api/v1/livechat/users/agent", json={"username": persona.username})
        assert added.status_code == 200, added.text
    set_available(services, *team)
    urgent = manager.post("/api/v1/livechat/sla", json={"name": "Urgent", "dueTimeInMinutes": 5})
    assert urgent.status_code == 200, urgent.text
    hours = manager.get("/api/v1/livechat/business-hour", params={"type": "default"}).json()["businessHour"]
    today = utcnow().date()
    closed_days = [(today + timedelta(days=shift)).isoformat() for shift in (-1, 0, 1)]

    def set_hours(closed: list[str]) -> None:
        week = [
            {"day": entry["day"], "start": "00:00", "finish": "23:59", "open": True}
            for entry in hours["workHours"]
        ]
        body = {
            "_id": hours["_id"],
            "type": "default",
            "active": True,
            "timezoneName": "UTC",
            "workHours": week,
        }
        saved = manager.post("/api/v1/livechat/business-hours.save", json={**body, "holidays": closed})
        assert saved.status_code == 200, saved.text

    set_setting(services, "Livechat_enable_business_hours", True)
    rng = random.Random(7)
    rooms: list[tuple[str, str]] = []  # (token, rid)
    open_rooms: list[tuple[str, str]] = []
    for index in range(50):
        token = f"drive-{index}"
        room = chat(anonymous, token)
        rooms.append((token, room["_id"]))
        open_rooms.append((token, room["_id"]))
        if index % 7 == 3 and served_by(services, room["_id"]) is None:
            assigned = manager.client.put(
                "/api/v1/livechat/inquiry.setSLA",
                json={"roomId": room["_id"], "sla": "Urgent"},
                headers=manager.headers,
            )
            assert assigned.status_code == 200, assigned.text
        if index == 10:
            agent2.post("/api/v1/users.setStatus", json={"status": "offline"})
        if index == 15:
            carl.post("/api/v1/users.setStatus", json={"status": "offline"})
        if index == 20:
            set_hours(closed_days)  # the hours close: everyone stops, chats wait
        if index == 25:
            set_hours([])  # and open again: the waiting chats are routed
        if index == 30:
            agent2.post("/api/v1/users.setStatus", json={"status": "online"})
        if index == 35:
            carl.post("/api/v1/users.setStatus", json={"status": "online"})
        served_now = [entry for entry in open_rooms if served_by(services, entry[1])]
        if index % 3 == 2 and served_now:  # a served customer is done now and then
            entry = served_now[rng.randrange(len(served_now))]
            open_rooms.remove(entry)
            guest(anonymous, entry[0]).close(entry[1])
        check_the_queue(services, [persona.id for persona in team])
    while open_rooms:  # the rest are served in turn as room frees up
        entry = next(entry for entry in open_rooms if served_by(services, entry[1]))
        open_rooms.remove(entry)
        guest(anonymous, entry[0]).close(entry[1])
        check_the_queue(services, [persona.id for persona in team])
    served = [event.room_id for event in published if isinstance(event, RoomChanged) and event.op == "served"]
    assert sorted(served) == sorted(rid for _, rid in rooms)  # each chat routed once, none twice


def check_the_queue(services: Services, team: list[str]) -> None:
    with services.transaction() as session:
        present = set(
            session.scalars(
                select(User.id).where(
                    User.id.in_(team), User.status != "offline", User.livechat_status == "available"
                )
            )
        )
        waiting = session.scalar(
            select(func.count()).select_from(Room).where(Room.open.is_(True), Room.served_by_id.is_(None))
        )
    counts = {agent_id: serving(services, agent_id) for agent_id in team}
    assert all(count <= 3 for count in counts.values()), counts
    if waiting:
        assert all(counts[agent_id] >= 3 for agent_id in present), (waiting, counts)


def test_inquiry_answers_as_rocket_chat_gives_them(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent, agent2)
    unknown = agent.post(TAKE, json={"inquiryId": "no-such-inquiry"})
    assert_error(unknown, 400, "error-not-found", "Inquiry not found [error-not-found]")
    none = agent.get("/api/v1/livechat/inquiries.getOne", params={"roomId": "no-such-room"})
    assert none.status_code == 200 and none.json() == {"inquiry": None, "success": True}
    room = chat(anonymous, "answers-1")
    inquiry = inquiry_of(agent, room["_id"])
    assert agent.post(TAKE, json={"inquiryId": inquiry}).status_code == 200
    taken = agent2.post(TAKE, json={"inquiryId": inquiry})
    assert_error(taken, 400, "error-inquiry-taken", "Inquiry already taken [error-inquiry-taken]")


def test_the_widget_config_tells_a_waiting_visitor_its_place_and_the_estimated_wait(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent)
    chat(anonymous, "place-1")
    second = chat(anonymous, "place-2")

    def queue_info() -> Any:
        config = anonymous.get("/api/v1/livechat/config", params={"token": "place-2"}).json()["config"]
        return config.get("queueInfo")

    assert queue_info() == {"spot": 2, "estimatedWaitTimeSeconds": None}  # no chat served yet
    done = chat(anonymous, "place-done")
    assert agent.post(TAKE, json={"inquiryId": inquiry_of(agent, done["_id"])}).status_code == 200
    with services.transaction() as session:
        room = session.get(Room, done["_id"])
        assert room is not None
        room.served_at, room.closed_at, room.open = utcnow() - timedelta(minutes=10), utcnow(), False
    # One serving agent, chats of ten minutes: the second in line waits about two of them.
    assert queue_info() == {"spot": 2, "estimatedWaitTimeSeconds": 1200}
    assert agent.post(TAKE, json={"inquiryId": inquiry_of(agent, second["_id"])}).status_code == 200
    assert queue_info() is None
