"""A manager supervises in real browsers: every open chat in Live chats, another agent's conversation
watched live, joined and answered, and the Contact Center's way into the live room of an open chat.

No sleeps: every wait is Playwright's auto-waiting ``expect``.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from omnidesk.services import Services
from tests.browser.conftest import signed_in
from tests.helpers import Persona
from tests.livechat_helpers import send_as_agent, set_available


def _visitor_starts_chat(page: Any, *, name: str) -> Any:
    page.goto("/livechat/test-page")
    page.get_by_role("button", name="Chat with us").click()
    panel = page.get_by_role("dialog", name="Omnidesk")
    panel.get_by_label("Your name").fill(name)
    panel.get_by_role("button", name="Start chat").click()
    expect(panel.get_by_text("Send us a message")).to_be_visible()
    return panel


def _say(panel: Any, text: str) -> None:
    box = panel.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")
    expect(panel.get_by_role("log", name="Messages").get_by_text(text, exact=True)).to_be_visible()


def test_a_manager_watches_another_agents_chat_live_joins_it_and_answers(
    services: Services, new_page: Any, agent: Persona, manager: Persona
) -> None:
    set_available(services, agent)  # auto routing: the chat goes straight to alex
    mona = signed_in(new_page(), "mona")
    mona.goto("/live")
    everything = mona.locator("#all-chats")
    expect(everything).to_contain_text("No open chats match.")

    visitor = new_page()
    panel = _visitor_starts_chat(visitor, name="Walt Visitor")
    _say(panel, "My parcel never came")
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()

    # The chat appears among every open chat without a reload, with its agent and state.
    item = everything.get_by_role("link", name="Walt Visitor")
    expect(item).to_contain_text("agent: alex")
    expect(item).to_contain_text("Served")
    mona.get_by_label("State").select_option("queued")
    expect(everything).to_contain_text("No open chats match.")
    mona.get_by_label("State").select_option("")
    item.click()

    # Read-only: the conversation streams in, the composer is closed until the manager joins.
    log = mona.get_by_role("log", name="Messages")
    expect(log).to_contain_text("My parcel never came")
    expect(mona.get_by_label("Message", exact=True)).to_be_hidden()
    expect(mona.locator("#room-state")).to_contain_text("alex is serving this chat")
    _say(panel, "It has been two weeks")
    expect(log).to_contain_text("It has been two weeks")
    rid = mona.url.rsplit("/", 1)[-1]
    assert send_as_agent(agent, rid, "Let me check with the courier").status_code == 200
    expect(log).to_contain_text("Let me check with the courier")

    mona.get_by_role("button", name="Join", exact=True).click()
    expect(log).to_contain_text("Mona Manager joined the chat")
    expect(mona.get_by_role("button", name="Join", exact=True)).to_be_hidden()
    composer = mona.get_by_label("Message", exact=True)
    composer.fill("I am Alex's manager: we are sending a new parcel today.")
    composer.press("Enter")
    expect(log.get_by_text("I am Alex's manager: we are sending a new parcel today.")).to_be_visible()
    expect(
        panel.get_by_role("log").get_by_text("I am Alex's manager: we are sending a new parcel today.")
    ).to_be_visible()

    # Alex keeps the chat; after a reload, Mona still writes there.
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": rid}).json()["room"]
    assert info["servedBy"]["_id"] == agent.id
    mona.reload()
    expect(log).to_contain_text("Mona Manager joined the chat")
    expect(mona.get_by_label("Message", exact=True)).to_be_visible()


def test_the_contact_center_opens_the_live_room_of_an_open_chat(
    services: Services, new_page: Any, agent: Persona, manager: Persona
) -> None:
    set_available(services, agent)
    visitor = new_page()
    panel = _visitor_starts_chat(visitor, name="Olga Visitor")
    _say(panel, "Where is my invoice?")
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()

    rooms = manager.get("/api/v1/livechat/rooms", params={"open": "true"}).json()["rooms"]
    rid = next(room["_id"] for room in rooms if room["fname"] == "Olga Visitor")

    mona = signed_in(new_page(), "mona")
    mona.goto(f"/contact-center/chats/{rid}")
    mona.locator("#cc-drawer").get_by_role("link", name="Open live chat").click()
    expect(mona).to_have_url(re.compile(f"/live/{rid}$"))
    expect(mona.get_by_role("heading", name="Olga Visitor")).to_be_visible()
    expect(mona.get_by_role("log", name="Messages")).to_contain_text("Where is my invoice?")
    expect(mona.get_by_role("button", name="Join", exact=True)).to_be_visible()

    # A closed chat has no live room to go to.
    assert manager.post("/api/v1/livechat/room.closeByUser", json={"rid": rid}).status_code == 200
    mona.goto(f"/contact-center/chats/{rid}")
    expect(mona.locator("#cc-drawer").get_by_role("button", name="Open chat")).to_be_visible()
    expect(mona.locator("#cc-drawer").get_by_role("link", name="Open live chat")).to_have_count(0)
