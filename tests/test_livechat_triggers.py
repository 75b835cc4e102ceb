"""livechat/triggers: Rocket.Chat's proactive triggers, which managers keep and the widget runs."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error


@pytest.fixture
def monitor(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "molly", ["livechat-monitor"], "Molly Monitor")


def trigger_body(name: str = "Welcome", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "description": "Greets whoever stays a while",
        "enabled": True,
        "runOnce": True,
        "conditions": [{"name": "time-on-site", "value": "5"}],
        "actions": [{"name": "send-message", "params": {"sender": "queue", "msg": "Need a hand?"}}],
    }
    body.update(extra)
    return body


def save(persona: Persona, **body: Any) -> dict[str, Any]:
    response = persona.post("/api/v1/livechat/triggers", json=trigger_body(**body))
    assert response.status_code == 200, response.text
    saved: dict[str, Any] = response.json()["trigger"]
    return saved


def test_a_manager_creates_lists_edits_and_deletes_triggers(manager: Persona) -> None:
    first = save(manager, name="Welcome")
    assert first["runOnce"] is True and first["enabled"] is True
    assert first["conditions"] == [{"name": "time-on-site", "value": "5"}]
    assert first["actions"] == [
        {"name": "send-message", "params": {"sender": "queue", "msg": "Need a hand?"}}
    ]
    assert first["_updatedAt"].endswith("Z")
    save(
        manager,
        name="Pricing",
        conditions=[{"name": "page-url", "value": "/pricing(/.*)?$"}],
        actions=[
            {"name": "send-message", "params": {"sender": "custom", "msg": "Questions?", "name": "Sam"}}
        ],
    )

    listing = manager.get("/api/v1/livechat/triggers").json()
    assert listing["success"] is True
    assert [t["name"] for t in listing["triggers"]] == ["Pricing", "Welcome"]  # by name, as Rocket.Chat
    assert (listing["count"], listing["offset"], listing["total"]) == (2, 0, 2)
    page = manager.get("/api/v1/livechat/triggers", params={"count": 1, "offset": 1}).json()
    assert [t["name"] for t in page["triggers"]] == ["Welcome"] and page["total"] == 2
    newest = manager.get("/api/v1/livechat/triggers", params={"sort": '{"name": -1}'}).json()
    assert newest["triggers"][0]["name"] == "Welcome"

    edited = save(manager, _id=first["_id"], name="Welcome back", enabled=False, runOnce=False)
    assert edited["_id"] == first["_id"]
    fetched = manager.get(f"/api/v1/livechat/triggers/{first['_id']}").json()["trigger"]
    assert (fetched["name"], fetched["enabled"], fetched["runOnce"]) == ("Welcome back", False, False)

    assert manager.client.delete(
        f"/api/v1/livechat/triggers/{first['_id']}", headers=manager.headers
    ).json() == {"success": True}
    assert_error(manager.get(f"/api/v1/livechat/triggers/{first['_id']}"), 404, "error-not-found")
    assert manager.get("/api/v1/livechat/triggers").json()["total"] == 1


def test_the_widget_config_carries_the_enabled_triggers_as_rocket_chats_widget_reads_them(
    manager: Persona, anonymous: TestClient
) -> None:
    shown = save(manager, name="Shown")
    save(manager, name="Hidden", enabled=False)
    triggers = anonymous.get("/api/v1/livechat/config").json()["config"]["triggers"]
    assert triggers == [
        {
            "_id": shown["_id"],
            "actions": shown["actions"],
            "conditions": shown["conditions"],
            "runOnce": True,
        }
    ]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"name": "  "}, "The name must have"),
        ({"description": "x" * 1001}, "description"),
        ({"conditions": [{"name": "time-on-site", "value": "soon"}]}, "seconds"),
        ({"conditions": [{"name": "time-on-site", "value": "86401"}]}, "seconds"),
        ({"conditions": [{"name": "page-url", "value": ""}]}, "needs a pattern"),
        ({"conditions": [{"name": "page-url", "value": "(unclosed"}]}, "not a valid regular expression"),
        ({"conditions": [{"name": "page-url", "value": "a" * 201}]}, "longer than 200"),
        ({"conditions": [{"name": "page-url", "value": "(a+)+$"}]}, "repeats"),
        ({"conditions": [{"name": "page-url", "value": "(?P<n>x)"}]}, "groups"),
        ({"conditions": [{"name": "page-url", "value": "(?i)shop"}]}, "groups"),
        ({"actions": [{"name": "send-message", "params": {"sender": "queue", "msg": "  "}}]}, "empty"),
        (
            {"actions": [{"name": "send-message", "params": {"sender": "custom", "msg": "Hi"}}]},
            "custom sender",
        ),
        ({"actions": [{"name": "use-external-service", "params": None}]}, "Unsupported action"),
        ({"conditions": [{"name": "time-on-site", "value": "1"}] * 11}, "conditions"),
    ],
)
def test_a_trigger_the_widget_could_not_run_safely_is_refused(
    manager: Persona, change: dict[str, Any], reason: str
) -> None:
    response = manager.post("/api/v1/livechat/triggers", json=trigger_body(**change))
    body = assert_error(response, 400, "error-invalid-trigger")
    assert reason in body["error"]
    assert manager.get("/api/v1/livechat/triggers").json()["total"] == 0


@pytest.mark.parametrize(
    "change",
    [
        {"conditions": []},
        {"actions": []},
        {"conditions": [{"name": "on-a-whim", "value": None}]},
        {"conditions": [{"name": "time-on-site"}]},
        {"actions": [{"name": "send-message", "params": {"sender": "robot", "msg": "x"}}]},
        {"enabled": "yes"},
        {"extra": 1},
    ],
)
def test_bodies_outside_rocket_chats_schema_are_invalid_params(
    manager: Persona, change: dict[str, Any]
) -> None:
    response = manager.post("/api/v1/livechat/triggers", json=trigger_body(**change))
    assert_error(response, 400, "invalid-params")


def test_an_unknown_trigger_is_not_found(manager: Persona) -> None:
    assert_error(
        manager.post("/api/v1/livechat/triggers", json=trigger_body(_id="nope")), 404, "error-not-found"
    )
    assert_error(
        manager.client.delete("/api/v1/livechat/triggers/nope", headers=manager.headers),
        404,
        "error-not-found",
    )


def test_only_those_granted_read_and_change_triggers(
    admin: Persona, manager: Persona, monitor: Persona, agent: Persona, anonymous: TestClient
) -> None:
    saved = save(admin, name="By the admin")
    for persona in (monitor, agent):
        assert_error(persona.get("/api/v1/livechat/triggers"), 403, "error-unauthorized")
        assert_error(persona.get(f"/api/v1/livechat/triggers/{saved['_id']}"), 403, "error-unauthorized")
        assert_error(
            persona.post("/api/v1/livechat/triggers", json=trigger_body()), 403, "error-unauthorized"
        )
        response = persona.client.delete(f"/api/v1/livechat/triggers/{saved['_id']}", headers=persona.headers)
        assert_error(response, 403, "error-unauthorized")
    assert anonymous.get("/api/v1/livechat/triggers").status_code == 401
    assert manager.get("/api/v1/livechat/triggers").json()["total"] == 1
