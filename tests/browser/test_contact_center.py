"""The Contact Center in a real browser: Chats, Contacts and Calls tabs, as managers and agents use them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect

from omnidesk.services import Services
from tests.browser.conftest import signed_in
from tests.helpers import Persona, raw_rows
from tests.livechat_helpers import guest, set_available, set_setting


def _chat(
    services: Services, client: TestClient, name: str, *, served_by: Persona, others: tuple[Persona, ...] = ()
) -> dict[str, Any]:
    """A widget chat from a new visitor called ``name``, routed to ``served_by``."""
    set_available(services, *others, available=False)
    set_available(services, served_by)
    visitor = guest(client, f"token-{name.lower().replace(' ', '-')}", widget=True)
    visitor.register(name=name)
    room = visitor.open_room()
    assert visitor.say(room["_id"], f"Hello, I am {name}").status_code == 200
    return room


def _contact(manager: Persona, **fields: Any) -> str:
    body = {"emails": [], "phones": [], **fields}
    response = manager.post("/api/v1/omnichannel/contacts", json=body)
    assert response.status_code == 200, response.text
    contact_id: str = response.json()["contactId"]
    return contact_id


def test_a_manager_filters_chats_opens_one_and_edits_its_room_information(
    services: Services,
    app_client: TestClient,
    new_page: Any,
    manager: Persona,
    agent: Persona,
    agent2: Persona,
) -> None:
    assert manager.post("/api/v1/livechat/tags.save", json={"tagData": {"name": "vip"}}).status_code == 200
    anna = _chat(services, app_client, "Anna Open", served_by=agent, others=(agent2,))
    _chat(services, app_client, "Bruno Bea", served_by=agent2, others=(agent,))
    carol = _chat(services, app_client, "Carol Closed", served_by=agent, others=(agent2,))
    closed = agent.post("/api/v1/livechat/room.closeByUser", json={"rid": carol["_id"], "tags": ["refund"]})
    assert closed.status_code == 200, closed.text

    page = signed_in(new_page(), "mona")
    page.goto("/contact-center/chats")
    rows = page.locator("#chats-table tbody tr[data-id]")
    expect(rows).to_have_count(3)

    page.get_by_role("button", name="Filters").click()
    page.get_by_label("Served by").select_option(label="Bea Agent (@bea)")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Bruno Bea")
    page.get_by_label("Served by").select_option(label="All agents")
    page.get_by_label("Status").select_option(label="Closed")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Carol Closed")
    page.get_by_label("Status").select_option(label="All")
    tags = page.locator("#chats-filters").get_by_role("combobox", name="Tags")
    tags.fill("refund")
    tags.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("refund")
    page.get_by_role("button", name="Clear filters").click()
    expect(rows).to_have_count(3)

    rows.filter(has_text="Anna Open").get_by_role("link").click()
    drawer = page.locator("#cc-drawer")
    expect(drawer.get_by_role("heading", name="Chat information")).to_be_visible()
    expect(page).to_have_url(f"/contact-center/chats/{anna['_id']}")
    drawer.get_by_role("button", name="Edit").click()
    drawer.get_by_label("Topic").fill("Delivery date")
    room_tags = drawer.get_by_role("combobox", name="Tags")
    # A chat's tags come from the workspace's list: a tag nobody defined is not taken.
    room_tags.fill("made-up")
    room_tags.press("Enter")
    expect(drawer.get_by_role("status")).to_have_text(
        '"made-up" is not one of the tags: pick one from the list.'
    )
    expect(drawer.get_by_role("list", name="Chosen tags")).to_be_hidden()
    room_tags.fill("VIP")
    room_tags.press("Enter")
    expect(drawer.get_by_role("list", name="Chosen tags").get_by_text("vip", exact=True)).to_be_visible()
    drawer.get_by_role("button", name="Save").click()
    expect(drawer.get_by_text("Delivery date")).to_be_visible()
    expect(rows.filter(has_text="Anna Open")).to_contain_text("vip")

    saved = manager.get("/api/v1/livechat/room.info", params={"roomId": anna["_id"]}).json()["room"]
    assert saved["topic"] == "Delivery date" and saved["tags"] == ["vip"]

    drawer.get_by_role("button", name="Open chat").click()
    expect(drawer.get_by_text("Hello, I am Anna Open")).to_be_visible()


def test_a_contact_is_found_by_a_phone_typed_differently_edited_and_blocked_on_a_channel(
    services: Services, app_client: TestClient, new_page: Any, manager: Persona, agent: Persona
) -> None:
    contact_id = _contact(
        manager, name="Noah Johnson", emails=["noah@example.com"], phones=["+1 415 555 0132"]
    )
    set_available(services, agent)
    visitor = guest(app_client, "token-noah", widget=True)
    visitor.register(name="Noah", email="noah@example.com")
    room = visitor.open_room()  # the visitor claims the contact: it gains the web chat channel; alex serves

    page = signed_in(new_page(), "mona")
    page.goto("/contact-center/contacts")
    page.get_by_label("Search contacts").fill("(415) 555-0132")
    rows = page.locator("#contacts-table tbody tr[data-id]")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name="Noah Johnson").click()

    drawer = page.locator("#cc-drawer")
    expect(drawer.get_by_role("tab", name="Details")).to_have_attribute("aria-selected", "true")
    drawer.get_by_role("button", name="Edit contact").click()
    drawer.get_by_label("Name", exact=True).fill("Noah J. Johnson")
    drawer.get_by_role("button", name="Save").click()
    expect(drawer.get_by_role("heading", name="Noah J. Johnson")).to_be_visible()
    expect(rows.first).to_contain_text("Noah J. Johnson")

    drawer.get_by_role("tab", name="Channels").click()
    channel = drawer.locator(".cc-channel-item").filter(has_text="Web chat")
    channel.get_by_role("button", name="Web chat options").click()
    channel.get_by_role("menuitem", name="Block").click()
    # Blocking closes the chat open on that channel, another agent's: the question says so.
    dialog = page.get_by_role("dialog", name="Block this contact?")
    expect(dialog).to_contain_text("will not be able to reach you through Web chat")
    expect(dialog).to_contain_text("Its open chat on Web chat, served by alex, will be closed.")
    dialog.get_by_role("button", name="Cancel").click()
    assert manager.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]["open"]
    channel.get_by_role("button", name="Web chat options").click()
    channel.get_by_role("menuitem", name="Block").click()
    dialog.get_by_role("button", name="Block and close the chat").click()
    expect(channel.get_by_text("Blocked", exact=True)).to_be_visible()
    expect(page.get_by_text("Blocked on Web chat; its chat was closed")).to_be_visible()
    assert (
        "open" not in manager.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    )

    contact = manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": contact_id}).json()[
        "contact"
    ]
    assert contact["name"] == "Noah J. Johnson"
    assert [(c["visitor"]["source"]["type"], c["blocked"]) for c in contact["channels"]] == [("widget", True)]


def test_calls_are_found_by_name_or_phone_and_wrap_up_notes_show_with_the_previous_call(
    new_page: Any, manager: Persona, agent: Persona
) -> None:
    _contact(manager, name="Grace Hopper", phones=["+1 212 555 0199"])
    now = datetime.now(UTC).replace(microsecond=0)
    logged = []
    for started in (now - timedelta(days=2), now - timedelta(hours=1)):
        body = {
            "direction": "inbound",
            "phoneNumber": "+12125550199",
            "startedAt": started.isoformat(),
            "answeredAt": (started + timedelta(seconds=15)).isoformat(),
            "endedAt": (started + timedelta(minutes=4)).isoformat(),
        }
        response = agent.post("/api/v1/omnichannel/calls.log", json=body)
        assert response.status_code == 200, response.text
        logged.append(response.json()["call"])
    first, latest = logged

    page = signed_in(new_page(), "mona")
    page.goto("/contact-center/calls")
    rows = page.locator("#calls-table tbody tr[data-id]")
    search = page.get_by_label("Search calls")
    search.fill("Grace")
    expect(rows).to_have_count(2)
    # The number is written as Grace's contact has it, not in the E.164 form calls keep.
    expect(rows.first).to_contain_text("+1 212 555 0199")
    expect(page.locator("#calls-table")).not_to_contain_text("+12125550199")
    search.fill("212-555-0199")
    expect(rows).to_have_count(2)
    search.fill("nobody by that name")
    expect(page.get_by_text("No calls match your search.")).to_be_visible()
    search.fill("(212) 555 0199")
    expect(rows).to_have_count(2)

    page.locator(f'#calls-table tr[data-id="{latest["_id"]}"]').get_by_role("link").click()
    drawer = page.locator("#cc-drawer")
    expect(drawer.get_by_role("heading", name="Call with Grace Hopper")).to_be_visible()
    expect(drawer.locator("dl.details")).to_contain_text("+1 212 555 0199")
    expect(drawer.locator(f'time[datetime="{first["ts"]}"]')).to_be_visible()  # the previous call
    drawer.get_by_role("button", name="Add notes").click()
    drawer.get_by_label("Notes", exact=True).fill("Asked for a callback on Monday.")
    drawer.get_by_role("button", name="Save notes").click()
    expect(drawer.get_by_text("Asked for a callback on Monday.")).to_be_visible()
    expect(drawer.get_by_text("By mona")).to_be_visible()

    page.reload()  # the detail URL is a deep link: the notes are there after a reload
    expect(page.locator("#cc-drawer").get_by_text("Asked for a callback on Monday.")).to_be_visible()
    saved = manager.get("/api/v1/omnichannel/calls.get", params={"callId": latest["_id"]}).json()["call"]
    assert saved["wrapUp"]["notes"] == "Asked for a callback on Monday."


def test_an_agent_sees_only_its_own_chats(
    services: Services, app_client: TestClient, new_page: Any, agent: Persona, agent2: Persona
) -> None:
    _chat(services, app_client, "Anna Alex", served_by=agent, others=(agent2,))
    bruno = _chat(services, app_client, "Bruno Bea", served_by=agent2, others=(agent,))

    page = signed_in(new_page(), "alex")
    page.goto("/contact-center/chats")
    rows = page.locator("#chats-table tbody tr[data-id]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Anna Alex")
    expect(page.get_by_text("Bruno Bea")).to_have_count(0)
    page.get_by_role("button", name="Filters").click()
    expect(page.get_by_label("Served by")).to_be_hidden()

    page.goto(f"/contact-center/chats/{bruno['_id']}")
    expect(page.locator("#cc-drawer").get_by_text("You cannot see this chat.")).to_be_visible()


def test_a_contact_named_like_a_script_renders_as_text_on_a_phone_sized_screen(
    new_page: Any, manager: Persona
) -> None:
    name = "<script>alert(1)</script>"
    _contact(manager, name=name, emails=["mallory@example.com"])
    page = signed_in(new_page(width=390, height=844), "mona")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/contact-center/contacts")
    link = page.get_by_role("link", name=name)
    expect(link).to_be_visible()
    link.click()
    expect(page.locator("#cc-drawer").get_by_role("heading", name=name)).to_be_visible()
    assert dialogs == []
    assert page.locator("#cc-drawer script").count() == 0
    # The page itself never scrolls sideways; wide tables scroll inside their panel.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_conflicting_fields_are_shown_on_the_contact_and_resolved_there(
    services: Services, app_client: TestClient, new_page: Any, manager: Persona, agent: Persona
) -> None:
    contact_id = _contact(manager, name="Olivia Stone", emails=["olivia@example.com"])
    set_available(services, agent)
    visitor = guest(app_client, "token-olivia", widget=True)
    visitor.register(name="Liv S.", email="olivia@example.com")  # a different name: a conflict
    visitor.open_room()

    page = signed_in(new_page(), "mona")
    page.goto(f"/contact-center/contacts/{contact_id}")
    conflicts = page.get_by_role("region", name="Conflicting fields")
    expect(conflicts).to_contain_text("1 conflicting field")
    expect(conflicts).to_contain_text("Liv S.")
    conflicts.get_by_role("button", name="Use “Liv S.”").click()
    expect(page.get_by_role("region", name="Conflicting fields")).to_have_count(0)
    expect(page.locator("#cc-drawer").get_by_role("heading", name="Liv S.")).to_be_visible()

    contact = manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": contact_id}).json()[
        "contact"
    ]
    assert contact["name"] == "Liv S." and contact["conflictingFields"] == []


def test_a_closed_chat_offers_its_transcript_by_email_as_a_pdf_and_removal(
    services: Services, app_client: TestClient, new_page: Any, manager: Persona, agent: Persona
) -> None:
    room = _chat(services, app_client, "Pat Closed", served_by=agent)
    assert agent.post("/api/v1/livechat/room.closeByUser", json={"rid": room["_id"]}).status_code == 200

    page = signed_in(new_page(), "mona")
    page.goto(f"/contact-center/chats/{room['_id']}")
    drawer = page.locator("#cc-drawer")
    drawer.get_by_role("button", name="Send transcript").click()
    dialog = page.get_by_role("dialog", name="Send transcript by email")
    dialog.get_by_label("Email address").fill("pat@example.com")
    dialog.get_by_role("button", name="Send").click()
    # No SMTP_Host: the email waits in the queue, and the toast says so.
    expect(page.get_by_text("Transcript queued for pat@example.com: email delivery is off")).to_be_visible()
    assert raw_rows(services, "SELECT to_address FROM outbound_emails") == [("pat@example.com",)]
    set_setting(services, "SMTP_Host", "smtp.example.com")  # no mail worker runs here: nothing leaves
    drawer.get_by_role("button", name="Send transcript").click()
    dialog.get_by_label("Email address").fill("pat.boss@example.com")
    dialog.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Transcript sent to pat.boss@example.com")).to_be_visible()

    pdf = drawer.get_by_role("link", name="Download PDF")
    response = page.request.get(pdf.get_attribute("href") or "")
    assert response.status == 200 and response.body().startswith(b"%PDF")

    drawer.get_by_role("button", name="Remove").click()
    page.get_by_role("dialog", name="Remove this chat?").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Chat removed")).to_be_visible()
    expect(page.locator("#chats-table tbody tr[data-id]")).to_have_count(0)
    expect(page.get_by_text("No chats yet.")).to_be_visible()


def test_the_contacts_tab_works_from_the_keyboard(new_page: Any, manager: Persona) -> None:
    _contact(manager, name="Kim Keyboard", emails=["kim@example.com"])
    page = signed_in(new_page(), "mona")
    page.goto("/contact-center/contacts")
    search = page.get_by_label("Search contacts")
    search.focus()
    page.keyboard.type("kim")
    link = page.get_by_role("link", name="Kim Keyboard")
    expect(page.locator("#contacts-table tbody tr[data-id]")).to_have_count(1)
    link.focus()
    page.keyboard.press("Enter")
    drawer = page.locator("#cc-drawer")
    details = drawer.get_by_role("tab", name="Details")
    expect(details).to_be_visible()
    details.focus()
    page.keyboard.press("ArrowRight")
    expect(drawer.get_by_role("tab", name="Channels")).to_be_focused()
    expect(drawer.get_by_role("tab", name="Channels")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(link).to_be_focused()  # focus goes back to where it was
    expect(page).to_have_url("/contact-center/contacts")


def test_a_focused_row_keeps_the_focus_when_the_list_is_refreshed(new_page: Any, manager: Persona) -> None:
    _contact(manager, name="Kim Keyboard", emails=["kim@example.com"])
    page = signed_in(new_page(), "mona")
    page.goto("/contact-center/contacts")
    link = page.get_by_role("link", name="Kim Keyboard")
    link.focus()
    # A search answered while the focus is on a row (the box changed without taking the focus, as a
    # search typed just before tabbing into the list): the rows are replaced.
    with page.expect_response(lambda response: "contacts.search" in response.url and "kim" in response.url):
        page.evaluate(
            """() => {
                const box = document.querySelector('[aria-label="Search contacts"]');
                box.value = "kim";
                box.dispatchEvent(new Event("input", { bubbles: true }));
            }"""
        )
    expect(page.locator("#contacts-table")).not_to_have_attribute("aria-busy", "true")
    expect(link).to_be_focused()


def test_a_capped_total_reads_as_a_lower_bound_and_still_pages_on(
    new_page: Any, manager: Persona, monkeypatch: Any
) -> None:
    from omnidesk.queries import counting

    for number in range(30):
        _contact(manager, name=f"Pat Pager {number:02d}", emails=[f"pat{number}@example.com"])
    monkeypatch.setattr(counting, "EXACT_TOTAL_LIMIT", 26)  # the server counts no further than 26
    page = signed_in(new_page(), "mona")
    page.goto("/contact-center/contacts")
    page.get_by_label("Search contacts").fill("pat pager")
    status = page.locator(".cc-pager-status")
    expect(status).to_have_text("1\u201325 of 26+")
    # The search box is debounced: a search still on its way would bring the first page back.
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Next").click()
    expect(status).to_have_text("26\u201330 of 26+")
    expect(page.locator("#contacts-table tbody tr[data-id]")).to_have_count(5)
    expect(page.get_by_role("button", name="Next")).to_be_disabled()


def test_a_new_contact_with_someones_email_links_to_them_or_is_saved_anyway(
    new_page: Any, manager: Persona
) -> None:
    ada = _contact(manager, name="Ada Lovelace", emails=["ada@example.com"])
    page = signed_in(new_page(), "mona")
    page.goto("/contact-center/contacts")
    page.get_by_role("button", name="New contact").click()
    dialog = page.get_by_role("dialog", name="New contact")
    dialog.get_by_label("Name", exact=True).fill("Augusta King")
    dialog.get_by_label("Email", exact=True).fill("ADA@example.com")
    dialog.get_by_role("button", name="Save", exact=True).click()

    notice = dialog.locator(".cc-duplicate")
    expect(notice).to_contain_text("ada@example.com already belongs to Ada Lovelace.")
    link = notice.get_by_role("link", name="Ada Lovelace")
    expect(link).to_have_attribute("href", f"/contact-center/contacts/{ada}")
    assert (
        manager.get("/api/v1/omnichannel/contacts.search", params={"searchText": "Augusta"}).json()["total"]
        == 0
    )

    notice.get_by_role("button", name="Save anyway").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#cc-drawer").get_by_role("heading", name="Augusta King")).to_be_visible()
    found = manager.get("/api/v1/omnichannel/contacts.search", params={"searchText": "Augusta"}).json()
    assert [contact["emails"] for contact in found["contacts"]] == [[{"address": "ada@example.com"}]]


def test_an_admin_downloads_what_is_held_about_a_contact_then_erases_them(
    new_page: Any, admin: Persona, manager: Persona
) -> None:
    grace = _contact(manager, name="Grace Hopper", emails=["grace@navy.example"])
    page = signed_in(new_page(), "alice")
    page.goto(f"/contact-center/contacts/{grace}")
    drawer = page.locator("#cc-drawer")
    expect(drawer.get_by_role("heading", name="Grace Hopper")).to_be_visible()

    drawer.get_by_role("button", name="Contact options").click()
    with page.expect_download() as download:
        drawer.get_by_role("menuitem", name="Download all data").click()
    assert download.value.suggested_filename == f"contact-{grace}.json"
    with open(download.value.path(), encoding="utf-8") as saved:
        document = json.load(saved)
    assert document["contact"]["emails"] == [{"address": "grace@navy.example"}]

    drawer.get_by_role("button", name="Contact options").click()
    drawer.get_by_role("menuitem", name="Erase this person…").click()
    dialog = page.get_by_role("dialog", name="Erase this person?")
    expect(dialog).to_contain_text("Everything held about Grace Hopper is deleted for good")
    dialog.get_by_role("button", name="Erase").click()
    expect(drawer).to_be_hidden()
    expect(page.locator("#contacts-table")).not_to_contain_text("Grace Hopper")
    gone = manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": grace})
    assert gone.status_code == 404


def test_a_manager_is_not_offered_the_privacy_actions(new_page: Any, manager: Persona) -> None:
    grace = _contact(manager, name="Grace Hopper", emails=[])
    page = signed_in(new_page(), "mona")
    page.goto(f"/contact-center/contacts/{grace}")
    drawer = page.locator("#cc-drawer")
    expect(drawer.get_by_role("button", name="Edit contact")).to_be_visible()
    drawer.get_by_role("button", name="Contact options").click()
    expect(drawer.get_by_role("menuitem", name="Merge duplicates…")).to_be_visible()
    expect(drawer.get_by_role("menuitem", name="Download all data")).to_have_count(0)
    expect(drawer.get_by_role("menuitem", name="Erase this person…")).to_have_count(0)


def test_a_manager_merges_a_suggested_duplicate_after_the_preview_then_undoes_it(
    new_page: Any, manager: Persona
) -> None:
    ada = _contact(manager, name="Ada Lovelace", emails=["ada@example.com"])
    work = _contact(
        manager, name="Ada L", emails=["ada@example.com", "ada.work@example.com"], allowDuplicate=True
    )
    _contact(manager, name="Charles Babbage", emails=["cb@example.com"])
    page = signed_in(new_page(), "mona")
    page.goto(f"/contact-center/contacts/{ada}")
    drawer = page.locator("#cc-drawer")
    drawer.get_by_role("button", name="Contact options").click()
    drawer.get_by_role("menuitem", name="Merge duplicates…").click()

    suggested = drawer.get_by_role("list", name="Possible duplicates")
    expect(suggested).to_contain_text("Ada L")
    expect(suggested).to_contain_text("same email: ada@example.com")
    expect(suggested).not_to_contain_text("Charles Babbage")
    suggested.get_by_role("checkbox").check()
    drawer.get_by_role("button", name="Preview").click()
    preview = drawer.locator(".cc-merge-table")
    expect(preview.get_by_role("columnheader", name="Ada Lovelace (kept)")).to_be_visible()
    expect(preview.get_by_role("columnheader", name="After the merge")).to_be_visible()
    expect(preview.locator(".cc-merge-result").nth(1)).to_have_text("ada@example.com, ada.work@example.com")
    expect(drawer).to_contain_text("Kept as conflicts to settle: name “Ada L”")
    assert (
        manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": work}).json()["contact"]["_id"]
        == work
    )

    drawer.get_by_role("button", name="Merge 1 into Ada Lovelace").click()
    changes = drawer.get_by_role("tabpanel")
    expect(changes.locator(".cc-audit-entry").first).to_contain_text("Merged")
    assert (
        manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": work}).json()["contact"]["_id"]
        == ada
    )

    changes.get_by_role("button", name="Undo merge").click()
    page.get_by_role("dialog", name="Undo this merge?").get_by_role("button", name="Undo merge").click()
    expect(changes.locator(".cc-audit-entry").first).to_contain_text("Merge undone")
    assert (
        manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": work}).json()["contact"]["_id"]
        == work
    )


def test_a_contacts_manager_is_named_in_the_list_the_details_and_the_edit_form(
    new_page: Any, manager: Persona, agent: Persona
) -> None:
    """contacts.get names the manager by id (Rocket.Chat's) and in contactManagerInfo; the list by
    the object."""
    _contact(manager, name="Managed Mia", contactManager=agent.id)
    page = signed_in(new_page(), "mona")
    page.goto("/contact-center/contacts")
    rows = page.locator("#contacts-table tbody tr[data-id]")
    expect(rows.filter(has_text="Managed Mia")).to_contain_text("Alex Agent")
    rows.get_by_role("link", name="Managed Mia").click()
    drawer = page.locator("#cc-drawer")
    expect(drawer).to_contain_text("Alex Agent")
    drawer.get_by_role("button", name="Edit contact").click()
    expect(drawer.locator("select[name=contactManager]")).to_have_value(agent.id)


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_at_a_desk_the_side_panel_pushes_the_table_aside_instead_of_covering_it(
    services: Services, app_client: TestClient, new_page: Any, manager: Persona, agent: Persona
) -> None:
    _chat(services, app_client, "Pia Pushed", served_by=agent)
    page = signed_in(new_page(width=1440, height=900), "mona", "/contact-center/chats")
    table = page.locator("#chats-table")
    link = table.get_by_role("link", name="Pia Pushed")
    link.click()
    drawer = page.locator("#cc-drawer")
    expect(drawer.get_by_role("heading", name="Chat information")).to_be_visible()
    table_box, drawer_box = table.bounding_box(), drawer.bounding_box()
    assert table_box is not None and drawer_box is not None
    assert not _overlap(table_box, drawer_box), (table_box, drawer_box)
    # The row stays in reach: another one can be opened with the panel open.
    box = link.bounding_box()
    assert box is not None
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y)?.closest('a')?.textContent",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit and "Pia Pushed" in hit
    drawer.get_by_role("button", name="Close panel").click()
    expect(drawer).to_be_hidden()
    wide = table.bounding_box()
    assert wide is not None and wide["width"] > table_box["width"]  # the table takes the room back


CARD_GEOMETRY = """(row) => {
  const box = row.getBoundingClientRect();
  const cells = [...row.children].map((cell) => {
    const r = cell.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, label: getComputedStyle(cell, "::before").content };
  });
  return { left: box.left, right: box.right, cells };
}"""


def test_on_a_phone_the_contact_center_lists_are_cards(
    services: Services, app_client: TestClient, new_page: Any, manager: Persona, agent: Persona
) -> None:
    _contact(manager, name="Carmen Card", emails=["carmen.card@example.com"], phones=["+1 212 555 0142"])
    _chat(services, app_client, "Carmen Chat", served_by=agent)
    now = datetime.now(UTC).replace(microsecond=0)
    logged = agent.post(
        "/api/v1/omnichannel/calls.log",
        json={
            "direction": "inbound",
            "phoneNumber": "+12125550142",
            "startedAt": now.isoformat(),
            "endedAt": (now + timedelta(minutes=2)).isoformat(),
        },
    )
    assert logged.status_code == 200, logged.text

    page = signed_in(new_page(width=390, height=844), "mona", "/contact-center/contacts")
    for tab, labelled in (("contacts", '"Phone"'), ("chats", '"Agent"'), ("calls", '"Phone"')):
        page.goto(f"/contact-center/{tab}")
        row = page.locator(f"#{tab}-table tbody tr[data-id]").first
        expect(row).to_be_visible()
        # No sideways scrolling, in the page or in the list's panel.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        wrap = page.locator(f"#{tab}-table")
        assert wrap.evaluate("(node) => node.scrollWidth <= node.clientWidth"), tab
        card = row.evaluate(CARD_GEOMETRY)
        assert card["right"] <= 390, (tab, card)
        # Each field is a line of the card, inside it, named by its column's label.
        for cell in card["cells"]:
            assert card["left"] <= cell["left"] and cell["right"] <= card["right"], (tab, cell)
        tops = [cell["top"] for cell in card["cells"]]
        assert tops == sorted(tops) and len(set(tops)) == len(tops), (tab, tops)
        assert labelled in [cell["label"] for cell in card["cells"]], (tab, card["cells"])
        # Sorting is still at hand.
        expect(page.locator(f"#{tab}-table thead").get_by_role("button").first).to_be_visible()


def test_at_a_desk_the_contact_center_lists_stay_tables(new_page: Any, manager: Persona) -> None:
    _contact(manager, name="Desmond Desk", emails=["desmond@example.com"])
    page = signed_in(new_page(width=1440, height=900), "mona", "/contact-center/contacts")
    row = page.locator("#contacts-table tbody tr[data-id]").first
    expect(row).to_be_visible()
    tops = {cell["top"] for cell in row.evaluate(CARD_GEOMETRY)["cells"]}
    assert len(tops) == 1  # one line per contact
    expect(page.get_by_role("columnheader", name="Email")).to_be_visible()
