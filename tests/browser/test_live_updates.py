"""Live updates in a real browser: the Contact Center lists and the dashboard show a new chat without a
reload, keeping the user's filters, selection and open side panel."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect

from omnidesk.services import Services
from tests.browser.conftest import signed_in
from tests.helpers import Persona
from tests.livechat_helpers import guest, set_available


def _chat(client: TestClient, name: str) -> dict[str, Any]:
    visitor = guest(client, f"token-{name.lower().replace(' ', '-')}", widget=True)
    visitor.register(name=name)
    room: dict[str, Any] = visitor.open_room()
    return room


def _listening(page: Any) -> None:
    """The page's live updates are subscribed: what happens from now on reaches it."""
    expect(page.locator("body")).to_have_attribute("data-live-updates", "on")
    page.evaluate("window.notReloaded = true")


def test_a_new_chat_appears_in_the_chats_list_keeping_the_filters_selection_and_panel(
    services: Services, app_client: TestClient, new_page: Any, manager: Persona, agent: Persona
) -> None:
    set_available(services, agent)
    anna = _chat(app_client, "Anna Early")

    page = signed_in(new_page(), "mona")
    page.goto("/contact-center/chats")
    rows = page.locator("#chats-table tbody tr[data-id]")
    expect(rows).to_have_count(1)
    page.get_by_role("button", name="Filters").click()
    page.get_by_label("Status").select_option(label="Open")
    rows.filter(has_text="Anna Early").get_by_role("link").click()
    drawer = page.locator("#cc-drawer")
    expect(drawer.get_by_role("heading", name="Chat information")).to_be_visible()
    _listening(page)

    zoe = _chat(app_client, "Zoe Later")
    expect(rows).to_have_count(2)  # within the page's wait: no reload, no click
    expect(rows.first).to_contain_text("Zoe Later")  # newest first, as sorted
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_label("Status")).to_have_value("opened")
    expect(page.locator(f'tr[data-id="{anna["_id"]}"]')).to_have_class("cc-selected")
    expect(page.locator(f'tr[data-id="{zoe["_id"]}"]')).not_to_have_class("cc-selected")
    expect(drawer).to_be_visible()
    expect(drawer.get_by_role("heading", name="Chat information")).to_be_visible()
    expect(page).to_have_url(f"/contact-center/chats/{anna['_id']}")

    # Closed, the chat leaves the list of open chats on its own too.
    closed = agent.post("/api/v1/livechat/room.closeByUser", json={"rid": zoe["_id"]})
    assert closed.status_code == 200, closed.text
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Anna Early")


def test_an_agent_is_not_shown_another_agents_new_chat(
    services: Services, app_client: TestClient, new_page: Any, agent: Persona, agent2: Persona
) -> None:
    set_available(services, agent)
    page = signed_in(new_page(), "alex")
    page.goto("/contact-center/chats")
    expect(page.get_by_text("No chats yet.")).to_be_visible()
    _listening(page)

    set_available(services, agent, available=False)
    set_available(services, agent2)
    _chat(app_client, "Bruno Bea")  # bea's
    set_available(services, agent2, available=False)
    set_available(services, agent)
    _chat(app_client, "Alma Alex")  # alex's: its arrival proves bea's came before and was not shown
    rows = page.locator("#chats-table tbody tr[data-id]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Alma Alex")
    expect(page.get_by_text("Bruno Bea")).to_have_count(0)


def test_the_dashboard_counts_a_new_chat_without_a_reload(
    services: Services, app_client: TestClient, new_page: Any, manager: Persona, agent: Persona
) -> None:
    set_available(services, agent)
    _chat(app_client, "Dora First")
    page = signed_in(new_page(), "mona")
    page.goto("/dashboard")
    opened = page.locator(".tile").filter(has_text="Open chats").locator(".tile-value")
    expect(opened).to_have_text("1")
    page.get_by_text("Show the numbers").first.click()
    _listening(page)

    _chat(app_client, "Dora Second")
    expect(opened).to_have_text("2")
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("details.chart-numbers").first).to_have_attribute("open", "")
