"""canned-responses: Rocket.Chat's canned responses. Agents keep their own and use the global ones and
their departments'; managers keep them all; the shortcut is unique in the workspace."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error, race
from tests.livechat_helpers import make_department

API = "/api/v1/canned-responses"
FORBIDDEN = "User does not have the permissions required for this action [error-unauthorized]"
NOT_FOUND = "Canned Response not found [error-canned-response-not-found]"


@pytest.fixture
def monitor(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "molly", ["livechat-monitor", "user"], "Molly Monitor")


def save(persona: Persona, **body: Any) -> dict[str, Any]:
    response = persona.post(API, json={"text": "Hello {{contact.name}}", "scope": "user", **body})
    assert response.status_code == 200, response.text
    saved: dict[str, Any] = response.json()["cannedResponse"]
    return saved


def refused(persona: Persona, **body: Any) -> Any:
    return persona.post(API, json={"text": "Hi", "scope": "user", **body})


def usable(persona: Persona) -> list[str]:
    response = persona.get(f"{API}.get")
    assert response.status_code == 200, response.text
    return [item["shortcut"] for item in response.json()["responses"]]


def listed(persona: Persona, **params: Any) -> list[str]:
    response = persona.get(API, params=params)
    assert response.status_code == 200, response.text
    return [item["shortcut"] for item in response.json()["cannedResponses"]]


def delete(persona: Persona, response_id: str) -> Any:
    return persona.client.delete(f"{API}/{response_id}", headers=persona.headers)


def grant(admin: Persona, permission: str, roles: list[str]) -> None:
    update = {"permissions": [{"_id": permission, "roles": roles}]}
    assert admin.post("/api/v1/permissions.update", json=update).status_code == 200


def test_an_agent_keeps_their_own_responses_which_no_other_agent_reaches(
    agent: Persona, agent2: Persona, manager: Persona
) -> None:
    mine = save(agent, shortcut="hello", tags=["greeting", " greeting ", ""])
    assert mine["scope"] == "user" and mine["userId"] == agent.id and "departmentId" not in mine
    assert mine["tags"] == ["greeting"]
    assert mine["createdBy"] == {"_id": agent.id, "username": "alex"}
    assert mine["_createdAt"].endswith("Z") and mine["_updatedAt"].endswith("Z")
    assert agent.get(f"{API}/{mine['_id']}").json() == {"cannedResponse": mine, "success": True}
    assert usable(agent) == ["hello"] and listed(agent) == ["hello"]

    # Another agent neither sees nor changes it, and cannot tell it exists.
    assert usable(agent2) == [] and listed(agent2) == []
    assert_error(agent2.get(f"{API}/{mine['_id']}"), 404, "error-not-found", "Resource not found")
    assert_error(
        refused(agent2, _id=mine["_id"], shortcut="mine-now"), 400, "error-canned-response-not-found"
    )
    assert_error(delete(agent2, mine["_id"]), 400, "error-canned-response-not-found", NOT_FOUND)

    # A manager lists everyone's to keep them (view-all-canned-responses) but inserts only their own.
    assert listed(manager) == ["hello"] and usable(manager) == []
    assert manager.get(f"{API}/{mine['_id']}").status_code == 200

    edited = save(agent, _id=mine["_id"], shortcut="hi", text="Hi there", tags=["welcome"])
    assert (edited["_id"], edited["shortcut"], edited["text"], edited["tags"]) == (
        mine["_id"],
        "hi",
        "Hi there",
        ["welcome"],
    )
    assert edited["_createdAt"] == mine["_createdAt"] and edited["createdBy"] == mine["createdBy"]
    assert delete(agent, mine["_id"]).json() == {"success": True}
    assert usable(agent) == []
    assert_error(delete(agent, mine["_id"]), 400, "error-canned-response-not-found", NOT_FOUND)


def test_seeing_every_agents_own_responses_is_not_the_right_to_change_them(
    admin: Persona, agent: Persona, agent2: Persona
) -> None:
    mine = save(agent, shortcut="mine")
    grant(admin, "view-all-canned-responses", ["admin", "livechat-manager", "livechat-agent"])
    assert listed(agent2) == ["mine"] and usable(agent2) == []
    not_allowed = "Not allowed to modify canned responses on *user* scope [error-not-allowed]"
    assert_error(refused(agent2, _id=mine["_id"], shortcut="mine"), 400, "error-not-allowed", not_allowed)
    assert_error(delete(agent2, mine["_id"]), 400, "error-not-allowed", not_allowed)
    assert listed(agent, shortcut="mine") == ["mine"]


def test_global_responses_are_kept_by_managers_and_used_by_everyone(
    services: Services, manager: Persona, agent: Persona, monitor: Persona
) -> None:
    assert_error(
        refused(agent, shortcut="bye", scope="global"),
        400,
        "error-not-allowed",
        "Not allowed to modify canned responses on *global* scope [error-not-allowed]",
    )
    shared = save(manager, shortcut="bye", scope="global", text="Goodbye, {{contact.name}}!")
    assert "userId" not in shared
    assert usable(agent) == ["bye"] and usable(monitor) == ["bye"]
    assert (
        agent.get(f"{API}/{shared['_id']}").json()["cannedResponse"]["text"] == "Goodbye, {{contact.name}}!"
    )

    # Agents use it but change it neither in place nor by moving it to their own scope.
    for attempt in ({"scope": "global"}, {"scope": "user"}):
        assert_error(refused(agent, _id=shared["_id"], shortcut="bye", **attempt), 400, "error-not-allowed")
    assert_error(delete(agent, shared["_id"]), 400, "error-not-allowed")
    assert agent.get(f"{API}/{shared['_id']}").json()["cannedResponse"]["scope"] == "global"

    # A manager moving it to the user scope keeps it for themselves.
    moved = save(manager, _id=shared["_id"], shortcut="bye", scope="user", departmentId="ignored")
    assert moved["userId"] == manager.id and "departmentId" not in moved
    assert usable(agent) == []


def test_department_responses_reach_that_departments_agents_and_whoever_supervises(
    services: Services, admin: Persona, manager: Persona, monitor: Persona, agent: Persona, agent2: Persona
) -> None:
    sales = make_department(services, "Sales", agent)
    support = make_department(services, "Support", agent2)
    pricing = save(manager, shortcut="pricing", scope="department", departmentId=sales)
    assert pricing["departmentId"] == sales and "userId" not in pricing
    reset = save(manager, shortcut="reset", scope="department", departmentId=support)

    assert usable(agent) == ["pricing"] and usable(agent2) == ["reset"]
    assert listed(agent) == ["pricing"]
    assert listed(agent, departmentId=support) == []  # a filter never widens the reach
    assert_error(agent.get(f"{API}/{reset['_id']}"), 404, "error-not-found")
    # Monitors supervise every department (there are no units), managers see all.
    assert usable(monitor) == ["pricing", "reset"] and usable(manager) == ["pricing", "reset"]
    assert listed(manager, departmentId=support) == ["reset"]

    # Agents may not write departments' responses; monitors may (save-department-canned-responses).
    assert_error(
        refused(agent, shortcut="mine", scope="department", departmentId=sales),
        400,
        "error-not-allowed",
        "Not allowed to modify canned responses on *department* scope [error-not-allowed]",
    )
    assert_error(refused(agent, _id=pricing["_id"], shortcut="pricing"), 400, "error-not-allowed")
    assert_error(delete(agent, pricing["_id"]), 400, "error-not-allowed")
    save(monitor, _id=reset["_id"], shortcut="reset", scope="department", departmentId=support, text="Done")
    assert delete(monitor, pricing["_id"]).json() == {"success": True}

    # Granted it, an agent writes its own departments' responses, not another department's.
    grant(admin, "save-department-canned-responses", ["livechat-monitor", "livechat-agent"])
    save(agent, shortcut="sales-hours", scope="department", departmentId=sales)
    assert_error(
        refused(agent, shortcut="support-hours", scope="department", departmentId=support),
        400,
        "error-not-allowed",
    )
    assert_error(refused(agent, _id=reset["_id"], shortcut="reset"), 400, "error-canned-response-not-found")

    # A department's responses go with it.
    assert manager.client.delete(f"/api/v1/livechat/department/{support}", headers=manager.headers).is_success
    assert listed(manager) == ["sales-hours"]


def test_the_shortcut_is_unique_in_the_workspace_whatever_the_scope(
    manager: Persona, agent: Persona, agent2: Persona
) -> None:
    first = save(agent, shortcut="thanks")
    duplicate = "Shortcut provided already exists [error-invalid-shortcut]"
    assert_error(refused(agent2, shortcut="thanks"), 400, "error-invalid-shortcut", duplicate)
    assert_error(
        refused(manager, shortcut=" thanks ", scope="global"), 400, "error-invalid-shortcut", duplicate
    )
    other = save(agent, shortcut="thanks-a-lot")
    assert_error(
        refused(agent, _id=other["_id"], shortcut="thanks"), 400, "error-invalid-shortcut", duplicate
    )
    assert save(agent, _id=first["_id"], shortcut="thanks", text="Thank you!")["text"] == "Thank you!"
    save(agent2, shortcut="Thanks")  # as Rocket.Chat's index: case counts


def test_two_saves_of_one_new_shortcut_at_once_store_one(agent: Persona, agent2: Persona) -> None:
    answers = race([lambda persona=persona: refused(persona, shortcut="same") for persona in (agent, agent2)])
    assert sorted(answer.status_code for answer in answers) == [200, 400]
    loser = next(answer for answer in answers if answer.status_code == 400)
    assert loser.json()["errorType"] == "error-invalid-shortcut"
    assert len(listed(agent) + listed(agent2)) == 1


@pytest.mark.parametrize(
    ("body", "error_type", "error"),
    [
        (
            {"text": "Hi", "scope": "user"},
            "invalid-params",
            "must have required property 'shortcut' [invalid-params]",
        ),
        (
            {"shortcut": "a", "scope": "user"},
            "invalid-params",
            "must have required property 'text' [invalid-params]",
        ),
        (
            {"shortcut": "a", "text": "Hi"},
            "invalid-params",
            "must have required property 'scope' [invalid-params]",
        ),
        ({"shortcut": "a", "text": "Hi", "scope": "team"}, "invalid-params", None),
        ({"shortcut": "a", "text": "Hi", "scope": "user", "tags": "tag"}, "invalid-params", None),
        ({"shortcut": "a", "text": "Hi", "scope": "user", "tags": [1]}, "invalid-params", None),
        ({"shortcut": "a", "text": "Hi", "scope": "user", "color": "red"}, "invalid-params", None),
        ({"shortcut": "a", "text": "Hi", "scope": "user", "tags": ["x" * 121]}, "invalid-params", None),
        ({"shortcut": " ", "text": "Hi", "scope": "user"}, "error-invalid-shortcut", None),
        ({"shortcut": "two words", "text": "Hi", "scope": "user"}, "error-invalid-shortcut", None),
        ({"shortcut": "a" * 101, "text": "Hi", "scope": "user"}, "error-invalid-shortcut", None),
        ({"shortcut": "a", "text": "  ", "scope": "user"}, "error-invalid-text", None),
        ({"shortcut": "a", "text": "x" * 5001, "scope": "user"}, "error-invalid-text", None),
        (
            {"shortcut": "a", "text": "Hi", "scope": "department"},
            "error-invalid-department",
            "Invalid department [error-invalid-department]",
        ),
        (
            {"shortcut": "a", "text": "Hi", "scope": "department", "departmentId": "nope"},
            "error-invalid-department",
            None,
        ),
        (
            {"_id": "nope", "shortcut": "a", "text": "Hi", "scope": "user"},
            "error-canned-response-not-found",
            None,
        ),
    ],
)
def test_bad_saves_are_refused_in_rocket_chats_words(
    manager: Persona, body: dict[str, Any], error_type: str, error: str | None
) -> None:
    assert_error(manager.post(API, json=body), 400, error_type, error)
    assert listed(manager) == []


def test_the_longest_text_and_shortcut_are_kept(manager: Persona) -> None:
    saved = save(manager, shortcut="a" * 100, text="x" * 5000, scope="global")
    assert len(saved["text"]) == 5000 and len(saved["shortcut"]) == 100


def test_each_route_needs_rocket_chats_permission(admin: Persona, agent: Persona) -> None:
    mine = save(agent, shortcut="mine")
    grant(admin, "view-canned-responses", ["admin"])
    for path in (API, f"{API}.get", f"{API}/{mine['_id']}"):
        assert_error(agent.get(path), 403, "error-unauthorized", FORBIDDEN)
    grant(admin, "save-canned-responses", ["admin"])
    assert_error(refused(agent, shortcut="other"), 403, "error-unauthorized", FORBIDDEN)
    assert_error(refused(agent, _id=mine["_id"], shortcut="mine"), 403, "error-unauthorized", FORBIDDEN)
    grant(admin, "remove-canned-responses", ["admin"])
    assert_error(delete(agent, mine["_id"]), 403, "error-unauthorized", FORBIDDEN)
    old_delete = agent.client.request("DELETE", API, json={"_id": mine["_id"]}, headers=agent.headers)
    assert_error(old_delete, 403, "error-unauthorized", FORBIDDEN)


def test_the_deprecated_delete_takes_the_id_in_its_body(agent: Persona) -> None:
    mine = save(agent, shortcut="mine")
    missing = agent.client.request("DELETE", API, json={}, headers=agent.headers)
    assert_error(missing, 400, "invalid-params", "must have required property '_id' [invalid-params]")
    answer = agent.client.request("DELETE", API, json={"_id": mine["_id"]}, headers=agent.headers)
    assert answer.json() == {"success": True}
    assert listed(agent) == []


def test_the_listing_filters_pages_and_sorts_as_rocket_chats(
    manager: Persona, agent: Persona, services: Services
) -> None:
    sales = make_department(services, "Sales", agent)
    save(manager, shortcut="welcome", text="Welcome to ACME", scope="global", tags=["greeting"])
    save(manager, shortcut="refund", text="Your refund is on its way", scope="global", tags=["billing"])
    save(
        manager,
        shortcut="invoice",
        text="Find your INVOICE here",
        scope="department",
        departmentId=sales,
        tags=["billing", "docs"],
    )
    save(agent, shortcut="brb", text="Be right back", tags=["greeting"])

    assert listed(manager) == ["brb", "invoice", "refund", "welcome"]  # by shortcut
    assert listed(manager, shortcut="refund") == ["refund"]
    assert listed(manager, shortcut="ref") == []  # the shortcut filter is exact
    assert listed(manager, text="invoice") == ["invoice"]  # any case, in the text or the shortcut
    assert listed(manager, text="re") == ["invoice", "refund"]
    assert listed(manager, text="%") == []
    assert listed(manager, scope="global") == ["refund", "welcome"]
    assert listed(manager, **{"tags[]": "billing"}) == ["invoice", "refund"]
    assert listed(manager, tags=["docs", "greeting"]) == ["brb", "invoice", "welcome"]
    assert listed(manager, departmentId=sales) == ["invoice"]
    assert listed(manager, createdBy=agent.id) == ["brb"]
    assert listed(manager, createdBy="mona") == ["invoice", "refund", "welcome"]
    assert listed(manager, sort='{"_createdAt": -1}') == ["brb", "invoice", "refund", "welcome"]
    assert listed(manager, sort='{"scope": 1, "shortcut": -1}') == ["invoice", "welcome", "refund", "brb"]

    page = manager.get(API, params={"count": 2, "offset": 1}).json()
    assert [item["shortcut"] for item in page["cannedResponses"]] == ["invoice", "refund"]
    assert (page["count"], page["offset"], page["total"]) == (2, 1, 4)
    assert agent.get(API, params={"scope": "global", "count": 1}).json()["total"] == 2

    assert_error(manager.get(API, params={"sort": "shortcut"}), 400, "error-invalid-sort")
    assert_error(manager.get(API, params={"sort": '{"password": 1}'}), 400, "error-invalid-sort-field")
    assert_error(manager.get(API, params={"count": "many"}), 400, "invalid-params")
    assert_error(manager.get(API, params={"offset": -1}), 400, "invalid-params")
    assert_error(manager.get(API, params={"fields": "{}"}), 400, "invalid-params")


def test_removing_a_livechat_tag_removes_it_from_the_responses(manager: Persona) -> None:
    saved = manager.post("/api/v1/livechat/tags.save", json={"tagData": {"name": "vip"}}).json()
    save(manager, shortcut="vip-hello", scope="global", tags=["vip", "greeting"])
    assert listed(manager, tags=["vip"]) == ["vip-hello"]
    assert manager.post("/api/v1/livechat/tags.delete", json={"id": saved["_id"]}).json() == {"success": True}
    assert listed(manager, tags=["vip"]) == []
    assert manager.get(f"{API}.get").json()["responses"][0]["tags"] == ["greeting"]
