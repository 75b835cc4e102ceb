"""Workspace settings: typed values, public and private, who may read and change them."""

from __future__ import annotations

from fastapi.testclient import TestClient

from omnidesk import defaults
from omnidesk.actions.bootstrap import ensure_defaults
from omnidesk.events import Event, SettingChanged
from omnidesk.models import Setting
from omnidesk.services import Services
from tests.helpers import Persona, assert_error


def test_the_omnichannel_settings_are_seeded(admin: Persona) -> None:
    listed = admin.get("/api/v1/settings", params={"count": 500}).json()
    ids = {setting["_id"] for setting in listed["settings"]}
    for setting_id in (
        "Livechat_enabled",
        "Livechat_Routing_Method",
        "Livechat_accept_chats_with_no_agents",
        "Omnichannel_contact_manager_routing",
        "Livechat_Require_Contact_Verification",
    ):
        assert setting_id in ids
    assert listed["total"] == len(defaults.SETTINGS)
    routing = next(s for s in listed["settings"] if s["_id"] == "Livechat_Routing_Method")
    assert routing["type"] == "select"
    assert routing["packageValue"] == "Auto_Selection"
    assert {"key": "Manual_Selection", "i18nLabel": "Manual_Selection"} in routing["values"]


def test_settings_list_pages(admin: Persona) -> None:
    page = admin.get("/api/v1/settings", params={"count": 3, "offset": 2}).json()
    assert (page["count"], page["offset"], page["total"]) == (3, 2, len(defaults.SETTINGS))
    everything = admin.get("/api/v1/settings", params={"count": 500}).json()["settings"]
    assert [s["_id"] for s in page["settings"]] == [s["_id"] for s in everything[2:5]]


def test_agents_see_only_public_settings(agent: Persona) -> None:
    listed = agent.get("/api/v1/settings", params={"count": 500}).json()["settings"]
    assert listed and all(setting["public"] for setting in listed)
    assert agent.get("/api/v1/settings/Livechat_enabled").json() == {
        "_id": "Livechat_enabled",
        "value": True,
        "success": True,
    }
    assert_error(agent.get("/api/v1/settings/Livechat_Routing_Method"), 403, "error-unauthorized")


def test_public_settings_need_no_login(anonymous: TestClient) -> None:
    body = anonymous.get("/api/v1/settings.public").json()
    assert {"_id": "Livechat_title", "value": "Omnidesk"} in body["settings"]
    assert all(setting["_id"] != "Livechat_Routing_Method" for setting in body["settings"])


def test_a_manager_changes_omnichannel_settings_and_the_change_is_announced(
    manager: Persona, published: list[Event]
) -> None:
    response = manager.post("/api/v1/settings/Livechat_Routing_Method", json={"value": "Manual_Selection"})
    assert response.json() == {"success": True}
    assert SettingChanged(setting_id="Livechat_Routing_Method", value="Manual_Selection") in published
    assert manager.get("/api/v1/settings/Livechat_Routing_Method").status_code == 403  # not privileged
    # ...but a workspace setting outside Omnichannel is not the manager's to change.
    assert_error(manager.post("/api/v1/settings/Site_Name", json={"value": "X"}), 403, "error-unauthorized")


def test_values_are_checked_against_the_setting_type(admin: Persona) -> None:
    cases = [
        ("Livechat_enabled", "yes", "The value of Livechat_enabled must be a boolean"),
        ("Livechat_title", 7, "The value of Livechat_title must be a string"),
        (
            "Livechat_Routing_Method",
            "Random",
            "The value of Livechat_Routing_Method must be one of Auto_Selection, Manual_Selection",
        ),
    ]
    for setting_id, value, message in cases:
        response = admin.post(f"/api/v1/settings/{setting_id}", json={"value": value})
        assert_error(response, 400, "error-invalid-setting-value", f"{message} [error-invalid-setting-value]")
    assert admin.get("/api/v1/settings/Livechat_enabled").json()["value"] is True


def test_unknown_settings_are_404(admin: Persona) -> None:
    assert_error(admin.get("/api/v1/settings/Nope"), 404, "error-not-found", "Setting Nope not found")
    assert_error(admin.post("/api/v1/settings/Nope", json={"value": 1}), 404, "error-not-found")
    assert_error(admin.post("/api/v1/settings/Livechat_enabled", json={}), 400, "invalid-params")


def test_a_setting_made_public_by_a_release_becomes_public_in_an_older_workspace(
    services: Services,
) -> None:
    with services.transaction() as session:  # as a workspace created before the release left it
        held = session.get(Setting, "Livechat_allow_manual_on_hold")
        assert held is not None
        held.public = False
    with services.transaction() as session:
        ensure_defaults(session)  # what `omnidesk migrate` and `serve` run
    with services.transaction() as session:
        held = session.get(Setting, "Livechat_allow_manual_on_hold")
        assert held is not None and held.public
