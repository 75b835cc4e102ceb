"""livechat/department, its agents, and livechat/agents/{agentId}/departments."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from omnidesk.events import DepartmentChanged, Event
from omnidesk.models import Department, Room, Visitor
from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import set_setting

DEPARTMENTS = "/api/v1/livechat/department"


@pytest.fixture
def plain_user(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "uma", ["user"], "Uma User")


def department_body(name: str = "Sales", **extra: Any) -> dict[str, Any]:
    return {
        "enabled": True,
        "name": name,
        "email": "",
        "showOnRegistration": True,
        "showOnOfflineForm": True,
        **extra,
    }


def create(
    persona: Persona, name: str = "Sales", agents: list[dict[str, Any]] | None = None, **extra: Any
) -> Any:
    body: dict[str, Any] = {"department": department_body(name, **extra)}
    if agents is not None:
        body["agents"] = agents
    response = persona.post(DEPARTMENTS, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def put(persona: Persona, department_id: str, body: dict[str, Any]) -> Any:
    return persona.client.put(f"{DEPARTMENTS}/{department_id}", json=body, headers=persona.headers)


def delete(persona: Persona, department_id: str) -> Any:
    return persona.client.delete(f"{DEPARTMENTS}/{department_id}", headers=persona.headers)


def agents_told(published: list[Event]) -> list[tuple[str, str, str, str, str]]:
    """(op, department, action, membership id, agent) of every agent told of its place in a department."""
    return [
        (event.op, event.department_id, change.action, change.membership_id, change.agent_id)
        for event in published
        if isinstance(event, DepartmentChanged)
        for change in event.agents
    ]


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.text
    return [department["name"] for department in response.json()["departments"]]


def test_a_manager_creates_a_department_with_agents(
    manager: Persona, agent: Persona, agent2: Persona, published: list[Event]
) -> None:
    body = create(
        manager,
        "Sales",
        agents=[{"agentId": agent.id, "count": 1, "order": 2}, {"agentId": agent2.id}],
        description="Buyers",
        email="Sales@Example.com",
        requestTagBeforeClosingChat=True,
        chatClosingTags=["deal", " "],
    )
    department = body["department"]
    assert len(department["_id"]) == 17
    assert {key: value for key, value in department.items() if key not in ("_id", "_updatedAt")} == {
        "name": "Sales",
        "enabled": True,
        "description": "Buyers",
        "email": "sales@example.com",
        "showOnRegistration": True,
        "showOnOfflineForm": True,
        "requestTagBeforeClosingChat": True,
        "chatClosingTags": ["deal"],
        "offlineMessageChannelName": "",
        "archived": False,
        "numAgents": 2,
    }
    assert department["_updatedAt"].endswith("Z")
    alex, bea = body["agents"]
    assert {key: value for key, value in alex.items() if key not in ("_id", "_updatedAt")} == {
        "agentId": agent.id,
        "departmentId": department["_id"],
        "departmentEnabled": True,
        "username": "alex",
        "count": 1,
        "order": 2,
    }
    assert (bea["username"], bea["count"], bea["order"]) == ("bea", 0, 0)
    # The agents are told they joined (departmentAgentData), with their places' ids.
    assert agents_told(published) == [
        ("agents", department["_id"], "inserted", alex["_id"], agent.id),
        ("agents", department["_id"], "inserted", bea["_id"], agent2.id),
    ]


def test_only_managers_create_departments(agent: Persona) -> None:
    response = agent.post(DEPARTMENTS, json={"department": department_body()})
    assert_error(response, 403, "error-unauthorized")


def test_department_input_is_validated(manager: Persona, agent: Persona, plain_user: Persona) -> None:
    def attempt(department: dict[str, Any], agents: list[dict[str, Any]] | None = None) -> Any:
        body: dict[str, Any] = {"department": department}
        if agents is not None:
            body["agents"] = agents
        return manager.post(DEPARTMENTS, json=body)

    missing = {key: value for key, value in department_body().items() if key != "email"}
    assert_error(
        attempt(missing), 400, "invalid-params", "must have required property 'email' [invalid-params]"
    )
    assert_error(
        attempt(department_body(enabled="yes")), 400, "invalid-params", "must be boolean [invalid-params]"
    )
    assert_error(attempt(department_body(name="  ")), 400, "error-the-field-is-required")
    assert_error(attempt(department_body(email="not-an-email")), 400, "error-invalid-email")
    assert_error(
        attempt(department_body(requestTagBeforeClosingChat=True)),
        400,
        "error-validating-department-chat-closing-tags",
    )
    assert_error(
        attempt(department_body(fallbackForwardDepartment="nowhere")),
        400,
        "error-fallback-department-not-found",
    )
    assert_error(attempt(department_body(custom={"nested": 1})), 400, "invalid-params")
    not_agent = attempt(department_body(), [{"agentId": plain_user.id}])
    assert_error(not_agent, 400, "error-user-is-not-agent", "User is not an agent [error-user-is-not-agent]")
    assert_error(attempt(department_body(), [{"agentId": "nobody"}]), 400, "error-invalid-user")
    assert_error(attempt(department_body(), [{"agentId": agent.id, "extra": 1}]), 400, "invalid-params")
    assert_error(manager.post(DEPARTMENTS, json={}), 400, "invalid-params")
    # Nothing was written by the failed attempts.
    assert manager.get(DEPARTMENTS).json()["total"] == 0


def test_scalar_custom_properties_and_forwarding_options_are_kept_and_answered(manager: Persona) -> None:
    """Rocket.Chat saves the whole department a client sends and answers it back, so its clients read
    what they saved (its own e2e test checks allowReceiveForwardOffline in the answer)."""
    body = create(
        manager,
        "Support",
        customLabel="x",
        priority=3,
        numAgents=99,  # what the answer computes is not taken from the client
        departmentsAllowedToForward=["other"],
        allowReceiveForwardOffline=True,
        waitingQueueMessage="Hold on",
        offlineMessageChannelName="offline-leads",
    )
    department = body["department"]
    assert department["name"] == "Support"
    kept = {
        "customLabel": "x",
        "priority": 3,
        "numAgents": 0,
        "departmentsAllowedToForward": ["other"],
        "allowReceiveForwardOffline": True,
        "waitingQueueMessage": "Hold on",
        "offlineMessageChannelName": "offline-leads",
    }
    assert {key: department[key] for key in kept} == kept
    read = manager.get(f"{DEPARTMENTS}/{department['_id']}").json()["department"]
    assert {key: read[key] for key in kept} == kept
    # An update replaces what it gives and keeps the rest, as Rocket.Chat's $set.
    update = {"department": department_body("Support", waitingQueueMessage="Soon", customLabel="y")}
    updated = put(manager, department["_id"], update).json()["department"]
    assert (updated["waitingQueueMessage"], updated["customLabel"]) == ("Soon", "y")
    assert (updated["allowReceiveForwardOffline"], updated["priority"]) == (True, 3)
    listed = manager.get(DEPARTMENTS).json()["departments"][0]
    assert listed["departmentsAllowedToForward"] == ["other"]
    too_long = manager.post(DEPARTMENTS, json={"department": department_body("Long", note="n" * 5001)})
    assert_error(too_long, 400, "invalid-params")
    unit = manager.post(
        DEPARTMENTS, json={"department": department_body("Unit"), "departmentUnit": {"_id": "u1"}}
    )
    assert unit.status_code == 200, unit.text


def test_reading_a_department_with_and_without_agents(manager: Persona, agent: Persona) -> None:
    created = create(manager, "Sales", agents=[{"agentId": agent.id}])
    department_id = created["department"]["_id"]
    plain = manager.get(f"{DEPARTMENTS}/{department_id}").json()
    assert plain["department"] == created["department"]
    assert "agents" not in plain
    full = manager.get(f"{DEPARTMENTS}/{department_id}", params={"includeAgents": "true"}).json()
    assert [row["username"] for row in full["agents"]] == ["alex"]
    # Agents may read departments (to transfer chats) but not their member lists.
    as_agent = agent.get(f"{DEPARTMENTS}/{department_id}", params={"includeAgents": "true"}).json()
    assert as_agent["department"]["_id"] == department_id
    assert "agents" not in as_agent
    assert manager.get(f"{DEPARTMENTS}/unknown").json() == {"department": None, "success": True}


def test_a_plain_user_cannot_see_departments(manager: Persona, plain_user: Persona) -> None:
    department_id = create(manager)["department"]["_id"]
    assert_error(plain_user.get(DEPARTMENTS), 403, "error-unauthorized")
    assert_error(plain_user.get(f"{DEPARTMENTS}/{department_id}"), 403, "error-unauthorized")
    assert_error(plain_user.get(f"{DEPARTMENTS}/{department_id}/agents"), 403, "error-unauthorized")


def test_updating_a_department_upserts_agents(
    manager: Persona, agent: Persona, agent2: Persona, published: list[Event]
) -> None:
    created = create(manager, "Sales", agents=[{"agentId": agent.id, "order": 1}])
    department_id = created["department"]["_id"]
    published.clear()
    body = {
        "department": department_body("Sales EU", enabled=False, description="Europe"),
        "agents": [{"agentId": agent2.id, "username": "bea", "count": 3}, {"agentId": agent.id, "order": 5}],
    }
    response = put(manager, department_id, body)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["department"]["name"], updated["department"]["enabled"]) == ("Sales EU", False)
    assert updated["department"]["description"] == "Europe"
    assert [(row["username"], row["count"], row["order"]) for row in updated["agents"]] == [
        ("alex", 0, 5),
        ("bea", 3, 0),
    ]
    assert all(row["departmentEnabled"] is False for row in updated["agents"])
    # Disabling the department is news to its agent; bea is told she joined.
    assert [(op, action, agent_id) for op, _, action, _, agent_id in agents_told(published)] == [
        ("updated", "updated", agent.id),
        ("agents", "inserted", agent2.id),
    ]
    published.clear()
    # Without agents, the department's agents stay as they are.
    again = put(manager, department_id, {"department": department_body("Sales EU")}).json()
    assert again["department"]["numAgents"] == 2
    assert [(op, action) for op, _, action, _, _ in agents_told(published)] == [
        ("updated", "updated"),
        ("updated", "updated"),
    ]


def test_updating_refuses_unknown_departments_agents_and_circular_fallbacks(
    manager: Persona, agent: Persona
) -> None:
    department_id = create(manager)["department"]["_id"]
    assert_error(
        put(manager, "unknown", {"department": department_body()}), 400, "error-department-not-found"
    )
    circular = {"department": department_body(fallbackForwardDepartment=department_id)}
    assert_error(put(manager, department_id, circular), 400, "error-fallback-department-circular")
    assert_error(put(agent, department_id, {"department": department_body()}), 403, "error-unauthorized")
    assert_error(put(manager, department_id, {}), 400, "invalid-params")


def test_deleting_a_department_unlinks_rooms_and_fallbacks(
    services: Services, manager: Persona, agent: Persona, published: list[Event]
) -> None:
    doomed = create(manager, "Doomed", agents=[{"agentId": agent.id}])["department"]["_id"]
    keeper = create(manager, "Keeper", fallbackForwardDepartment=doomed)["department"]
    assert keeper["fallbackForwardDepartment"] == doomed
    with services.transaction() as session:
        visitor = Visitor(token="t1", username="guest-1", department_id=doomed)
        session.add(visitor)
        session.flush()
        room = Room(fname="Guest", visitor_id=visitor.id, source_type="widget", department_id=doomed)
        session.add(room)
        session.flush()
        room_id = room.id
    assert_error(delete(agent, doomed), 403, "error-unauthorized")
    response = delete(manager, doomed)
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    assert [(op, action, agent_id) for op, _, action, _, agent_id in agents_told(published)][-1] == (
        "deleted",
        "removed",
        agent.id,
    )
    assert names(manager.get(DEPARTMENTS)) == ["Keeper"]
    assert (
        "fallbackForwardDepartment" not in manager.get(f"{DEPARTMENTS}/{keeper['_id']}").json()["department"]
    )
    assert manager.get(f"/api/v1/livechat/agents/{agent.id}/departments").json()["departments"] == []
    with services.transaction() as session:
        stored = session.get(Room, room_id)
        assert stored is not None
        assert stored.department_id is None
    assert_error(delete(manager, doomed), 400, "error-department-not-found")


def test_department_agents_are_added_removed_and_paged(
    services: Services, manager: Persona, agent: Persona, agent2: Persona, plain_user: Persona
) -> None:
    department_id = create(manager)["department"]["_id"]
    path = f"{DEPARTMENTS}/{department_id}/agents"
    upsert = [
        {"agentId": agent.id, "username": "alex"},
        {"agentId": agent2.id, "username": "bea", "count": 2},
    ]
    response = manager.post(path, json={"upsert": upsert, "remove": []})
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    page = manager.get(path, params={"count": 1, "offset": 1}).json()
    assert (page["count"], page["offset"], page["total"]) == (1, 1, 2)
    assert [row["username"] for row in page["agents"]] == ["bea"]
    by_count = manager.get(path, params={"sort": '{"count": -1}'}).json()["agents"]
    assert [row["username"] for row in by_count] == ["bea", "alex"]
    # Clients send back rows they got from the list to remove them.
    removal = manager.post(path, json={"upsert": [], "remove": [by_count[0]]})
    assert removal.status_code == 200, removal.text
    assert [row["username"] for row in manager.get(path).json()["agents"]] == ["alex"]
    assert manager.get(f"{DEPARTMENTS}/{department_id}").json()["department"]["numAgents"] == 1
    not_agent = manager.post(
        path, json={"upsert": [{"agentId": plain_user.id, "username": "uma"}], "remove": []}
    )
    assert_error(not_agent, 400, "error-user-is-not-agent")
    assert_error(
        manager.post(path, json={"upsert": []}),
        400,
        "invalid-params",
        "must have required property 'remove' [invalid-params]",
    )
    unknown = manager.post(f"{DEPARTMENTS}/unknown/agents", json={"upsert": [], "remove": []})
    assert_error(unknown, 400, "error-department-not-found")
    assert_error(agent.post(path, json={"upsert": [], "remove": []}), 403, "error-unauthorized")
    assert agent.get(path).status_code == 200


def test_an_agents_departments_carry_their_names(manager: Persona, agent: Persona, agent2: Persona) -> None:
    sales = create(manager, "Sales", agents=[{"agentId": agent.id}])["department"]["_id"]
    create(manager, "Archive", agents=[{"agentId": agent.id}], enabled=False)
    create(manager, "Other", agents=[{"agentId": agent2.id}])
    response = agent.get(f"/api/v1/livechat/agents/{agent.id}/departments")
    assert response.status_code == 200, response.text
    rows = response.json()["departments"]
    assert [(row["departmentName"], row["departmentEnabled"]) for row in rows] == [
        ("Archive", False),
        ("Sales", True),
    ]
    enabled = agent.get(
        f"/api/v1/livechat/agents/{agent.id}/departments", params={"enabledDepartmentsOnly": "true"}
    )
    assert [row["departmentId"] for row in enabled.json()["departments"]] == [sales]
    assert (
        manager.get(f"/api/v1/livechat/agents/{agent2.id}/departments").json()["departments"][0]["username"]
        == "bea"
    )


def test_only_my_departments_narrows_an_agents_list_but_not_a_managers(
    manager: Persona, agent: Persona, agent2: Persona
) -> None:
    mine = create(manager, "Mine", agents=[{"agentId": agent.id}])["department"]["_id"]
    theirs = create(manager, "Theirs", agents=[{"agentId": agent2.id}])["department"]["_id"]
    assert names(agent.get(DEPARTMENTS)) == ["Mine", "Theirs"]
    assert names(agent.get(DEPARTMENTS, params={"onlyMyDepartments": "true"})) == ["Mine"]
    assert names(manager.get(DEPARTMENTS, params={"onlyMyDepartments": "true"})) == ["Mine", "Theirs"]
    own = agent.get(f"{DEPARTMENTS}/{mine}", params={"onlyMyDepartments": "true"}).json()
    assert own["department"]["_id"] == mine
    assert (
        agent.get(f"{DEPARTMENTS}/{theirs}", params={"onlyMyDepartments": "true"}).json()["department"]
        is None
    )
    assert_error(agent.get(DEPARTMENTS, params={"onlyMyDepartments": "yes"}), 400, "invalid-params")


def test_the_list_filters_sorts_and_pages(services: Services, manager: Persona, agent: Persona) -> None:
    create(manager, "Billing")
    create(manager, "Sales", agents=[{"agentId": agent.id}])
    create(manager, "Support 100%", enabled=False)
    old = create(manager, "Old")["department"]["_id"]
    with services.transaction() as session:
        archived = session.get(Department, old)
        assert archived is not None
        archived.archived = True
    assert names(manager.get(DEPARTMENTS)) == ["Billing", "Sales", "Support 100%"]
    assert names(manager.get(DEPARTMENTS, params={"showArchived": "true"})) == [
        "Billing",
        "Old",
        "Sales",
        "Support 100%",
    ]
    assert names(manager.get(DEPARTMENTS, params={"text": "S"})) == ["Sales", "Support 100%"]
    assert names(manager.get(DEPARTMENTS, params={"text": "0%"})) == ["Support 100%"]
    assert names(manager.get(DEPARTMENTS, params={"enabled": "true"})) == ["Billing", "Sales"]
    excluded = manager.get(DEPARTMENTS).json()["departments"][0]["_id"]
    assert names(manager.get(DEPARTMENTS, params={"excludeDepartmentId": excluded})) == [
        "Sales",
        "Support 100%",
    ]
    assert names(manager.get(DEPARTMENTS, params={"sort": '{"numAgents": -1, "name": 1}'})) == [
        "Sales",
        "Billing",
        "Support 100%",
    ]
    page = manager.get(DEPARTMENTS, params={"count": 2, "offset": 2, "sort": '{"name": -1}'}).json()
    assert (page["count"], page["offset"], page["total"]) == (1, 2, 3)
    assert [department["name"] for department in page["departments"]] == ["Billing"]
    assert_error(manager.get(DEPARTMENTS, params={"sort": '{"secret": 1}'}), 400, "error-invalid-sort-field")
    assert_error(manager.get(DEPARTMENTS, params={"offset": -1}), 400, "invalid-params")
    assert_error(manager.get(DEPARTMENTS, params={"bogus": "1"}), 400, "invalid-params")


def test_duplicate_department_names_are_allowed(manager: Persona) -> None:
    create(manager, "Sales")
    create(manager, "Sales")
    assert names(manager.get(DEPARTMENTS)) == ["Sales", "Sales"]


def grant(admin: Persona, permission: str, *roles: str) -> None:
    update = {"permissions": [{"_id": permission, "roles": list(roles)}]}
    response = admin.post("/api/v1/permissions.update", json=update)
    assert response.status_code == 200, response.text


def test_deleting_answers_rocket_chats_bare_errors_and_follows_the_removal_setting(
    services: Services, admin: Persona, manager: Persona
) -> None:
    # Rocket.Chat's route answers these with the error id alone, not "Department not found [...]".
    assert_error(delete(manager, "unknown"), 400, "error-department-not-found", "error-department-not-found")
    department_id = create(manager)["department"]["_id"]
    set_setting(services, "Omnichannel_enable_department_removal", False)
    refused = delete(manager, department_id)
    assert_error(refused, 400, "error-department-removal-disabled", "error-department-removal-disabled")
    # The setting is checked first, as there.
    assert_error(delete(manager, "unknown"), 400, "error-department-removal-disabled")
    assert names(manager.get(DEPARTMENTS)) == ["Sales"]
    set_setting(services, "Omnichannel_enable_department_removal", True)
    # remove-livechat-department alone lets a role delete departments.
    grant(admin, "remove-livechat-department", "admin", "livechat-agent")
    grant(admin, "manage-livechat-departments", "admin")
    remover = make_persona(services, manager.client, "rita", ["livechat-agent", "user"], "Rita Remover")
    assert delete(remover, department_id).status_code == 200
    assert names(manager.get(DEPARTMENTS)) == []


def test_saving_needs_the_department_permission_and_saves_agents_only_for_agent_editors(
    services: Services, admin: Persona, manager: Persona, agent: Persona
) -> None:
    department_id = create(manager)["department"]["_id"]
    body = {"department": department_body("Renamed"), "agents": [{"agentId": agent.id}]}
    # Without add-livechat-department-agents the agents are ignored and the department is saved.
    grant(admin, "add-livechat-department-agents", "admin")
    saved = put(manager, department_id, body)
    assert saved.status_code == 200, saved.text
    assert (saved.json()["department"]["name"], saved.json()["agents"]) == ("Renamed", [])
    # With it but without manage-livechat-departments, Rocket.Chat's route answers error-not-allowed.
    grant(admin, "add-livechat-department-agents", "admin", "livechat-manager")
    grant(admin, "manage-livechat-departments", "admin")
    refused = put(manager, department_id, body)
    assert_error(refused, 400, "error-not-allowed", "error-not-allowed")
    assert names(admin.get(DEPARTMENTS)) == ["Renamed"]


def test_archiving_disables_hides_and_lists_a_department_apart(
    manager: Persona, agent: Persona, plain_user: Persona, published: list[Event]
) -> None:
    department_id = create(manager, "Old", agents=[{"agentId": agent.id}])["department"]["_id"]
    create(manager, "New")
    published.clear()
    archived = manager.post(f"{DEPARTMENTS}/{department_id}/archive")
    assert archived.status_code == 200, archived.text
    assert archived.json() == {"success": True}
    shape = manager.get(f"{DEPARTMENTS}/{department_id}").json()["department"]
    assert (shape["archived"], shape["enabled"]) == (True, False)
    assert [(op, action) for op, _, action, _, _ in agents_told(published)] == [("updated", "updated")]
    assert names(manager.get(DEPARTMENTS)) == ["New"]
    assert names(manager.get(DEPARTMENTS, params={"showArchived": "true"})) == ["New", "Old"]
    listing = manager.get("/api/v1/livechat/departments/archived")
    assert names(listing) == ["Old"]
    assert (listing.json()["count"], listing.json()["total"]) == (1, 1)
    assert_error(
        put(manager, department_id, {"department": department_body("Old")}),
        400,
        "error-archived-department-cant-be-enabled",
    )
    published.clear()
    assert manager.post(f"{DEPARTMENTS}/{department_id}/unarchive").status_code == 200
    shape = manager.get(f"{DEPARTMENTS}/{department_id}").json()["department"]
    assert (shape["archived"], shape["enabled"]) == (False, False)  # as Rocket.Chat: still disabled
    assert agents_told(published) == []  # nothing changed for its agent
    assert names(manager.get("/api/v1/livechat/departments/archived")) == []
    # Unknown ids, in Rocket.Chat's words (a plain Error, then a Meteor.Error without a reason).
    assert_error(
        manager.post(f"{DEPARTMENTS}/nope/archive"), 400, "department-not-found", "department-not-found"
    )
    unknown = manager.post(f"{DEPARTMENTS}/nope/unarchive")
    assert_error(unknown, 400, "department-not-found", "[department-not-found]")
    assert_error(agent.post(f"{DEPARTMENTS}/{department_id}/archive"), 403, "error-unauthorized")
    assert_error(plain_user.get("/api/v1/livechat/departments/archived"), 403, "error-unauthorized")


def test_department_creation_is_always_available(manager: Persona, agent: Persona) -> None:
    response = manager.get(f"{DEPARTMENTS}/isDepartmentCreationAvailable")
    assert response.json() == {"isDepartmentCreationAvailable": True, "success": True}
    assert_error(agent.get(f"{DEPARTMENTS}/isDepartmentCreationAvailable"), 403, "error-unauthorized")


def test_the_autocomplete_matches_name_prefixes(manager: Persona, agent: Persona) -> None:
    sales = create(manager, "Sales")["department"]["_id"]
    create(manager, "Sales EU")
    create(manager, "Presales")
    old = create(manager, "Salvage")["department"]["_id"]
    assert manager.post(f"{DEPARTMENTS}/{old}/archive").status_code == 200

    def items(selector: dict[str, Any], **params: str) -> list[Any]:
        response = agent.get(
            "/api/v1/livechat/department.autocomplete", params={"selector": json.dumps(selector), **params}
        )
        assert response.status_code == 200, response.text
        return [(item["name"], sorted(item)) for item in response.json()["items"]]

    assert items({"term": "sAL"}) == [("Sales", ["_id", "name"]), ("Sales EU", ["_id", "name"])]
    assert [name for name, _ in items({"term": "sal", "exceptions": [sales]})] == ["Sales EU"]
    assert [name for name, _ in items({"term": "Sal"}, showArchived="true")] == [
        "Sales",
        "Sales EU",
        "Salvage",
    ]
    assert len(items({"term": ""})) == 3
    missing = agent.get("/api/v1/livechat/department.autocomplete")
    assert_error(missing, 400, "error-invalid-params", "The 'selector' param is required")
    for bad in ("{name", '"term"', '{"term": 1}', "[" * 1200):
        response = agent.get("/api/v1/livechat/department.autocomplete", params={"selector": bad})
        assert_error(response, 400, "error-invalid-params")


def test_departments_are_listed_by_ids(manager: Persona, agent: Persona) -> None:
    first = create(manager, "First")["department"]["_id"]
    second = create(manager, "Second")["department"]["_id"]
    create(manager, "Third")
    path = "/api/v1/livechat/department.listByIds"
    both = agent.get(f"{path}?ids[]={second}&ids[]={first}&ids[]=unknown")
    assert names(both) == ["First", "Second"]
    assert both.json()["departments"][0]["numAgents"] == 0
    assert names(agent.get(path, params={"ids": first})) == ["First"]
    assert_error(agent.get(path), 400, "error-invalid-params", "The 'ids' param is required")
