"""Signing in and out in a real browser; the sidebar follows the user's permissions."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import sign_in, signed_in
from tests.helpers import Persona


def test_an_agent_signs_in_sees_its_menu_and_signs_out(new_page: Any, agent: Persona) -> None:
    page = sign_in(new_page(), "alex")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Contact Center").is_visible()
    assert nav.get_by_role("link", name="Live chats").is_visible()
    assert nav.get_by_role("link", name="Departments").count() == 0  # managers only
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto("/contact-center/chats")
    assert "/login" in page.url


def test_a_manager_sees_the_administration_entries(new_page: Any, manager: Persona) -> None:
    page = signed_in(new_page(), "mona")
    nav = page.get_by_role("navigation", name="Main")
    for entry in ("Departments", "Custom fields", "Tags", "Settings"):
        assert nav.get_by_role("link", name=entry).is_visible(), entry


def test_a_wrong_password_is_told_plainly(new_page: Any, agent: Persona) -> None:
    page = sign_in(new_page(), "alex", "not the password")
    assert page.get_by_role("alert").inner_text() == "Wrong username or password."


def test_on_a_phone_the_menu_opens_from_a_button_with_every_entry_on_screen(
    new_page: Any, manager: Persona
) -> None:
    page = signed_in(new_page(width=390, height=844), "mona", "/admin/agents")
    nav = page.get_by_role("navigation", name="Main")
    links = nav.get_by_role("link")
    menu = nav.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(links.first).to_be_hidden()  # the page starts right under the top bar
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    assert links.count() > 10
    for link in links.all():  # none cut off at the screen's edge
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and 0 <= box["x"] <= 390 - box["width"], (link.text_content(), box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.keyboard.press("Escape")
    expect(links.first).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()
    nav.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", level=1)).to_be_visible()


def test_at_a_desk_the_menu_is_the_sidebar_without_a_menu_button(new_page: Any, manager: Persona) -> None:
    page = signed_in(new_page(width=1440, height=900), "mona", "/admin/agents")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("button", name="Menu")).to_be_hidden()
    expect(nav.get_by_role("link", name="Settings")).to_be_visible()
