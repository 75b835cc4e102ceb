"""livechat/users/{type} (agents and managers) and livechat/agent.status."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from omnidesk.events import AgentStatusChanged, DepartmentChanged, Event, RolesChanged
from omnidesk.models import Department, DepartmentAgent, Room, User, Visitor
from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error

AGENTS = "/api/v1/livechat/users/agent"
MANAGERS = "/api/v1/livechat/users/manager"
STATUS = "/api/v1/livechat/agent.status"


@pytest.fixture
def monitor(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "moe", ["livechat-monitor", "user"], "Moe Monitor")


@pytest.fixture
def plain_user(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "uma", ["user"], "Uma User")


def delete(persona: Persona, path: str) -> Any:
    return persona.client.delete(path, headers=persona.headers)


def add_department(services: Services, name: str, *agent_ids: str) -> str:
    with services.transaction() as session:
        department = Department(name=name)
        session.add(department)
        session.flush()
        for agent_id in agent_ids:
            session.add(DepartmentAgent(department_id=department.id, agent_id=agent_id))
        return department.id


def add_rooms(services: Services, agent_id: str, *, open_rooms: int, closed_rooms: int) -> None:
    with services.transaction() as session:
        visitor = Visitor(token=f"token-{agent_id}", username=f"guest-{agent_id}")
        session.add(visitor)
        session.flush()
        for number in range(open_rooms + closed_rooms):
            session.add(
                Room(
                    fname="Guest",
                    visitor_id=visitor.id,
                    source_type="widget",
                    served_by_id=agent_id,
                    open=number < open_rooms,
                )
            )


def livechat_status(services: Services, user_id: str) -> str:
    with services.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.livechat_status


def test_a_manager_lists_agents_with_their_departments_and_open_chats(
    services: Services, manager: Persona, agent: Persona, agent2: Persona
) -> None:
    sales = add_department(services, "Sales", agent.id)
    add_rooms(services, agent.id, open_rooms=2, closed_rooms=1)
    response = manager.get(AGENTS)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["count"], body["offset"], body["total"], body["success"]) == (2, 0, 2, True)
    alex, bea = body["users"]  # sorted by name: Alex Agent, Bea Agent
    assert alex == {
        "_id": agent.id,
        "username": "alex",
        "name": "Alex Agent",
        "status": "offline",
        "statusLivechat": "not-available",
        "emails": [{"address": "alex@example.com", "verified": False}],
        "livechatCount": 2,
        "statusDefault": "online",
        "roles": ["livechat-agent", "user"],
        "active": True,
        "departments": [sales],
    }
    assert bea["username"] == "bea"
    assert bea["departments"] == []
    assert bea["livechatCount"] == 0


def test_an_agent_may_list_agents_but_not_managers(agent: Persona, manager: Persona) -> None:
    response = agent.get(AGENTS)
    assert response.status_code == 200, response.text
    assert [user["username"] for user in response.json()["users"]] == ["alex"]
    assert_error(agent.get(MANAGERS), 403, "error-unauthorized")


def test_a_user_without_omnichannel_rights_lists_nobody(plain_user: Persona, agent: Persona) -> None:
    assert_error(plain_user.get(AGENTS), 403, "error-unauthorized")
    assert_error(plain_user.get(MANAGERS), 403, "error-unauthorized")


def test_managers_are_listed_without_departments(admin: Persona, manager: Persona, agent: Persona) -> None:
    response = admin.get(MANAGERS)
    assert response.status_code == 200, response.text
    users = response.json()["users"]
    assert [user["username"] for user in users] == ["mona"]
    assert "departments" not in users[0]


def test_an_unknown_user_type_is_refused(admin: Persona) -> None:
    assert_error(
        admin.get("/api/v1/livechat/users/user"),
        400,
        "error-invalid-type",
        "Invalid type",  # Rocket.Chat's Error("Invalid type"): the text alone
    )
    assert_error(
        admin.post("/api/v1/livechat/users/bot", json={"username": "alice"}), 400, "error-invalid-type"
    )
    assert_error(admin.get(f"/api/v1/livechat/users/bot/{admin.id}"), 400, "error-invalid-type")
    assert_error(delete(admin, f"/api/v1/livechat/users/bot/{admin.id}"), 400, "error-invalid-type")


def test_the_agent_list_filters_and_pages(
    services: Services, manager: Persona, agent: Persona, agent2: Persona
) -> None:
    make_persona(services, manager.client, "carl", ["livechat-agent"], "Carl 100%_Agent")
    assert [u["username"] for u in manager.get(AGENTS, params={"text": "BEA"}).json()["users"]] == ["bea"]
    assert [u["username"] for u in manager.get(AGENTS, params={"text": "%_"}).json()["users"]] == ["carl"]
    by_email = manager.get(AGENTS, params={"text": "alex@example"}).json()["users"]
    assert [u["username"] for u in by_email] == ["alex"]
    assert manager.post(STATUS, json={"status": "available", "agentId": agent2.id}).status_code == 200
    available = manager.get(AGENTS, params={"onlyAvailable": "true"}).json()["users"]
    assert [u["username"] for u in available] == ["bea"]
    others = manager.get(AGENTS, params={"excludeId": agent.id}).json()["users"]
    assert [u["username"] for u in others] == ["bea", "carl"]
    page = manager.get(AGENTS, params={"count": 1, "offset": 1, "sort": '{"username": -1}'}).json()
    assert (page["count"], page["offset"], page["total"]) == (1, 1, 3)
    assert [u["username"] for u in page["users"]] == ["bea"]
    assert_error(manager.get(AGENTS, params={"sort": '{"password": 1}'}), 400, "error-invalid-sort-field")
    assert_error(manager.get(AGENTS, params={"count": "lots"}), 400, "invalid-params")
    assert_error(manager.get(AGENTS, params={"nope": "1"}), 400, "invalid-params")


def test_a_manager_adds_an_agent(
    services: Services, manager: Persona, plain_user: Persona, published: list[Event]
) -> None:
    response = manager.post(AGENTS, json={"username": "UMA"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    user = body["user"]
    assert (user["_id"], user["username"], user["departments"]) == (plain_user.id, "uma", [])
    assert "livechat-agent" in user["roles"]
    # As Rocket.Chat: a new agent is available; it takes chats once it is present (online).
    assert user["statusLivechat"] == "available"
    assert RolesChanged(op="added", role_id="livechat-agent", user_id=plain_user.id) in published
    assert [u["username"] for u in manager.get(AGENTS).json()["users"]] == ["uma"]


def test_an_online_user_added_as_agent_is_available(
    services: Services, admin: Persona, plain_user: Persona, published: list[Event]
) -> None:
    assert plain_user.post("/api/v1/users.setStatus", json={"status": "online"}).status_code == 200
    user = admin.post(AGENTS, json={"username": "uma"}).json()["user"]
    assert user["statusLivechat"] == "available"
    assert AgentStatusChanged(user_id=plain_user.id, username="uma", status="available") in published


def test_adding_an_agent_twice_changes_nothing(
    manager: Persona, agent: Persona, published: list[Event]
) -> None:
    assert manager.post(STATUS, json={"status": "available", "agentId": agent.id}).status_code == 200
    published.clear()
    response = manager.post(AGENTS, json={"username": "alex"})
    assert response.status_code == 200, response.text
    assert response.json()["user"]["statusLivechat"] == "available"
    assert published == []


def test_an_agent_cannot_add_agents_or_managers(agent: Persona, plain_user: Persona) -> None:
    assert_error(agent.post(AGENTS, json={"username": "uma"}), 403, "error-unauthorized")
    assert_error(agent.post(MANAGERS, json={"username": "uma"}), 403, "error-unauthorized")
    assert_error(delete(agent, f"/api/v1/livechat/users/agent/{agent.id}"), 403, "error-unauthorized")


def test_a_monitor_adds_agents_but_not_managers(monitor: Persona, plain_user: Persona) -> None:
    assert monitor.post(AGENTS, json={"username": "uma"}).status_code == 200
    assert_error(monitor.post(MANAGERS, json={"username": "uma"}), 403, "error-unauthorized")


def test_a_manager_adds_and_removes_managers(manager: Persona, plain_user: Persona) -> None:
    response = manager.post(MANAGERS, json={"username": "uma"})
    assert response.status_code == 200, response.text
    assert "livechat-manager" in response.json()["user"]["roles"]
    assert "departments" not in response.json()["user"]
    assert delete(manager, f"/api/v1/livechat/users/manager/{plain_user.id}").json() == {"success": True}
    assert [u["username"] for u in manager.get(MANAGERS).json()["users"]] == ["mona"]


def test_adding_someone_unknown_or_with_a_bad_body_is_400(manager: Persona) -> None:
    assert_error(
        manager.post(AGENTS, json={"username": "ghost"}),
        400,
        "error-invalid-user",
        "Invalid user [error-invalid-user]",
    )
    assert_error(
        manager.post(AGENTS, json={}),
        400,
        "invalid-params",
        "must have required property 'username' [invalid-params]",
    )
    assert_error(
        manager.post(AGENTS, json={"username": 7}), 400, "invalid-params", "must be string [invalid-params]"
    )
    assert_error(manager.post(AGENTS, json={"username": "alex", "x": 1}), 400, "invalid-params")


def test_reading_one_agent_answers_null_for_non_agents(manager: Persona, agent: Persona) -> None:
    response = manager.get(f"/api/v1/livechat/users/agent/{agent.id}")
    assert response.status_code == 200, response.text
    user = response.json()["user"]
    assert (user["_id"], user["username"], user["statusLivechat"]) == (agent.id, "alex", "not-available")
    assert manager.get(f"/api/v1/livechat/users/manager/{agent.id}").json() == {"user": None, "success": True}
    assert manager.get("/api/v1/livechat/users/agent/nobody").json()["user"] is None
    assert_error(agent.get(f"/api/v1/livechat/users/agent/{agent.id}"), 403, "error-unauthorized")


def test_removing_an_agent_takes_them_out_of_departments_and_chats(
    services: Services, manager: Persona, agent: Persona, published: list[Event]
) -> None:
    sales = add_department(services, "Sales", agent.id)
    assert agent.post(STATUS, json={"status": "available"}).status_code == 200
    published.clear()
    response = delete(manager, f"/api/v1/livechat/users/agent/{agent.id}")
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    assert manager.get(AGENTS).json()["users"] == []
    assert livechat_status(services, agent.id) == "not-available"
    roles, left, status = published
    assert roles == RolesChanged(op="removed", role_id="livechat-agent", user_id=agent.id)
    assert isinstance(left, DepartmentChanged) and (left.op, left.department_id) == ("agents", sales)
    assert [(change.action, change.agent_id) for change in left.agents] == [("removed", agent.id)]
    assert status == AgentStatusChanged(user_id=agent.id, username="alex", status="not-available")
    departments = manager.get(f"/api/v1/livechat/department/{sales}/agents").json()
    assert departments["agents"] == []


def test_removing_a_role_the_user_lacks_succeeds_and_an_unknown_user_is_400(
    manager: Persona, plain_user: Persona
) -> None:
    assert delete(manager, f"/api/v1/livechat/users/agent/{plain_user.id}").json() == {"success": True}
    assert_error(delete(manager, "/api/v1/livechat/users/agent/nobody"), 400, "error-invalid-user")


def test_an_agent_toggles_their_own_status(
    services: Services, agent: Persona, published: list[Event]
) -> None:
    response = agent.post(STATUS, json={})
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "available", "success": True}
    assert livechat_status(services, agent.id) == "available"
    assert published == [AgentStatusChanged(user_id=agent.id, username="alex", status="available")]
    assert agent.post(STATUS, json={"status": None}).json()["status"] == "not-available"
    assert agent.post(STATUS, json={"status": "not-available"}).json()["status"] == "not-available"
    assert len(published) == 2  # setting the current status again is no change


def test_changing_another_agents_status_needs_manage_livechat_agents(
    services: Services, manager: Persona, agent: Persona, agent2: Persona
) -> None:
    # Rocket.Chat checks this permission by hand and answers its forbidden(): "unauthorized".
    refused = agent.post(STATUS, json={"status": "available", "agentId": agent2.id})
    assert_error(refused, 403, "error-unauthorized", "unauthorized")
    assert livechat_status(services, agent2.id) == "not-available"
    response = manager.post(STATUS, json={"status": "available", "agentId": agent2.id})
    assert response.json() == {"status": "available", "success": True}
    assert agent.post(STATUS, json={"agentId": agent.id}).json()["status"] == "available"


def test_the_status_of_a_non_agent_is_not_found(manager: Persona, plain_user: Persona) -> None:
    assert_error(manager.post(STATUS, json={}), 404, "error-not-found", "Agent not found")
    assert_error(manager.post(STATUS, json={"agentId": plain_user.id}), 404, "error-not-found")
    assert_error(manager.post(STATUS, json={"agentId": "nobody"}), 404, "error-not-found")
    assert_error(plain_user.post(STATUS, json={}), 403, "error-unauthorized")


def test_agent_status_refuses_bad_bodies(agent: Persona) -> None:
    bad = agent.post(STATUS, json={"status": "busy"})
    assert_error(bad, 400, "invalid-params", "must be equal to one of the allowed values [invalid-params]")
    assert_error(agent.post(STATUS, json={"agentId": 5}), 400, "invalid-params")
    assert_error(agent.post(STATUS, json={"mood": "happy"}), 400, "invalid-params")


def test_the_status_of_a_deactivated_agent_is_refused_with_the_bare_id(
    services: Services, manager: Persona, agent: Persona
) -> None:
    with services.transaction() as session:
        user = session.get(User, agent.id)
        assert user is not None
        user.active = False
    refused = manager.post(STATUS, json={"agentId": agent.id, "status": "available"})
    # Rocket.Chat answers API.v1.failure('error-user-deactivated'): the id alone.
    assert_error(refused, 400, "error-user-deactivated", "error-user-deactivated")


def test_saving_the_info_of_someone_who_is_no_agent_is_the_bare_id(
    manager: Persona, plain_user: Persona
) -> None:
    body = {"agentData": {}, "agentDepartments": []}
    for agent_id in (plain_user.id, "nobody"):
        refused = manager.post("/api/v1/livechat/agents.saveInfo", json={**body, "agentId": agent_id})
        assert_error(refused, 400, "error-user-is-not-agent", "error-user-is-not-agent")
