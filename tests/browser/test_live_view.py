"""The agent's live view (/live) at a desk and on a phone: where its toasts show and which it shows, the
composer's placeholder, refusals said in words."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from omnidesk.services import Services
from tests.browser.conftest import signed_in
from tests.helpers import Persona
from tests.livechat_helpers import guest, set_available, set_setting

DESK = (1440, 900)
PHONE = (390, 844)


def _chat(client: TestClient, name: str) -> dict[str, Any]:
    """A widget chat from a new visitor called ``name`` (routed as the workspace routes)."""
    visitor = guest(client, f"token-{name.lower().replace(' ', '-')}", widget=True)
    visitor.register(name=name)
    room: dict[str, Any] = visitor.open_room()
    assert visitor.say(room["_id"], f"Hello, I am {name}").status_code == 200
    return room


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _record_toasts(page: Any) -> None:
    """Every toast the page shows from now on, kept in ``window.toastsShown`` (toasts leave after a few
    seconds)."""
    page.evaluate(
        """() => {
          window.toastsShown = [];
          new MutationObserver((changes) => {
            for (const change of changes)
              for (const node of change.addedNodes)
                if (node.classList?.contains("toast")) window.toastsShown.push(node.textContent);
          }).observe(document.body, { childList: true, subtree: true });
        }"""
    )


@pytest.mark.parametrize("size", [DESK, PHONE], ids=["desk", "phone"])
def test_toasts_never_cover_the_reply_box_or_its_send_button(
    services: Services, app_client: TestClient, new_page: Any, agent: Persona, size: tuple[int, int]
) -> None:
    set_available(services, agent)
    room = _chat(app_client, "Tess Toast")
    width, height = size
    page = signed_in(new_page(width=width, height=height), "alex", f"/live/{room['_id']}")
    composer = page.get_by_label("Message", exact=True)
    expect(composer).to_be_editable()
    for text in ("New chat: Someone with a rather long name", "Chat transferred.", "Not sent: try again"):
        page.evaluate("(text) => Omnidesk.toast(text)", text)
    toasts = page.locator("#toasts .toast")
    expect(toasts).to_have_count(3)
    covered = [composer, page.get_by_role("button", name="Send", exact=True)]
    for toast in toasts.all():
        for target in covered:
            toast_box, target_box = toast.bounding_box(), target.bounding_box()
            assert toast_box is not None and target_box is not None
            assert not _overlap(toast_box, target_box), (toast.text_content(), toast_box, target_box)


def test_taking_a_chat_does_not_toast_it_as_a_new_chat(
    services: Services, app_client: TestClient, new_page: Any, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent)
    _chat(app_client, "Fay First")
    page = signed_in(new_page(), "alex", "/live")
    _record_toasts(page)
    expect(page.locator("body")).to_have_attribute("data-live-notifications", "on")
    _chat(app_client, "Sid Second")
    expect(page.locator("#toasts")).to_contain_text("New chat waiting: Sid Second")  # listening now

    page.get_by_role("button", name="Take chat with Fay First").click()
    expect(page.get_by_role("heading", name="Fay First")).to_be_visible()
    expect(page.get_by_label("Message", exact=True)).to_be_editable()
    # A chat routed to the agent is still told; its notice comes after the take's, handled by then.
    set_setting(services, "Livechat_Routing_Method", "Auto_Selection")
    _chat(app_client, "Ari Auto")
    expect(page.locator("#toasts")).to_contain_text("New chat: Ari Auto")
    shown = page.evaluate("window.toastsShown")
    assert "New chat: Fay First" not in shown, shown


@pytest.mark.parametrize("size", [DESK, PHONE], ids=["desk", "phone"])
def test_the_reply_box_shows_its_whole_placeholder(
    services: Services, app_client: TestClient, new_page: Any, agent: Persona, size: tuple[int, int]
) -> None:
    set_available(services, agent)
    room = _chat(app_client, "Pam Placeholder")
    width, height = size
    page = signed_in(new_page(width=width, height=height), "alex", f"/live/{room['_id']}")
    composer = page.get_by_label("Message", exact=True)
    expect(composer).to_be_editable()
    placeholder = composer.get_attribute("placeholder")
    assert placeholder and "!" in placeholder  # it still tells of canned responses
    # The placeholder, written in the box, needs no scrolling: it is shown whole.
    fits = composer.evaluate(
        """(box) => {
          box.value = box.placeholder;
          const fits = box.scrollHeight <= box.clientHeight && box.scrollWidth <= box.clientWidth;
          box.value = "";
          return fits;
        }"""
    )
    assert fits, placeholder


def test_another_agents_chat_is_refused_in_a_sentence_not_an_error_id(
    services: Services, app_client: TestClient, new_page: Any, agent: Persona, agent2: Persona
) -> None:
    set_available(services, agent)
    room = _chat(app_client, "Olga Other")  # alex's
    bea = signed_in(new_page(), "bea", f"/live/{room['_id']}")
    expect(bea.get_by_role("heading", name="Chat unavailable")).to_be_visible()
    log = bea.get_by_role("log", name="Messages")
    expect(log).to_have_text("Another agent serves this chat, or it is in a department you do not work in.")
    # Any page's call refused so says it in words too (the server's text is Rocket.Chat's generic one).
    refusal = bea.evaluate(
        "(rid) => Omnidesk.api('GET', 'livechat/room.info', { roomId: rid }).catch((error) => error.message)",
        room["_id"],
    )
    assert refusal == "You do not have permission to do that."
