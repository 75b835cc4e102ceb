"""livechat/tags* and livechat/priorities*: the lists agents pick from, which managers maintain."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omnidesk.actions import tags as tag_actions
from omnidesk.actions.bootstrap import ensure_defaults
from omnidesk.errors import ApiError
from omnidesk.events import Event, LivechatPriorityChanged
from omnidesk.models import Department, Tag
from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error


@pytest.fixture
def user(services: Services, app_client: TestClient) -> Persona:
    """Someone with no omnichannel role."""
    return make_persona(services, app_client, "uma", ["user"], "Uma User")


def make_department(services: Services, name: str) -> str:
    with services.transaction() as session:
        department = Department(name=name)
        session.add(department)
        session.flush()
        return department.id


def save_tag(persona: Persona, name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"tagData": {"name": name, **extra.pop("tagData", {})}, **extra}
    response = persona.post("/api/v1/livechat/tags.save", json=body)
    assert response.status_code == 200, response.text
    saved: dict[str, Any] = response.json()
    return saved


def tag_names(persona: Persona, **params: Any) -> list[str]:
    response = persona.get("/api/v1/livechat/tags", params=params)
    assert response.status_code == 200, response.text
    return [tag["name"] for tag in response.json()["tags"]]


def priorities(persona: Persona, **params: Any) -> list[dict[str, Any]]:
    response = persona.get("/api/v1/livechat/priorities", params=params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["priorities"]
    return found


def put(persona: Persona, path: str, body: Any) -> Any:
    return persona.client.put(path, json=body, headers=persona.headers)


# --- tags -------------------------------------------------------------------------------------------


def test_a_manager_creates_a_tag_that_agents_then_read(
    manager: Persona, agent: Persona, services: Services, published: list[Event]
) -> None:
    sales = make_department(services, "Sales")
    saved = save_tag(
        manager, "  vip  ", tagData={"description": "Important customer"}, tagDepartments=[sales, sales]
    )
    assert saved["success"] is True
    assert saved["name"] == "vip"
    assert saved["description"] == "Important customer"
    assert saved["departments"] == [sales]
    assert saved["numDepartments"] == 1
    assert saved["_updatedAt"].endswith("Z")
    assert published == []  # no client streams tags (Rocket.Chat neither): a page reads them as it opens

    listing = agent.get("/api/v1/livechat/tags").json()
    assert listing["success"] is True
    assert (listing["count"], listing["offset"], listing["total"]) == (1, 0, 1)
    assert listing["tags"] == [{k: v for k, v in saved.items() if k != "success"}]
    one = agent.get(f"/api/v1/livechat/tags/{saved['_id']}").json()
    assert one == saved  # the bare tag plus success, as Rocket.Chat


def test_saving_a_tag_with_its_id_replaces_it(manager: Persona, services: Services) -> None:
    sales = make_department(services, "Sales")
    first = save_tag(manager, "vip", tagData={"description": "old"}, tagDepartments=[sales])
    second = save_tag(manager, "VIP customer", _id=first["_id"])
    assert second["_id"] == first["_id"]
    assert (second["name"], second["description"], second["departments"]) == ("VIP customer", "", [])
    assert tag_names(manager) == ["VIP customer"]
    # Keeping its own name, in another case, is no duplicate.
    assert save_tag(manager, "vip CUSTOMER", _id=first["_id"])["name"] == "vip CUSTOMER"


def test_tag_names_are_unique_whatever_the_case(manager: Persona) -> None:
    save_tag(manager, "Billing")
    other = save_tag(manager, "Refund")
    response = manager.post("/api/v1/livechat/tags.save", json={"tagData": {"name": "billing"}})
    assert_error(response, 400, "error-tag-already-exists")
    response = manager.post(
        "/api/v1/livechat/tags.save", json={"_id": other["_id"], "tagData": {"name": "BILLING "}}
    )
    assert_error(response, 400, "error-tag-already-exists")
    assert tag_names(manager) == ["Billing", "Refund"]


def test_saving_a_tag_checks_its_departments_and_id(manager: Persona) -> None:
    response = manager.post(
        "/api/v1/livechat/tags.save", json={"tagData": {"name": "x"}, "tagDepartments": ["nope"]}
    )
    assert_error(
        response, 400, "error-invalid-department", "Department nope does not exist [error-invalid-department]"
    )
    response = manager.post("/api/v1/livechat/tags.save", json={"_id": "nope", "tagData": {"name": "x"}})
    assert_error(response, 400, "tag-not-found", "Tag not found [tag-not-found]")
    assert tag_names(manager) == []


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ({}, "invalid-params"),
        ({"tagData": {}}, "invalid-params"),
        ({"tagData": {"name": 5}}, "invalid-params"),
        ({"tagData": {"name": "x", "color": "red"}}, "invalid-params"),
        ({"tagData": {"name": "x"}, "tagDepartments": "Sales"}, "invalid-params"),
        ({"tagData": {"name": "   "}}, "error-invalid-tag-name"),
        ({"tagData": {"name": "x" * 121}}, "error-invalid-tag-name"),
    ],
)
def test_bad_tag_bodies_are_400(manager: Persona, body: dict[str, Any], error_type: str) -> None:
    assert_error(manager.post("/api/v1/livechat/tags.save", json=body), 400, error_type)


def test_the_department_filter_offers_tags_of_every_department_and_of_that_one(
    manager: Persona, agent: Persona, services: Services
) -> None:
    sales = make_department(services, "Sales")
    support = make_department(services, "Support")
    save_tag(manager, "everywhere")
    save_tag(manager, "sales-only", tagDepartments=[sales])
    save_tag(manager, "support-only", tagDepartments=[support])
    save_tag(manager, "both", tagDepartments=[sales, support])
    assert tag_names(agent, department=sales) == ["both", "everywhere", "sales-only"]
    assert tag_names(agent, department=support, text="only") == ["support-only"]
    assert tag_names(agent, department=sales, viewAll="true") == [
        "both",
        "everywhere",
        "sales-only",
        "support-only",
    ]
    assert len(tag_names(agent)) == 4
    listing = agent.get("/api/v1/livechat/tags", params={"department": sales, "count": 1, "offset": 1}).json()
    assert ([t["name"] for t in listing["tags"]], listing["total"]) == (["everywhere"], 3)


def test_tags_are_searched_in_name_and_description_and_sorted(manager: Persona, agent: Persona) -> None:
    save_tag(manager, "Alpha", tagData={"description": "first LETTER"})
    save_tag(manager, "beta")
    save_tag(manager, "50%_off")
    assert tag_names(agent, text="letter") == ["Alpha"]
    assert tag_names(agent, text="BET") == ["beta"]
    assert tag_names(agent, text="%_") == ["50%_off"]  # wildcards match themselves
    assert tag_names(agent, text="zzz") == []
    assert tag_names(agent, sort=json.dumps({"name": -1})) == ["beta", "Alpha", "50%_off"]
    assert_error(
        agent.get("/api/v1/livechat/tags", params={"sort": '{"color": 1}'}), 400, "error-invalid-sort-field"
    )
    assert_error(agent.get("/api/v1/livechat/tags", params={"viewAll": "yes"}), 400, "invalid-params")


def test_an_unknown_tag_is_404(agent: Persona) -> None:
    assert_error(agent.get("/api/v1/livechat/tags/nope"), 404, "error-not-found", "Tag not found")


def test_a_manager_deletes_a_tag(manager: Persona, published: list[Event]) -> None:
    tag = save_tag(manager, "old")
    published.clear()
    response = manager.post("/api/v1/livechat/tags.delete", json={"id": tag["_id"]})
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    assert tag_names(manager) == []
    assert published == []
    again = manager.post("/api/v1/livechat/tags.delete", json={"id": tag["_id"]})
    assert_error(again, 400, "tag-not-found")
    assert_error(manager.post("/api/v1/livechat/tags.delete", json={}), 400, "invalid-params")


def test_agents_cannot_edit_tags_and_users_cannot_read_them(
    manager: Persona, agent: Persona, user: Persona
) -> None:
    tag = save_tag(manager, "vip")
    assert_error(
        agent.post("/api/v1/livechat/tags.save", json={"tagData": {"name": "x"}}), 403, "error-unauthorized"
    )
    assert_error(
        agent.post("/api/v1/livechat/tags.delete", json={"id": tag["_id"]}), 403, "error-unauthorized"
    )
    assert_error(user.get("/api/v1/livechat/tags"), 403, "error-unauthorized")
    assert_error(user.get(f"/api/v1/livechat/tags/{tag['_id']}"), 403, "error-unauthorized")
    assert tag_names(manager) == ["vip"]


def test_an_admin_manages_tags(admin: Persona) -> None:
    tag = save_tag(admin, "from-admin")
    assert admin.post("/api/v1/livechat/tags.delete", json={"id": tag["_id"]}).status_code == 200


# --- priorities -------------------------------------------------------------------------------------


def test_the_five_default_priorities_are_seeded(agent: Persona) -> None:
    found = priorities(agent)
    assert [(p["i18n"], p["sortItem"], p["dirty"]) for p in found] == [
        ("Highest", 1, False),
        ("High", 2, False),
        ("Medium", 3, False),
        ("Low", 4, False),
        ("Lowest", 5, False),
    ]
    assert all("name" not in p for p in found)  # never renamed: no name, as Rocket.Chat
    listing = agent.get("/api/v1/livechat/priorities").json()
    assert (listing["count"], listing["offset"], listing["total"]) == (5, 0, 5)
    one = agent.get(f"/api/v1/livechat/priorities/{found[2]['_id']}").json()
    assert one == {**found[2], "success": True}


def test_seeding_again_keeps_renamed_priorities(manager: Persona, services: Services) -> None:
    medium = priorities(manager)[2]
    assert put(manager, f"/api/v1/livechat/priorities/{medium['_id']}", {"name": "Normal"}).status_code == 200
    with services.transaction() as session:
        ensure_defaults(session)
    found = priorities(manager)
    assert len(found) == 5
    assert (found[2]["_id"], found[2]["name"], found[2]["dirty"]) == (medium["_id"], "Normal", True)


def test_a_manager_renames_a_priority_and_resets_it(manager: Persona, published: list[Event]) -> None:
    high = priorities(manager)[1]
    path = f"/api/v1/livechat/priorities/{high['_id']}"
    assert manager.get("/api/v1/livechat/priorities.reset").json() == {"reset": False, "success": True}

    response = put(manager, path, {"name": "  Urgent "})
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    renamed = manager.get(path).json()
    assert (renamed["name"], renamed["dirty"], renamed["i18n"]) == ("Urgent", True, "High")
    assert manager.get("/api/v1/livechat/priorities.reset").json()["reset"] is True

    assert put(manager, path, {"reset": True}).status_code == 200
    reset = manager.get(path).json()
    assert "name" not in reset
    assert reset["dirty"] is False
    assert manager.get("/api/v1/livechat/priorities.reset").json()["reset"] is False
    assert published == [
        LivechatPriorityChanged(priority_id=high["_id"], name="Urgent"),
        LivechatPriorityChanged(priority_id=high["_id"], name=None),
    ]


def test_a_priority_cannot_take_a_name_another_one_has(manager: Persona) -> None:
    highest, high = priorities(manager)[:2]
    assert (
        put(manager, f"/api/v1/livechat/priorities/{highest['_id']}", {"name": "Urgent"}).status_code == 200
    )
    response = put(manager, f"/api/v1/livechat/priorities/{high['_id']}", {"name": "URGENT"})
    assert_error(response, 400, "error-duplicate-priority-name", "error-duplicate-priority-name")
    # Its own name again is fine.
    assert (
        put(manager, f"/api/v1/livechat/priorities/{highest['_id']}", {"name": "urgent"}).status_code == 200
    )
    assert [p.get("name") for p in priorities(manager)[:2]] == ["urgent", None]


def test_priorities_reset_puts_back_every_default_name(manager: Persona) -> None:
    found = priorities(manager)
    for priority, name in zip(found[:3], ("A", "B", "C"), strict=True):
        assert (
            put(manager, f"/api/v1/livechat/priorities/{priority['_id']}", {"name": name}).status_code == 200
        )
    response = manager.post("/api/v1/livechat/priorities.reset")
    assert response.status_code == 200, response.text
    assert all("name" not in p and p["dirty"] is False for p in priorities(manager))
    # Nothing left to reset: refused, as Rocket.Chat.
    assert_error(manager.post("/api/v1/livechat/priorities.reset"), 400, "error-no-priorities-to-reset")
    assert_error(manager.post("/api/v1/livechat/priorities.reset", json={"x": 1}), 400, "invalid-params")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "A", "reset": True},
        {"reset": False},
        {"name": ""},
        {"name": 5},
        {"reset": "yes"},
        {"color": 1},
    ],
)
def test_a_priority_update_takes_exactly_a_name_or_a_reset(manager: Persona, body: dict[str, Any]) -> None:
    priority = priorities(manager)[0]
    response = put(manager, f"/api/v1/livechat/priorities/{priority['_id']}", body)
    assert_error(response, 400, "invalid-params")
    assert priorities(manager)[0] == priority


def test_a_blank_priority_name_is_refused(manager: Persona) -> None:
    priority = priorities(manager)[0]
    response = put(manager, f"/api/v1/livechat/priorities/{priority['_id']}", {"name": "   "})
    assert_error(response, 400, "error-invalid-priority-name")


def test_unknown_priorities(manager: Persona) -> None:
    response = manager.get("/api/v1/livechat/priorities/nope")
    assert_error(response, 404, "error-not-found", "Priority with id nope not found")
    response = put(manager, "/api/v1/livechat/priorities/nope", {"name": "x"})
    assert_error(response, 400, "error-unable-to-update-priority")


def test_priorities_are_searched_and_sorted(manager: Persona, agent: Persona) -> None:
    lowest = priorities(manager)[4]
    put(manager, f"/api/v1/livechat/priorities/{lowest['_id']}", {"name": "Whenever"})
    assert [p["i18n"] for p in priorities(agent, text="HIGH")] == ["Highest", "High"]
    assert [p["i18n"] for p in priorities(agent, text="whene")] == ["Lowest"]
    assert [p["sortItem"] for p in priorities(agent, sort=json.dumps({"sortItem": -1}))] == [5, 4, 3, 2, 1]
    page = agent.get("/api/v1/livechat/priorities", params={"count": 2, "offset": 2}).json()
    assert ([p["sortItem"] for p in page["priorities"]], page["total"]) == ([3, 4], 5)


def test_agents_read_priorities_but_only_managers_change_them(
    agent: Persona, user: Persona, admin: Persona
) -> None:
    priority = priorities(agent)[0]
    path = f"/api/v1/livechat/priorities/{priority['_id']}"
    assert_error(put(agent, path, {"name": "Mine"}), 403, "error-unauthorized")
    assert_error(agent.post("/api/v1/livechat/priorities.reset"), 403, "error-unauthorized")
    assert_error(agent.get("/api/v1/livechat/priorities.reset"), 403, "error-unauthorized")
    assert_error(user.get("/api/v1/livechat/priorities"), 403, "error-unauthorized")
    assert_error(user.get(path), 403, "error-unauthorized")
    assert put(admin, path, {"name": "Top"}).status_code == 200


def test_a_duplicate_caught_by_the_database_is_still_a_400(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two managers saving the same name at once both pass the lookup; the unique index decides.
    with services.transaction() as session:
        tag_actions.save_tag(session, tag=None, name="race", description=None, department_ids=None)
    monkeypatch.setattr(tag_actions, "tag_by_name", lambda _session, _name: None)
    with services.transaction() as session:
        with pytest.raises(ApiError) as caught:
            tag_actions.save_tag(session, tag=None, name="race", description=None, department_ids=None)
        assert caught.value.error_type == "error-tag-already-exists"
        # The savepoint kept the transaction usable.
        assert list(session.scalars(select(Tag.name))) == ["race"]
