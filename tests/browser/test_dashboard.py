"""The manager dashboard in a real browser: tiles and server-drawn charts, at desktop and phone sizes."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect

from omnidesk.services import Services
from tests.browser.conftest import signed_in
from tests.helpers import Persona
from tests.livechat_helpers import guest, set_setting


def test_a_manager_reads_the_dashboard_on_a_desktop_and_on_a_phone(
    services: Services, app_client: TestClient, new_page: Any, manager: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    visitor = guest(app_client, "token-dash", widget=True)
    visitor.register(name="Dana")
    visitor.open_room()  # nobody is available: it waits in the queue

    for width, height in ((1366, 860), (390, 844)):
        page = signed_in(new_page(width=width, height=height), "mona")
        nav = page.get_by_role("navigation", name="Main")
        if width < 760:  # on a phone the menu opens from the top bar's button
            nav.get_by_role("button", name="Menu").click()
        nav.get_by_role("link", name="Dashboard").click()
        expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        queued = page.locator(".tile").filter(has_text="Queued chats")
        expect(queued.locator(".tile-value")).to_have_text("1")
        expect(page.get_by_role("img", name="Chats per channel per day, last 14 days")).to_be_visible()
        expect(page.get_by_text("No calls in the last 14 days.")).to_be_visible()
        page.get_by_role("link", name="30 days").click()
        expect(page.get_by_role("img", name="Chats per channel per day, last 30 days")).to_be_visible()
        page.get_by_text("Show the numbers").first.click()
        expect(page.get_by_role("columnheader", name="Web chat")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
