"""The Chats listing and its filters, room information, hold, forward, removal, and message search."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from omnidesk.db import utcnow
from omnidesk.models import CustomField, OutboundEmail, Priority, Room
from omnidesk.queries import counting
from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import guest, make_department, send_as_agent, set_available, set_setting


def _open(anonymous: TestClient, token: str, name: str, **params: Any) -> dict[str, Any]:
    visitor = guest(anonymous, token)
    visitor.register(name=name)
    return visitor.open_room(**params)


def _ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.text
    return {room["_id"] for room in response.json()["rooms"]}


@pytest.fixture
def chats(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona
) -> dict[str, dict[str, Any]]:
    """Four chats: alex serves "open" and "closed" (in Sales, tagged), bea serves "held"; "queued" waits."""
    sales = make_department(services, "Sales", agent)
    set_available(services, agent)
    rooms = {"open": _open(anonymous, "t-open", "Olivia Open")}
    with services.transaction() as session:
        room = session.get(Room, rooms["open"]["_id"])
        assert room is not None
        room.department_id = sales
        room.livechat_data = {"orderId": "A-1001"}
    rooms["closed"] = _open(anonymous, "t-closed", "Carl Closed")
    agent.post(
        "/api/v1/livechat/room.closeByUser", json={"rid": rooms["closed"]["_id"], "tags": ["refund", "vip"]}
    )
    set_available(services, agent, available=False)
    set_available(services, agent2)
    rooms["held"] = _open(anonymous, "t-held", "Hana Held")
    assert (
        agent2.post("/api/v1/livechat/room.onHold", json={"roomId": rooms["held"]["_id"]}).status_code == 200
    )
    set_available(services, agent2, available=False)
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    rooms["queued"] = _open(anonymous, "t-queued", "Quentin Queued")
    return rooms


def test_managers_list_every_chat_and_agents_only_their_own(
    chats: dict[str, dict[str, Any]], manager: Persona, agent: Persona
) -> None:
    everything = manager.get("/api/v1/livechat/rooms")
    assert _ids(everything) == {room["_id"] for room in chats.values()}
    assert everything.json()["total"] == 4
    mine = agent.get("/api/v1/livechat/rooms", params={"agents[]": agent.id})
    assert _ids(mine) == {chats["open"]["_id"], chats["closed"]["_id"]}
    assert_error(agent.get("/api/v1/livechat/rooms"), 403, "error-unauthorized")
    assert_error(
        agent.get("/api/v1/livechat/rooms", params={"agents": [agent.id, "someone"]}),
        403,
        "error-unauthorized",
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"roomName": "held"}, {"held"}),
        ({"roomName": '"Carl Closed"'}, {"closed"}),
        ({"roomName": '"Carl"'}, set()),
        ({"open": "true"}, {"open"}),
        ({"open": "false"}, {"closed"}),
        ({"open": "true", "onhold": "true"}, {"held"}),
        ({"open": "true", "queued": "true"}, {"queued"}),
        ({"tags[]": "vip"}, {"closed"}),
        ({"tags": ["nope", "refund"]}, {"closed"}),
        ({"customFields": json.dumps({"orderId": "a-10"})}, {"open"}),
    ],
)
def test_each_filter_narrows_the_listing(
    chats: dict[str, dict[str, Any]], manager: Persona, params: dict[str, Any], expected: set[str]
) -> None:
    response = manager.get("/api/v1/livechat/rooms", params=params)
    assert _ids(response) == {chats[name]["_id"] for name in expected}


def test_department_agent_and_date_filters(
    chats: dict[str, dict[str, Any]], manager: Persona, agent2: Persona
) -> None:
    department_id = chats["open"]["_id"]
    rooms = manager.get("/api/v1/livechat/rooms", params={"open": "true"}).json()["rooms"]
    department_id = rooms[0]["departmentId"]
    assert rooms[0]["department"]["name"] == "Sales"
    assert _ids(manager.get("/api/v1/livechat/rooms", params={"departmentId": department_id})) == {
        chats["open"]["_id"]
    }
    assert _ids(manager.get("/api/v1/livechat/rooms", params={"agents[]": agent2.id})) == {
        chats["held"]["_id"]
    }

    now = utcnow()
    future = json.dumps({"start": (now + timedelta(days=1)).isoformat()})
    today = json.dumps(
        {"start": (now - timedelta(hours=1)).isoformat(), "end": (now + timedelta(hours=1)).isoformat()}
    )
    assert _ids(manager.get("/api/v1/livechat/rooms", params={"createdAt": future})) == set()
    assert len(_ids(manager.get("/api/v1/livechat/rooms", params={"createdAt": today}))) == 4
    assert _ids(manager.get("/api/v1/livechat/rooms", params={"closedAt": today})) == {chats["closed"]["_id"]}
    # A tag with an agent and a window: the tag's rooms are narrowed to the window as well.
    alex = chats["open"]["servedBy"]["_id"]
    # Closed chats of one agent or department: the agent's index leads, closed is tested on the row.
    assert _ids(manager.get("/api/v1/livechat/rooms", params={"open": "false", "agents[]": alex})) == {
        chats["closed"]["_id"]
    }
    assert (
        _ids(manager.get("/api/v1/livechat/rooms", params={"open": "false", "departmentId": department_id}))
        == set()
    )
    tagged_today = {"tags[]": "vip", "agents[]": alex, "createdAt": today}
    assert _ids(manager.get("/api/v1/livechat/rooms", params=tagged_today)) == {chats["closed"]["_id"]}
    assert _ids(manager.get("/api/v1/livechat/rooms", params={**tagged_today, "createdAt": future})) == set()


def test_bad_filters_are_explained(chats: dict[str, dict[str, Any]], manager: Persona) -> None:
    bad_date = manager.get("/api/v1/livechat/rooms", params={"createdAt": json.dumps({"start": "yesterday"})})
    assert_error(
        bad_date, 400, "error-invalid-params", 'The "createdAt.start" query parameter must be a valid date.'
    )
    bad_end = manager.get("/api/v1/livechat/rooms", params={"closedAt": json.dumps({"end": "soon"})})
    assert_error(
        bad_end, 400, "error-invalid-params", 'The "closedAt.end" query parameter must be a valid date.'
    )
    bad_fields = manager.get("/api/v1/livechat/rooms", params={"customFields": "[1]"})
    assert_error(
        bad_fields, 400, "error-invalid-params", 'The "customFields" query parameter must be a valid JSON.'
    )
    assert_error(manager.get("/api/v1/livechat/rooms", params={"open": "maybe"}), 400, "invalid-params")
    assert_error(
        manager.get("/api/v1/livechat/rooms", params={"sort": '{"nope": 1}'}), 400, "error-invalid-sort-field"
    )


def test_listing_pages_and_sorts(chats: dict[str, dict[str, Any]], manager: Persona) -> None:
    page = manager.get(
        "/api/v1/livechat/rooms", params={"count": 2, "offset": 1, "sort": '{"fname": 1}'}
    ).json()
    assert (page["count"], page["offset"], page["total"]) == (2, 1, 4)
    assert [room["fname"] for room in page["rooms"]] == ["Hana Held", "Olivia Open"]


def test_rows_carry_what_the_chats_tab_shows(chats: dict[str, dict[str, Any]], manager: Persona) -> None:
    rows = {row["_id"]: row for row in manager.get("/api/v1/livechat/rooms").json()["rooms"]}
    closed = rows[chats["closed"]["_id"]]
    assert closed["tags"] == ["refund", "vip"]
    assert closed["source"] == {"type": "api"}
    assert closed["verified"] is False
    assert closed["contactId"]
    assert closed["servedBy"]["username"] == "alex"
    assert closed["lastMessage"]["t"] == "livechat-close"
    assert rows[chats["queued"]["_id"]]["priorityWeight"] == 99
    assert manager.get("/api/v1/livechat/rooms/filters").json()["filters"] == [{"type": "api"}]


def test_room_information_is_saved_by_the_serving_agent_or_a_supervisor(
    services: Services, chats: dict[str, dict[str, Any]], agent: Persona, agent2: Persona, manager: Persona
) -> None:
    with services.transaction() as session:
        session.add(CustomField(id="orderId", label="Order", scope="room"))
        priority = session.scalar(select(Priority).where(Priority.sort_item == 1))
        if priority is None:
            priority = Priority(i18n="Highest", sort_item=1)
            session.add(priority)
            session.flush()
        priority_id = priority.id
    room = chats["open"]
    body = {
        "guestData": {"_id": room["v"]["_id"], "name": "Olivia Renamed"},
        "roomData": {
            "_id": room["_id"],
            "topic": "  Delivery  ",
            "tags": ["shipping", "shipping", " urgent "],
            "livechatData": {"orderId": "B-2002"},
            "priorityId": priority_id,
        },
    }
    assert agent.post("/api/v1/livechat/room.saveInfo", json=body).json() == {"success": True}
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert (info["topic"], info["tags"], info["livechatData"]) == (
        "Delivery",
        ["shipping", "urgent"],
        {"orderId": "B-2002"},
    )
    assert (info["priorityId"], info["priorityWeight"]) == (priority_id, 1)
    assert info["v"]["name"] == "Olivia Renamed"

    assert_error(agent2.post("/api/v1/livechat/room.saveInfo", json=body), 403, "error-unauthorized")
    clearing = {
        "guestData": body["guestData"],
        "roomData": {"_id": room["_id"], "topic": "", "priorityId": ""},
    }
    assert manager.post("/api/v1/livechat/room.saveInfo", json=clearing).status_code == 200
    info = manager.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert "topic" not in info and "priorityId" not in info and info["priorityWeight"] == 99
    bad_priority = {"guestData": body["guestData"], "roomData": {"_id": room["_id"], "priorityId": "nope"}}
    assert_error(
        manager.post("/api/v1/livechat/room.saveInfo", json=bad_priority), 400, "error-invalid-priority"
    )


def test_hold_and_resume(
    services: Services,
    chats: dict[str, dict[str, Any]],
    agent2: Persona,
    manager: Persona,
    anonymous: TestClient,
) -> None:
    held = chats["held"]
    assert_error(
        agent2.post("/api/v1/livechat/room.onHold", json={"roomId": held["_id"]}),
        400,
        "error-room-is-already-on-hold",
    )
    assert agent2.post("/api/v1/livechat/room.resumeOnHold", json={"roomId": held["_id"]}).status_code == 200
    assert_error(
        agent2.post("/api/v1/livechat/room.resumeOnHold", json={"roomId": held["_id"]}),
        400,
        "error-room-not-on-hold",
    )
    agent2.post("/api/v1/livechat/room.onHold", json={"roomId": held["_id"]})
    # A visitor writing to a held chat brings it back.
    assert guest(anonymous, "t-held").say(held["_id"], "hello?").status_code == 200
    info = agent2.get("/api/v1/livechat/room.info", params={"roomId": held["_id"]}).json()["room"]
    assert info["onHold"] is False
    queued = chats["queued"]
    assert_error(
        agent2.post("/api/v1/livechat/room.onHold", json={"roomId": queued["_id"]}), 400, "Not_authorized"
    )
    assert_error(
        manager.post("/api/v1/livechat/room.onHold", json={"roomId": queued["_id"]}),
        400,
        "error-unserved-rooms-cannot-be-placed-onhold",  # Rocket.Chat's placeRoomOnHold error
    )


def test_forward_to_an_agent_and_to_a_department(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    set_available(services, agent, agent2)
    set_setting(services, "Livechat_Routing_Method", "Auto_Selection")
    room = _open(anonymous, "t-forward", "Fiona Forward")
    serving = room["servedBy"]["_id"]
    other = agent2 if serving == agent.id else agent
    me = agent if serving == agent.id else agent2
    forwarded = me.post(
        "/api/v1/livechat/room.forward",
        json={"roomId": room["_id"], "userId": other.id, "comment": "billing"},
    )
    assert forwarded.json() == {"success": True}
    info = other.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert info["servedBy"]["_id"] == other.id
    assert info["lastMessage"]["t"] == "livechat_transfer_history"
    assert info["lastMessage"]["transferData"]["comment"] == "billing"
    same = other.post("/api/v1/livechat/room.forward", json={"roomId": room["_id"], "userId": other.id})
    assert_error(same, 400, "error-selected-agent-room-agent-are-same")

    support = make_department(services, "Support", me)
    moved = manager.post(
        "/api/v1/livechat/room.forward", json={"roomId": room["_id"], "departmentId": support}
    )
    assert moved.status_code == 200, moved.text
    info = manager.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert (info["departmentId"], info["servedBy"]["_id"]) == (support, me.id)
    empty = make_department(services, "Empty")
    nobody = manager.post(
        "/api/v1/livechat/room.forward", json={"roomId": room["_id"], "departmentId": empty}
    )
    assert_error(nobody, 400, "error-no-agents-online-in-department")


def test_only_closed_chats_are_removed_and_only_with_permission(
    chats: dict[str, dict[str, Any]], agent: Persona, manager: Persona
) -> None:
    closed, open_ = chats["closed"], chats["open"]
    assert_error(
        agent.post("/api/v1/livechat/rooms.delete", json={"roomId": closed["_id"]}), 403, "error-unauthorized"
    )
    assert_error(
        manager.post("/api/v1/livechat/rooms.delete", json={"roomId": open_["_id"]}),
        400,
        "error-room-not-closed",
    )
    assert manager.post("/api/v1/livechat/rooms.delete", json={"roomId": closed["_id"]}).json() == {
        "success": True
    }
    assert closed["_id"] not in _ids(manager.get("/api/v1/livechat/rooms"))
    assert_error(
        manager.post("/api/v1/livechat/rooms.delete", json={"roomId": closed["_id"]}),
        400,
        "error-invalid-room",
    )


def test_searching_inside_one_conversation(
    chats: dict[str, dict[str, Any]], anonymous: TestClient, agent: Persona
) -> None:
    room = chats["open"]
    visitor = guest(anonymous, "t-open")
    for text in ("My parcel is missing", "The tracking number is 123", "thanks"):
        visitor.say(room["_id"], text)
    send_as_agent(agent, room["_id"], "I found your PARCEL")
    found = agent.get(f"/api/v1/livechat/{room['_id']}/messages", params={"searchTerm": "parcel"}).json()
    assert [m["msg"] for m in found["messages"]] == ["My parcel is missing", "I found your PARCEL"]
    assert found["total"] == 2
    newest = agent.get(
        f"/api/v1/livechat/{room['_id']}/messages", params={"sort": '{"ts": -1}', "count": 1}
    ).json()
    assert newest["messages"][0]["msg"] == "I found your PARCEL" and newest["total"] == 4


def test_agents_cannot_open_other_agents_chats(chats: dict[str, dict[str, Any]], agent: Persona) -> None:
    held = chats["held"]
    assert_error(
        agent.get("/api/v1/livechat/room.info", params={"roomId": held["_id"]}), 403, "error-unauthorized"
    )
    assert_error(agent.get(f"/api/v1/livechat/{held['_id']}/messages"), 403, "error-unauthorized")
    # A queued chat is visible to the agents who could take it.
    assert (
        agent.get("/api/v1/livechat/room.info", params={"roomId": chats["queued"]["_id"]}).status_code == 200
    )


def test_widget_config_agent_info_and_the_visitor_record(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    config = anonymous.get("/api/v1/livechat/config").json()["config"]
    assert config["enabled"] is True and config["online"] is False
    assert config["theme"]["title"] == "Omnidesk"
    set_available(services, agent)
    visitor = guest(anonymous, "t-config")
    visitor.register(name="Config Carla", email="carla@example.com")
    room = visitor.open_room()
    mine = anonymous.get("/api/v1/livechat/config", params={"token": "t-config"}).json()["config"]
    assert mine["online"] is True
    assert mine["guest"]["name"] == "Config Carla"
    assert mine["room"]["_id"] == room["_id"]
    assert mine["agent"]["username"] == "alex"
    assert (
        anonymous.get(f"/api/v1/livechat/agent.info/{room['_id']}/t-config").json()["agent"]["username"]
        == "alex"
    )
    set_setting(services, "Livechat_show_agent_info", False)
    assert anonymous.get(f"/api/v1/livechat/agent.info/{room['_id']}/t-config").json()["agent"] == {
        "hiddenInfo": True
    }

    record = anonymous.get("/api/v1/livechat/visitor/t-config").json()["visitor"]
    assert record["visitorEmails"] == [{"address": "carla@example.com"}]
    assert_error(anonymous.delete("/api/v1/livechat/visitor/t-config"), 400, "visitor-has-open-rooms")
    visitor.close(room["_id"])
    removed = anonymous.delete("/api/v1/livechat/visitor/t-config").json()
    assert removed["visitor"]["_id"] == record["_id"]
    assert_error(anonymous.get("/api/v1/livechat/visitor/t-config"), 400, "invalid-token")


def test_offline_messages_are_kept_and_emailed(services: Services, anonymous: TestClient) -> None:
    set_setting(services, "Livechat_offline_email", "support@example.com")
    body = {
        "name": "Night Owl",
        "email": "owl@example.com",
        "message": "Call me tomorrow",
        "host": "shop.example.com",
    }
    response = anonymous.post("/api/v1/livechat/offline.message", json=body)
    assert response.json() == {"message": "Livechat offline message sent", "success": True}
    with services.transaction() as session:
        emails = session.scalars(select(OutboundEmail)).all()
        assert [(e.to_address, e.reply_to) for e in emails] == [("support@example.com", "owl@example.com")]
        assert "Call me tomorrow" in emails[0].body_text
    invalid = anonymous.post("/api/v1/livechat/offline.message", json={**body, "email": "not-an-email"})
    assert_error(invalid, 400, "error-invalid-email")


def test_a_tag_lists_its_chats_newest_first_and_the_total_stops_at_the_limit(
    chats: dict[str, dict[str, Any]], services: Services, manager: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = chats["held"]["_id"]  # opened after the closed chat, which is tagged "vip" already
    assert (
        manager.post(
            "/api/v1/livechat/room.saveInfo",
            json={
                "guestData": {"_id": chats["held"]["v"]["_id"]},
                "roomData": {"_id": held, "tags": ["vip"]},
            },
        ).status_code
        == 200
    )
    listed = manager.get("/api/v1/livechat/rooms", params={"tags[]": "vip"}).json()
    assert [room["_id"] for room in listed["rooms"]] == [held, chats["closed"]["_id"]]
    assert listed["total"] == 2 and "totalCapped" not in listed

    monkeypatch.setattr(counting, "EXACT_TOTAL_LIMIT", 1)
    capped = manager.get("/api/v1/livechat/rooms", params={"tags[]": "vip", "count": 1}).json()
    assert [room["_id"] for room in capped["rooms"]] == [held]
    assert capped["total"] == 1 and capped["totalCapped"] is True
    everything = manager.get("/api/v1/livechat/rooms", params={"count": 3}).json()
    assert len(everything["rooms"]) == 3 and everything["total"] == 1 and everything["totalCapped"] is True
    # A page that ends the list says how long the list is, whatever the limit: nothing is counted.
    last_page = manager.get("/api/v1/livechat/rooms", params={"count": 3, "offset": 2}).json()
    assert len(last_page["rooms"]) == 2 and last_page["total"] == 4 and "totalCapped" not in last_page


def test_an_agent_department_tag_and_closed_listing_reads_indexes_alone(
    chats: dict[str, dict[str, Any]], services: Services, manager: Persona
) -> None:
    alex = chats["open"]["servedBy"]["_id"]
    department_id = manager.get("/api/v1/livechat/rooms", params={"open": "true"}).json()["rooms"][0][
        "departmentId"
    ]
    executed: list[tuple[str, Any]] = []

    def record(_connection: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        executed.append((statement, parameters))

    filters = {"agents[]": alex, "departmentId": department_id, "tags[]": "vip", "open": "false"}
    event.listen(services.db.engine, "before_cursor_execute", record)
    try:
        response = manager.get("/api/v1/livechat/rooms", params=filters)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", record)
    assert response.status_code == 200, response.text
    page = next(sql for sql in executed if "FROM rooms" in sql[0] and "ORDER BY" in sql[0])
    with services.db.session(write=False) as session:
        raw = session.connection().connection.driver_connection
        cursor = raw.cursor()  # type: ignore[union-attr]
        if services.db.dialect == "sqlite":
            plan = " | ".join(str(row) for row in cursor.execute("EXPLAIN QUERY PLAN " + page[0], page[1]))
            # The closed test and the tag's list need no read of a room's row (migration 0011), and the
            # list is the tag's rooms in the window, from its own index.
            assert "COVERING INDEX ix_rooms_served_by_department_created_open" in plan, plan
            assert "COVERING INDEX ix_room_tags_tag_created" in plan, plan
        else:
            # PostgreSQL picks among the indexes by its statistics, which a handful of rooms do not
            # make telling; the index that makes the walk index-only is there.
            index = "ix_rooms_served_by_department_created_open"
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", (index,))
            (definition,) = cursor.fetchone()
            assert "(served_by_id, department_id, created_at, open, id)" in definition, definition
