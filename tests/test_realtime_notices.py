"""Realtime notices of the workspace: settings, permissions, roles, users, presence, agents' availability
and departments, priorities (as Rocket.Chat pushes them), and Omnidesk's own notice to staff that a
chat, call or contact changed. Each reaches who should hear it, and not who should not.

A connection's frames arrive in the order their events were published, so a frame received for a
later change proves that nothing was pushed for an earlier one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from omnidesk.app import create_app
from omnidesk.services import Services
from tests.conftest import make_persona
from tests.ddp_client import DDPClient, running_server
from tests.helpers import Persona, create_contact
from tests.livechat_helpers import guest, make_department, set_available, set_setting

NOTIFY_ALL = "stream-notify-all"
NOTIFY_LOGGED = "stream-notify-logged"
NOTIFY_USER = "stream-notify-user"
MESSAGES = "stream-room-messages"
CONTACT_CENTER = "omnidesk.contact-center-changed"
NO_COLLECTION = {"useCollection": False, "args": []}


@pytest.fixture(scope="module")
def url(services: Services) -> Iterator[str]:
    with running_server(create_app(services)) as ws_url:
        yield ws_url


@pytest.fixture
def plain_user(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "uma", ["user"], "Uma User")


@contextmanager
def listening(url: str, persona: Persona | None, *streams: tuple[str, str]) -> Iterator[DDPClient]:
    """A connection logged in as ``persona`` (None: nobody), subscribed to each (stream, event name).

    The persona is online first, so its connecting changes no presence (the notices tested here would
    otherwise follow the presence change of the login)."""
    if persona is not None:
        assert persona.post("/api/v1/users.setStatus", json={"status": "online"}).status_code == 200
    with DDPClient(url) as client:
        if persona is not None:
            client.login(persona.token)
        for name, key in streams:
            answer = client.subscribe(name, key, NO_COLLECTION)
            assert answer["msg"] == "ready", answer
        yield client


def refused(client: DDPClient, name: str, key: str) -> bool:
    answer = client.subscribe(name, key, NO_COLLECTION)
    return answer["msg"] == "nosub" and answer["error"]["error"] == "not-allowed"


def events_named(client: DDPClient, name: str, key: str) -> list[list[Any]]:
    """The args of every pending frame of this stream event (received and not yet expected)."""
    return [
        frame["fields"]["args"]
        for frame in client.stream_frames()
        if frame["collection"] == name and frame["fields"]["eventName"] == key
    ]


def change_setting(admin: Persona, setting_id: str, value: Any) -> None:
    response = admin.post(f"/api/v1/settings/{setting_id}", json={"value": value})
    assert response.status_code == 200, response.text


def grant(admin: Persona, permission: str, roles: list[str]) -> None:
    body = {"permissions": [{"_id": permission, "roles": roles}]}
    response = admin.post("/api/v1/permissions.update", json=body)
    assert response.status_code == 200, response.text


def open_chat(client: TestClient, token: str) -> str:
    visitor = guest(client, token, widget=True)
    visitor.register(name=f"Visitor {token}")
    rid: str = visitor.open_room()["_id"]
    return rid


# --- settings ------------------------------------------------------------------------------------------


def test_public_settings_reach_everyone_and_every_setting_only_who_may_view_private_ones(
    admin: Persona, agent: Persona, url: str
) -> None:
    public = [(NOTIFY_ALL, "public-settings-changed"), (NOTIFY_ALL, "public-info")]
    private = (NOTIFY_LOGGED, "private-settings-changed")
    with listening(url, None, *public) as anyone, listening(url, admin, private) as reader:
        with listening(url, agent) as staff:
            assert refused(staff, *private)
        assert refused(anyone, *private)  # stream-notify-logged needs a login

        change_setting(admin, "Livechat_Routing_Method", "Manual_Selection")  # not public
        change_setting(admin, "Livechat_title", "Talk to us")
        change_setting(admin, "SMTP_Password", "hunter2")

        title = {"_id": "Livechat_title", "value": "Talk to us"}
        assert anyone.event(NOTIFY_ALL, "public-settings-changed") == ["updated", title]
        assert anyone.event(NOTIFY_ALL, "public-info") == [["public-settings-changed", ["updated", title]]]
        assert anyone.stream_frames() == []  # nothing of the private routing method before it

        routing = {"_id": "Livechat_Routing_Method", "value": "Manual_Selection"}
        assert reader.event(*private) == ["updated", routing]
        assert reader.event(*private) == ["updated", title]
        # A secret is shown as REST shows it: only that it is set.
        assert reader.event(*private) == ["updated", {"_id": "SMTP_Password", "value": "********"}]


def test_private_settings_stop_reaching_who_loses_the_permission(
    admin: Persona, manager: Persona, url: str
) -> None:
    grant(admin, "view-privileged-setting", ["admin", "livechat-manager"])
    streams = [(NOTIFY_LOGGED, "private-settings-changed"), (NOTIFY_ALL, "public-settings-changed")]
    with listening(url, manager, *streams) as client:
        change_setting(admin, "Livechat_title", "While allowed")
        assert client.event(NOTIFY_LOGGED, "private-settings-changed")[1]["value"] == "While allowed"
        assert client.event(NOTIFY_ALL, "public-settings-changed")[1]["value"] == "While allowed"

        grant(admin, "view-privileged-setting", ["admin"])
        change_setting(admin, "Livechat_title", "Not for the manager")
        change_setting(admin, "Site_Name", "Later")
        assert client.event(NOTIFY_ALL, "public-settings-changed")[1]["_id"] == "Livechat_title"
        assert client.event(NOTIFY_ALL, "public-settings-changed")[1]["_id"] == "Site_Name"
        assert events_named(client, NOTIFY_LOGGED, "private-settings-changed") == []


# --- permissions, roles, users -----------------------------------------------------------------------------


def test_permission_changes_reach_every_logged_in_user(admin: Persona, agent: Persona, url: str) -> None:
    with listening(url, agent, (NOTIFY_LOGGED, "permissions-changed")) as client:
        grant(admin, "view-livechat-analytics", ["admin", "livechat-agent"])
        action, permission = client.event(NOTIFY_LOGGED, "permissions-changed")
        assert action == "updated"
        assert permission["_id"] == "view-livechat-analytics"
        assert permission["roles"] == ["admin", "livechat-agent"]
        assert set(permission["_updatedAt"]) == {"$date"}


def test_roles_given_and_taken_reach_every_logged_in_user(
    admin: Persona, agent: Persona, agent2: Persona, url: str
) -> None:
    with listening(url, agent2, (NOTIFY_LOGGED, "roles-change")) as client:
        body = {"roleId": "livechat-manager", "username": "alex"}
        assert admin.post("/api/v1/roles.addUserToRole", json=body).status_code == 200
        user = {"_id": agent.id, "username": "alex"}
        assert client.event(NOTIFY_LOGGED, "roles-change") == [
            {"type": "added", "_id": "livechat-manager", "u": user}
        ]
        # users.update tells the roles it takes away too.
        update = {"userId": agent.id, "data": {"roles": ["livechat-agent", "user"]}}
        assert admin.post("/api/v1/users.update", json=update).status_code == 200
        assert client.event(NOTIFY_LOGGED, "roles-change") == [
            {"type": "removed", "_id": "livechat-manager", "u": user}
        ]


def test_a_user_hears_its_own_record_and_everyone_hears_a_new_username(
    admin: Persona, agent: Persona, agent2: Persona, url: str
) -> None:
    own = (NOTIFY_USER, f"{agent.id}/userData")
    with (
        listening(url, agent, own) as mine,
        listening(url, agent2, (NOTIFY_LOGGED, "Users:NameChanged")) as other,
    ):
        assert refused(other, *own)  # another user's record is its own business

        renamed = {"userId": agent.id, "data": {"name": "Alexandra Agent"}}
        assert admin.post("/api/v1/users.update", json=renamed).status_code == 200
        (data,) = mine.event(*own)
        assert (data["type"], data["id"], data["unset"]) == ("updated", agent.id, {})
        assert data["diff"]["name"] == "Alexandra Agent" and data["diff"]["username"] == "alex"
        assert data["diff"]["emails"] == [{"address": "alex@example.com", "verified": False}]

        # A new real name is not news to others (Rocket.Chat: only with UI_Use_Real_Name); a username is.
        new_username = {"userId": agent.id, "data": {"username": "alexandra"}}
        assert admin.post("/api/v1/users.update", json=new_username).status_code == 200
        assert other.event(NOTIFY_LOGGED, "Users:NameChanged") == [
            {"_id": agent.id, "name": "Alexandra Agent", "username": "alexandra"}
        ]
        assert other.stream_frames() == []
        assert mine.event(*own)[0]["diff"]["username"] == "alexandra"


def test_presence_reaches_logged_in_users_and_the_users_own_record(
    agent: Persona, agent2: Persona, url: str
) -> None:
    own = (NOTIFY_USER, f"{agent.id}/userData")
    with listening(url, agent, own) as mine, listening(url, agent2, (NOTIFY_LOGGED, "user-status")) as other:
        body = {"status": "away", "message": "lunch"}
        assert agent.post("/api/v1/users.setStatus", json=body).status_code == 200
        ((user_id, username, code, text, name, roles),) = other.event(NOTIFY_LOGGED, "user-status")
        assert (user_id, username, code, text, name) == (agent.id, "alex", 2, "lunch", "Alex Agent")
        assert sorted(roles) == ["livechat-agent", "user"]
        assert mine.event(*own) == [
            {
                "type": "updated",
                "id": agent.id,
                "diff": {"status": "away", "statusText": "lunch"},
                "unset": {},
            }
        ]

        assert (
            agent.post("/api/v1/users.setStatus", json={"status": "online", "message": ""}).status_code == 200
        )
        assert other.event(NOTIFY_LOGGED, "user-status")[0][2:4] == [1, ""]
        assert mine.event(*own)[0]["unset"] == {"statusText": 1}


def test_an_agents_availability_reaches_its_own_sessions(agent: Persona, url: str) -> None:
    own = (NOTIFY_USER, f"{agent.id}/userData")
    with listening(url, agent, own) as client:
        assert agent.post("/api/v1/livechat/agent.status", json={"status": "available"}).status_code == 200
        assert client.event(*own) == [
            {"type": "updated", "id": agent.id, "diff": {"statusLivechat": "available"}, "unset": {}}
        ]


def test_a_deactivated_user_loses_its_subscriptions(admin: Persona, agent: Persona, url: str) -> None:
    own = (NOTIFY_USER, f"{agent.id}/userData")
    with listening(url, agent, own, (NOTIFY_LOGGED, "roles-change")) as client:
        deactivate = {"userId": agent.id, "data": {"active": False}}
        assert admin.post("/api/v1/users.update", json=deactivate).status_code == 200
        assert client.event(*own)[0]["diff"]["active"] is False
        ended = {client.expect(lambda frame: frame.get("msg") == "nosub")["id"] for _ in range(2)}
        assert len(ended) == 2


def test_a_role_or_a_grant_taken_away_ends_the_room_subscriptions_it_allowed(
    services: Services, anonymous: TestClient, admin: Persona, agent: Persona, url: str
) -> None:
    set_available(services, agent)
    rid = open_chat(anonymous, "tok-role-lost")
    with listening(url, agent, (MESSAGES, rid), (NOTIFY_LOGGED, "roles-change")) as client:
        body = {"roleId": "livechat-agent", "username": "alex"}
        assert admin.post("/api/v1/roles.removeUserFromRole", json=body).status_code == 200
        ended = client.expect(lambda frame: frame.get("msg") == "nosub")
        assert ended["error"]["error"] == "not-allowed"
        assert client.subscribe(MESSAGES, rid, NO_COLLECTION)["msg"] == "nosub"
        assert client.event(NOTIFY_LOGGED, "roles-change")[0]["type"] == "removed"  # that one stays

    assert admin.post("/api/v1/roles.addUserToRole", json=body).status_code == 200
    with listening(url, agent, (MESSAGES, rid)) as client:
        grant(admin, "view-l-room", ["admin", "livechat-manager", "livechat-monitor"])
        assert client.expect(lambda frame: frame.get("msg") == "nosub")["error"]["error"] == "not-allowed"


# --- agents and departments, priorities ------------------------------------------------------------------


def save_agents(manager: Persona, department_id: str, **body: list[dict[str, Any]]) -> None:
    payload = {"upsert": body.get("upsert", []), "remove": body.get("remove", [])}
    response = manager.post(f"/api/v1/livechat/department/{department_id}/agents", json=payload)
    assert response.status_code == 200, response.text


def test_agents_hear_when_they_join_or_leave_a_department(
    services: Services, manager: Persona, agent: Persona, agent2: Persona, url: str
) -> None:
    sales = make_department(services, "Sales")
    mine = (NOTIFY_USER, f"{agent.id}/departmentAgentData")
    theirs = (NOTIFY_USER, f"{agent2.id}/departmentAgentData")
    with listening(url, agent, mine) as alex, listening(url, agent2, theirs) as bea:
        save_agents(manager, sales, upsert=[{"agentId": agent.id}])
        (joined,) = alex.event(*mine)
        assert joined["action"] == "inserted" and len(joined["_id"]) == 17
        assert (joined["agentId"], joined["departmentId"]) == (agent.id, sales)

        save_agents(manager, sales, remove=[{"agentId": agent.id}])
        assert alex.event(*mine) == [{**joined, "action": "removed"}]

        save_agents(manager, sales, upsert=[{"agentId": agent2.id}])
        assert bea.event(*theirs)[0]["action"] == "inserted"
        assert bea.stream_frames() == []  # nothing of alex's comings and goings


def test_an_agent_taken_out_of_a_department_stops_reading_its_queued_chats(
    services: Services, anonymous: TestClient, manager: Persona, agent: Persona, url: str
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    sales = make_department(services, "Sales", agent)
    set_available(services, agent)
    visitor = guest(anonymous, "tok-sales-queue", widget=True)
    visitor.register(name="Queued in Sales", department=sales)
    rid = visitor.open_room()["_id"]
    with listening(url, agent, (MESSAGES, rid)) as client:
        save_agents(manager, sales, remove=[{"agentId": agent.id}])
        ended = client.expect(lambda frame: frame.get("msg") == "nosub")
        assert ended["error"]["error"] == "not-allowed"


def test_priority_names_reach_every_logged_in_user(manager: Persona, agent: Persona, url: str) -> None:
    priorities = manager.get("/api/v1/livechat/priorities").json()["priorities"]
    high = next(priority for priority in priorities if priority["i18n"] == "High")
    with listening(url, agent, (NOTIFY_LOGGED, "omnichannel.priority-changed")) as client:
        path = f"/api/v1/livechat/priorities/{high['_id']}"
        assert manager.client.put(path, json={"name": "Urgent"}, headers=manager.headers).status_code == 200
        assert client.event(NOTIFY_LOGGED, "omnichannel.priority-changed") == [
            {"id": high["_id"], "clientAction": "updated", "name": "Urgent"}
        ]
        assert manager.client.put(path, json={"reset": True}, headers=manager.headers).status_code == 200
        assert client.event(NOTIFY_LOGGED, "omnichannel.priority-changed") == [
            {"id": high["_id"], "clientAction": "updated"}
        ]


# --- the Contact Center: chats, calls, contacts ----------------------------------------------------------


def notices_until(client: DDPClient, last_id: str) -> list[dict[str, Any]]:
    """The Contact Center notices received, up to the one about ``last_id`` (a marker every staff
    member hears: a contact just created)."""
    seen: list[dict[str, Any]] = []
    while not seen or seen[-1]["_id"] != last_id:
        seen.append(client.event(NOTIFY_LOGGED, CONTACT_CENTER)[0])
    return seen


def about(seen: list[dict[str, Any]], kind: str, item_id: str) -> list[str]:
    """The ops of the notices in ``seen`` about one item."""
    return [notice["op"] for notice in seen if (notice["type"], notice["_id"]) == (kind, item_id)]


def test_only_staff_may_listen_to_the_contact_center(plain_user: Persona, agent: Persona, url: str) -> None:
    with listening(url, plain_user) as user, listening(url, None) as nobody:
        assert refused(user, NOTIFY_LOGGED, CONTACT_CENTER)
        assert refused(nobody, NOTIFY_LOGGED, CONTACT_CENTER)
    with listening(url, agent, (NOTIFY_LOGGED, CONTACT_CENTER)):
        pass


def test_staff_hear_of_the_chats_they_may_see_and_no_other(
    services: Services,
    anonymous: TestClient,
    manager: Persona,
    agent: Persona,
    agent2: Persona,
    url: str,
) -> None:
    set_available(services, agent)  # the chat goes to alex, the only available agent
    stream = (NOTIFY_LOGGED, CONTACT_CENTER)
    with (
        listening(url, manager, stream) as mona,
        listening(url, agent, stream) as alex,
        listening(url, agent2, stream) as bea,
    ):
        rid = open_chat(anonymous, "tok-cc-chat")
        marker = create_contact(manager, name="First Marker")
        heard = {
            name: notices_until(client, marker)
            for name, client in (("mona", mona), ("alex", alex), ("bea", bea))
        }
        assert "served" in about(heard["mona"], "room", rid)
        assert "served" in about(heard["alex"], "room", rid)
        assert about(heard["bea"], "room", rid) == []
        # Contacts are every staff member's: the chat's new contact reached bea too.
        assert [notice["type"] for notice in heard["bea"]].count("contact") >= 2

        # A transfer serves bea the chat, and alex hears it went (its list drops it).
        set_available(services, agent2)
        forwarded = agent.post("/api/v1/livechat/room.forward", json={"roomId": rid, "userId": agent2.id})
        assert forwarded.status_code == 200, forwarded.text
        marker = create_contact(manager, name="Second Marker")
        assert about(notices_until(mona, marker), "room", rid) == ["served", "transferred"]
        assert about(notices_until(bea, marker), "room", rid) == ["served", "transferred"]
        # The "served" change names alex as the agent who lost the chat; the transfer's record after
        # it is about a chat alex no longer sees.
        assert about(notices_until(alex, marker), "room", rid) == ["served"]


def test_staff_hear_of_the_calls_they_may_see_and_no_other(
    manager: Persona, agent: Persona, agent2: Persona, url: str
) -> None:
    stream = (NOTIFY_LOGGED, CONTACT_CENTER)
    with (
        listening(url, manager, stream) as mona,
        listening(url, agent, stream) as alex,
        listening(url, agent2, stream) as bea,
    ):
        numbers = {"from": "+15550102233", "to": "+15550100000"}
        event = {"externalId": "pbx-1", "timestamp": "2026-03-02T09:00:00Z", **numbers}
        ringing = manager.post("/api/v1/omnichannel/calls.event", json={**event, "event": "ringing"})
        assert ringing.status_code == 200, ringing.text
        call_id = ringing.json()["call"]["_id"]
        # Each notice's audience is read when it is pushed: the ringing call's is pushed before the
        # call is answered, so what is heard of it does not depend on how soon the answer follows.
        rang = create_contact(manager, name="Ring Marker")
        heard = {name: about(notices_until(client, rang), "call", call_id) for name, client in
                 (("mona", mona), ("alex", alex), ("bea", bea))}  # fmt: skip
        answered = {
            **event,
            "event": "answered",
            "timestamp": "2026-03-02T09:00:10Z",
            "agentId": agent.id,
        }
        assert manager.post("/api/v1/omnichannel/calls.event", json=answered).status_code == 200
        marker = create_contact(manager, name="Call Marker")

        # A ringing call nobody answered yet is the supervisors'; once answered, its agent's too.
        assert heard["mona"] + about(notices_until(mona, marker), "call", call_id) == ["created", "updated"]
        assert heard["alex"] + about(notices_until(alex, marker), "call", call_id) == ["updated"]
        assert heard["bea"] + about(notices_until(bea, marker), "call", call_id) == []

        # Transferred to bea: both agents hear, alex for its list to drop the call.
        moved = {
            **event,
            "event": "transferred",
            "timestamp": "2026-03-02T09:01:00Z",
            "agentId": agent2.id,
        }
        assert manager.post("/api/v1/omnichannel/calls.event", json=moved).status_code == 200
        marker = create_contact(manager, name="Transfer Marker")
        assert about(notices_until(alex, marker), "call", call_id) == ["updated"]
        assert about(notices_until(bea, marker), "call", call_id) == ["updated"]
