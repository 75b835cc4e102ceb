"""livechat/appearance: the widget's look and texts as Rocket.Chat's appearance settings, and what
livechat/config gives the widget of them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from omnidesk.defaults import APPEARANCE_SETTINGS
from omnidesk.events import Event, SettingChanged
from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import guest, set_available


@pytest.fixture
def monitor(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "molly", ["livechat-monitor"], "Molly Monitor")


def appearance(persona: Persona) -> dict[str, dict[str, Any]]:
    response = persona.get("/api/v1/livechat/appearance")
    assert response.status_code == 200, response.text
    return {setting["_id"]: setting for setting in response.json()["appearance"]}


def save(persona: Persona, *changes: tuple[str, Any]) -> Any:
    return persona.post("/api/v1/livechat/appearance", json=[{"_id": i, "value": v} for i, v in changes])


def config(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/api/v1/livechat/config", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()["config"]
    return body


def test_a_manager_reads_every_appearance_setting_in_rocket_chats_order(manager: Persona) -> None:
    response = manager.get("/api/v1/livechat/appearance")
    assert response.json()["success"] is True
    listed = response.json()["appearance"]
    assert [setting["_id"] for setting in listed] == list(APPEARANCE_SETTINGS)
    settings = {setting["_id"]: setting for setting in listed}
    assert settings["Livechat_message_character_limit"]["type"] == "int"
    assert settings["Livechat_message_character_limit"]["value"] == 0
    assert settings["Livechat_enable_message_character_limit"]["value"] is False
    assert settings["Livechat_offline_title_color"]["value"] == "#666666"
    assert settings["Livechat_widget_position"]["values"] == [
        {"key": "left", "i18nLabel": "left"},
        {"key": "right", "i18nLabel": "right"},
    ]
    hidden = settings["Livechat_hide_system_messages"]
    assert (hidden["type"], hidden["value"]) == ("multiSelect", ["uj", "ul", "livechat-close"])
    assert settings["Omnichannel_allow_visitors_to_close_conversation"]["value"] is True
    assert {"group", "public", "packageValue", "_updatedAt"} <= set(settings["Livechat_title"])


def test_a_saved_appearance_is_what_the_widget_is_configured_with(
    manager: Persona, anonymous: TestClient, published: list[Event]
) -> None:
    response = save(
        manager,
        ("Livechat_title", "Help desk"),
        ("Livechat_title_color", "#112233"),
        ("Livechat_offline_title", "We are away"),
        ("Livechat_offline_title_color", "#445566"),
        ("Livechat_enable_message_character_limit", True),
        ("Livechat_message_character_limit", "140"),  # Rocket.Chat's form sends a number as text
        ("Livechat_show_agent_email", "true"),
        ("Livechat_offline_form_unavailable", "No form today"),
        ("Livechat_conversation_finished_text", "Come back soon"),
        ("Livechat_registration_form_message", "Who are you?"),
        ("Livechat_widget_position", "left"),
        ("Livechat_background", "#fafafa"),
        ("Livechat_hide_watermark", True),
        ("Livechat_hide_system_messages", ["livechat_transfer_history", "uj", "uj"]),
        ("Omnichannel_allow_visitors_to_close_conversation", False),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}
    settings = appearance(manager)
    assert settings["Livechat_message_character_limit"]["value"] == 140
    assert settings["Livechat_show_agent_email"]["value"] is True
    assert settings["Livechat_hide_system_messages"]["value"] == ["livechat_transfer_history", "uj"]
    changed = {event.setting_id for event in published if isinstance(event, SettingChanged)}
    assert "Livechat_title" in changed and "Livechat_offline_title_color" in changed

    widget = config(anonymous)
    assert widget["theme"] == {
        "title": "Help desk",
        "color": "#112233",
        "offlineTitle": "We are away",
        "offlineColor": "#445566",
        "position": "left",
        "background": "#fafafa",
        "actionLinks": {"webrtc": [], "jitsi": []},
    }
    assert widget["settings"]["limitTextLength"] == 140
    assert widget["settings"]["hiddenSystemMessages"] == ["livechat_transfer_history", "uj"]
    assert widget["settings"]["hideWatermark"] is True
    assert widget["settings"]["visitorsCanCloseChat"] is False
    assert widget["messages"]["offlineUnavailableMessage"] == "No form today"
    assert widget["messages"]["conversationFinishedText"] == "Come back soon"
    assert widget["messages"]["registrationFormMessage"] == "Who are you?"


def test_the_character_limit_is_off_until_enabled_and_then_refuses_longer_widget_messages(
    manager: Persona, agent: Persona, services: Services, app_client: TestClient
) -> None:
    assert config(app_client)["settings"]["limitTextLength"] is False
    assert save(manager, ("Livechat_enable_message_character_limit", True)).status_code == 200
    assert config(app_client)["settings"]["limitTextLength"] == 5000  # no limit set: the largest message
    assert save(manager, ("Livechat_message_character_limit", 10)).status_code == 200
    set_available(services, agent)
    visitor = guest(app_client, "appearance-visitor-token")
    visitor.register(name="Vera")
    room = visitor.open_room()
    assert visitor.say(room["_id"], "ten chars!").status_code == 200
    assert_error(visitor.say(room["_id"], "eleven chars"), 400, "message-length-exceeds-character-limit")


def test_agent_info_and_email_follow_the_settings_in_the_config(
    manager: Persona, agent: Persona, services: Services, app_client: TestClient
) -> None:
    set_available(services, agent)
    visitor = guest(app_client, "appearance-agent-token")
    visitor.register(name="Vera")
    visitor.open_room()
    shown = config(app_client, token=visitor.token)["agent"]
    assert shown["username"] == agent.username and "emails" not in shown
    assert save(manager, ("Livechat_show_agent_email", True)).status_code == 200
    assert config(app_client, token=visitor.token)["agent"]["emails"][0]["address"]
    assert save(manager, ("Livechat_show_agent_info", False)).status_code == 200
    hidden = config(app_client, token=visitor.token)
    assert "agent" not in hidden and hidden["settings"]["agentHiddenInfo"] is True


@pytest.mark.parametrize(
    ("setting_id", "value"),
    [
        ("Livechat_title", 5),
        ("Livechat_title", "x" * 5001),
        ("Livechat_title_color", "red; background: url(x)"),
        ("Livechat_title_color", "#12"),
        ("Livechat_offline_title_color", ""),
        ("Livechat_background", "url(https://example.com/x.png)"),
        ("Livechat_enable_message_character_limit", "yes"),
        ("Livechat_enable_message_character_limit", 1),
        ("Livechat_message_character_limit", "ten"),
        ("Livechat_message_character_limit", -1),
        ("Livechat_message_character_limit", 5001),
        ("Livechat_message_character_limit", 2.5),
        ("Livechat_widget_position", "top"),
        ("Livechat_hide_system_messages", ["uj", "no-such-type"]),
        ("Livechat_hide_system_messages", "uj"),
        ("Livechat_offline_email", "not an address"),
    ],
)
def test_a_value_its_setting_cannot_hold_is_refused_and_nothing_is_saved(
    manager: Persona, setting_id: str, value: Any
) -> None:
    before = appearance(manager)
    response = save(manager, ("Livechat_title", "Changed first"), (setting_id, value))
    assert_error(response, 400, "error-invalid-setting-value")
    assert appearance(manager)["Livechat_title"]["value"] == before["Livechat_title"]["value"]


def test_ids_that_are_not_appearance_settings_and_malformed_bodies_are_refused(manager: Persona) -> None:
    body = assert_error(
        save(manager, ("Livechat_title", "A"), ("SMTP_Password", "x")), 400, "invalid-setting"
    )
    assert "SMTP_Password" in body["error"]
    assert_error(save(manager, ("No_such_setting", "x")), 400, "invalid-setting")
    assert appearance(manager)["Livechat_title"]["value"] != "A"
    for bad in (
        [],
        {"_id": "Livechat_title", "value": "x"},
        [{"_id": "Livechat_title"}],
        [{"_id": "Livechat_title", "value": None}],
        [{"_id": "Livechat_title", "value": "x", "y": 1}],
        [{"_id": "Livechat_title", "value": {"nested": True}}],
    ):
        response = manager.post("/api/v1/livechat/appearance", json=bad)
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["errorType"] == "invalid-params"


def test_only_those_granted_read_and_change_the_appearance(
    admin: Persona, monitor: Persona, agent: Persona, anonymous: TestClient
) -> None:
    assert appearance(admin)["Livechat_title"]
    assert save(admin, ("Livechat_title", "By the admin")).status_code == 200
    for persona in (monitor, agent):
        assert_error(persona.get("/api/v1/livechat/appearance"), 403, "error-unauthorized")
        assert_error(save(persona, ("Livechat_title", "x")), 403, "error-unauthorized")
    assert anonymous.get("/api/v1/livechat/appearance").status_code == 401
    assert (
        anonymous.post(
            "/api/v1/livechat/appearance", json=[{"_id": "Livechat_title", "value": "x"}]
        ).status_code
        == 401
    )
