"""Signing in and out in a real browser; the sidebar follows the user's permissions."""

from __future__ import annotations

from typing import Any

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
