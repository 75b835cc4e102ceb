"""The widget as the Appearance page and the triggers make it, and those admin pages, in Chromium."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from omnidesk.services import Services
from tests.browser.conftest import signed_in
from tests.helpers import Persona
from tests.livechat_helpers import set_available, set_setting


def test_the_widget_shows_the_configured_title_colour_and_corner_and_enforces_the_character_limit(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_available(services, agent)
    set_setting(services, "Livechat_title", "Help desk")
    set_setting(services, "Livechat_title_color", "#112233")
    set_setting(services, "Livechat_widget_position", "left")
    set_setting(services, "Livechat_registration_form", False)
    set_setting(services, "Livechat_enable_message_character_limit", True)
    set_setting(services, "Livechat_message_character_limit", 10)
    set_setting(services, "Livechat_hide_watermark", True)

    page = new_page()
    page.goto("/livechat/test-page")
    expect(page.locator("#omnidesk-livechat")).to_have_css("left", "20px")
    page.get_by_role("button", name="Chat with us").click()
    panel = page.get_by_role("dialog", name="Help desk")
    expect(panel.locator("header")).to_have_css("background-color", "rgb(17, 34, 51)")
    expect(panel.get_by_text("Powered by Omnidesk")).to_be_hidden()

    box = panel.get_by_label("Your message")
    box.fill("eleven chars")
    expect(panel.get_by_text("12 / 10: 2 too many")).to_be_visible()
    box.press("Enter")
    expect(panel.get_by_role("alert")).to_have_text("Your message is too long: at most 10 characters.")
    log = panel.get_by_role("log", name="Messages")
    expect(log.get_by_text("eleven chars")).to_have_count(0)
    box.fill("Hi there")
    expect(panel.get_by_text("8 / 10")).to_be_visible()
    box.press("Enter")
    expect(log.get_by_text("Hi there", exact=True)).to_be_visible()


def test_a_run_once_time_on_site_trigger_greets_the_visitor_after_its_delay_and_not_after_a_reload(
    services: Services, new_page: Any, agent: Persona, manager: Persona
) -> None:
    set_available(services, agent)
    response = manager.post(
        "/api/v1/livechat/triggers",
        json={
            "name": "Greeting",
            "description": "",
            "enabled": True,
            "runOnce": True,
            "conditions": [{"name": "time-on-site", "value": "2"}],
            "actions": [
                {
                    "name": "send-message",
                    "params": {"sender": "custom", "msg": "Can I help you?", "name": "Sam"},
                }
            ],
        },
    )
    assert response.status_code == 200, response.text

    page = new_page()
    page.goto("/livechat/test-page")
    launcher = page.get_by_role("button", name="Chat with us")
    expect(launcher).to_be_visible()
    greeting = page.get_by_text("Can I help you?")
    expect(greeting).to_be_hidden()  # not before its two seconds
    expect(greeting).to_be_visible()  # the widget opens by itself with the message
    expect(page.get_by_role("dialog", name="Omnidesk").get_by_text("Sam", exact=True)).to_be_visible()
    # The registration form is still there to start the chat.
    expect(page.get_by_label("Your name")).to_be_visible()

    page.reload()
    expect(page.get_by_role("button", name="Chat with us")).to_be_visible()
    # Absence needs a wait: twice the trigger's delay, and it has not spoken again.
    page.wait_for_timeout(4000)
    expect(page.get_by_text("Can I help you?")).to_have_count(0)
    expect(page.get_by_role("dialog", name="Omnidesk")).to_be_hidden()


def test_a_manager_saves_the_appearance_and_a_trigger_in_the_admin_pages(
    services: Services, new_page: Any, manager: Persona
) -> None:
    page = signed_in(new_page(), "mona")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Appearance").click()
    title = page.get_by_label("Title", exact=True)
    expect(title).to_have_value("Omnidesk")
    title.fill("Support team")
    page.get_by_label("Position on the screen").select_option("left")
    page.get_by_label("Limit the length of visitors' messages").check()
    page.get_by_label("Character limit").fill("280")
    page.get_by_label("Transfers").check()
    expect(page.get_by_text("5 unsaved changes")).to_be_visible()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("All changes saved.")).to_be_visible()
    settings = {s["_id"]: s["value"] for s in manager.get("/api/v1/livechat/appearance").json()["appearance"]}
    assert settings["Livechat_title"] == "Support team"
    assert settings["Livechat_widget_position"] == "left"
    assert settings["Livechat_message_character_limit"] == 280
    assert settings["Livechat_enable_message_character_limit"] is True
    assert sorted(settings["Livechat_hide_system_messages"]) == [
        "livechat-close",
        "livechat_transfer_history",
        "uj",
        "ul",
    ]

    page.get_by_label("Message list background").fill("red")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("must be a hex colour")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Triggers").click()
    expect(page.get_by_text("No triggers yet.")).to_be_visible()
    page.get_by_role("button", name="New trigger").click()
    dialog = page.get_by_role("dialog", name="New trigger")
    dialog.get_by_label("Name", exact=True).fill("Pricing help")
    dialog.get_by_label("Condition").select_option("page-url")
    dialog.get_by_label("Address pattern").fill("(a+)+")
    dialog.get_by_label("Message", exact=True).fill("Questions about prices?")
    dialog.get_by_role("button", name="Save trigger").click()
    expect(dialog.get_by_role("alert")).to_contain_text("repeats")
    dialog.get_by_label("Address pattern").fill("/pricing")
    dialog.get_by_role("button", name="Save trigger").click()
    expect(page.get_by_role("row").filter(has_text="Pricing help")).to_contain_text(
        "On pages matching /pricing"
    )
    triggers = manager.get("/api/v1/livechat/triggers").json()["triggers"]
    assert [(t["name"], t["conditions"]) for t in triggers] == [
        ("Pricing help", [{"name": "page-url", "value": "/pricing"}])
    ]
