"""Canned responses in a real browser: kept on their page, inserted from the live chat's reply box with
"!" or "/", their placeholders filled from the chat's contact and the agent."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect

from omnidesk.services import Services
from tests.browser.conftest import signed_in
from tests.helpers import Persona
from tests.livechat_helpers import guest, make_department, set_available

SCRIPT = "<img src=x onerror=alert(1)>"


def _save(persona: Persona, **body: Any) -> dict[str, Any]:
    response = persona.post("/api/v1/canned-responses", json={"scope": "user", **body})
    assert response.status_code == 200, response.text
    saved: dict[str, Any] = response.json()["cannedResponse"]
    return saved


def test_an_agent_types_an_exclamation_mark_picks_a_response_and_sees_it_filled_in(
    services: Services, app_client: TestClient, new_page: Any, manager: Persona, agent: Persona
) -> None:
    set_available(services, agent)  # auto routing: the chat goes straight to alex
    visitor = guest(app_client, "token-vera", widget=True)
    visitor.register(name="Vera Visitor", email="vera@example.com")
    room = visitor.open_room()
    assert visitor.say(room["_id"], "Hello?").status_code == 200
    _save(
        manager,
        shortcut="greet",
        scope="global",
        text="Hello {{contact.name}}, I am {{agent.name}} ({{agent.email}}). "
        "Mail: {{contact.email}} {{order.id}}",
    )
    _save(agent, shortcut="bye", text=f"Bye {SCRIPT}")
    _save(agent, shortcut="refund", text="Your refund is on its way.")

    page = signed_in(new_page(), "alex")
    fired: list[str] = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    page.goto(f"/live/{room['_id']}")
    expect(page.get_by_role("log", name="Messages")).to_contain_text("Hello?")
    box = page.get_by_label("Message", exact=True)
    picker = page.get_by_role("listbox", name="Canned responses")
    options = picker.get_by_role("option")

    # "!" opens every response the agent may use; what follows it filters them.
    box.press_sequentially("!")
    expect(options).to_have_count(3)
    expect(options.nth(0)).to_contain_text("!bye")
    expect(options.nth(0)).to_contain_text(f"Bye {SCRIPT}")  # text, never markup
    box.press_sequentially("re")
    expect(options).to_have_count(2)  # refund's shortcut starts with it; greet's text has it
    expect(options.nth(0)).to_contain_text("!refund")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("Enter")
    expect(picker).to_be_hidden()
    expect(box).to_have_value(
        "Hello Vera Visitor, I am Alex Agent (alex@example.com). Mail: vera@example.com {{order.id}}"
    )

    # Escape closes it and leaves what was typed; "/" after a space opens it too, and a click inserts.
    box.fill("")
    box.press_sequentially("Thanks! !ref")
    expect(options).to_have_count(1)
    box.press("Escape")
    expect(picker).to_be_hidden()
    expect(box).to_have_value("Thanks! !ref")
    box.press_sequentially(" /by")
    options.filter(has_text="!bye").click()
    expect(box).to_have_value(f"Thanks! !ref Bye {SCRIPT}")
    box.press("Enter")  # closed, Enter sends
    expect(page.get_by_role("log", name="Messages").get_by_text(f"Thanks! !ref Bye {SCRIPT}")).to_be_visible()
    assert f"Thanks! !ref Bye {SCRIPT}" in [message["msg"] for message in visitor.history(room["_id"])]

    # Inside a word, "!" is punctuation.
    box.press_sequentially("Great!")
    expect(picker).to_be_hidden()
    assert fired == []


def test_an_agent_keeps_their_own_response_and_a_manager_one_for_a_department(
    services: Services, new_page: Any, manager: Persona, agent: Persona
) -> None:
    sales = make_department(services, "Sales", agent)
    _save(manager, shortcut="hours", scope="global", text="We are open 9 to 5.")

    page = signed_in(new_page(), "alex")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Canned responses").click()
    hours = page.get_by_role("row").filter(has_text="!hours")
    expect(hours).to_contain_text("Everyone")
    expect(hours.get_by_role("button", name="Edit !hours")).to_have_count(0)  # a manager's to change
    page.get_by_role("button", name="New canned response").click()
    dialog = page.get_by_role("dialog", name="New canned response")
    scope = dialog.get_by_label("Shared with")
    expect(scope.locator("option[value=global]")).to_be_disabled()
    expect(scope.locator("option[value=department]")).to_be_disabled()
    dialog.get_by_label("Shortcut").fill("thanks")
    dialog.get_by_label("Text").fill("Thank you, {{contact.name}}!")
    dialog.get_by_label("Tags").fill("polite, closing")
    dialog.get_by_role("button", name="Save canned response").click()
    expect(dialog).to_be_hidden()
    thanks = page.get_by_role("row").filter(has_text="!thanks")
    expect(thanks).to_contain_text("Only me")
    expect(thanks).to_contain_text("polite")
    expect(thanks.get_by_role("button", name="Edit !thanks")).to_be_visible()

    # The same shortcut again: the server's refusal shows in the dialog.
    page.get_by_role("button", name="New canned response").click()
    dialog.get_by_label("Shortcut").fill("thanks")
    dialog.get_by_label("Text").fill("Again")
    dialog.get_by_role("button", name="Save canned response").click()
    taken = "Shortcut provided already exists [error-invalid-shortcut]"
    expect(dialog.get_by_role("alert")).to_have_text(taken)
    dialog.get_by_role("button", name="Cancel").click()

    mine = agent.get("/api/v1/canned-responses", params={"shortcut": "thanks"}).json()["cannedResponses"]
    assert [(r["scope"], r["userId"], r["tags"]) for r in mine] == [("user", agent.id, ["polite", "closing"])]

    # A manager gives one to a department, then edits it.
    page = signed_in(new_page(), "mona")
    page.goto("/admin/canned-responses")
    page.get_by_role("button", name="New canned response").click()
    dialog = page.get_by_role("dialog", name="New canned response")
    dialog.get_by_label("Shortcut").fill("pricing")
    dialog.get_by_label("Text").fill("Our prices are on the website.")
    dialog.get_by_label("Shared with").select_option("department")
    dialog.get_by_label("Department").select_option(label="Sales")
    dialog.get_by_role("button", name="Save canned response").click()
    row = page.get_by_role("row").filter(has_text="!pricing")
    expect(row).to_contain_text("Department Sales")
    row.get_by_role("button", name="Edit !pricing").click()
    dialog = page.get_by_role("dialog", name="Edit !pricing")
    expect(dialog.get_by_label("Department")).to_have_value(sales)
    dialog.get_by_label("Text").fill("Prices: example.com/pricing")
    dialog.get_by_role("button", name="Save canned response").click()
    expect(row).to_contain_text("Prices: example.com/pricing")
    expect(page.get_by_role("row").filter(has_text="!thanks")).to_contain_text("Only alex")

    saved = manager.get("/api/v1/canned-responses", params={"shortcut": "pricing"}).json()["cannedResponses"]
    assert [(r["scope"], r["departmentId"], r["text"]) for r in saved] == [
        ("department", sales, "Prices: example.com/pricing")
    ]
