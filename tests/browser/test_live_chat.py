"""A visitor on the widget's test page and an agent in Live chats talk to each other in real browsers.

No sleeps: every wait is Playwright's auto-waiting ``expect``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from omnidesk.models import BusinessHour
from omnidesk.services import Services
from tests.browser.conftest import signed_in
from tests.helpers import Persona, raw_rows
from tests.livechat_helpers import make_department, send_as_agent, set_available, set_setting
from tests.messaging_helpers import make_sms_channel

SCRIPT = "<script>alert(1)</script>"


@contextmanager
def _serve_page(html: str) -> Iterator[str]:
    """Another site (another port is another origin) serving one page; on loopback, as Chromium
    refuses a public page's requests to a loopback address."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _record_dialogs(page: Any) -> list[str]:
    fired: list[str] = []

    def dismiss(dialog: Any) -> None:
        fired.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return fired


def _visitor_starts_chat(page: Any, *, name: str, email: str = "") -> Any:
    page.goto("/livechat/test-page")
    page.get_by_role("button", name="Chat with us").click()
    panel = page.get_by_role("dialog", name="Omnidesk")
    panel.get_by_label("Your name").fill(name)
    if email:
        panel.get_by_label("Email").fill(email)
    panel.get_by_role("button", name="Start chat").click()
    expect(panel.get_by_text("Send us a message")).to_be_visible()
    return panel


def _say(panel: Any, text: str) -> None:
    box = panel.get_by_label("Your message")
    box.fill(text)
    box.press("Enter")
    expect(panel.get_by_role("log", name="Messages").get_by_text(text, exact=True)).to_be_visible()


def test_a_visitor_and_an_agent_chat_live_and_the_agent_adds_the_contact_and_closes(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent)

    staff = signed_in(new_page(), "alex")
    staff_dialogs = _record_dialogs(staff)
    staff.goto("/live")
    queue = staff.locator("#queue")
    expect(queue).to_contain_text("Nobody is waiting.")

    visitor = new_page()
    visitor_dialogs = _record_dialogs(visitor)
    panel = _visitor_starts_chat(visitor, name="Vera Visitor", email="vera@example.com")
    _say(panel, "Hello, I need help with my order")
    expect(panel.get_by_role("status").first).to_have_text("You're next in line…")

    # The chat arrives in the agent's queue without a reload.
    expect(queue).to_contain_text("Vera Visitor")
    staff.get_by_role("button", name="Take chat with Vera Visitor").click()
    log = staff.get_by_role("log", name="Messages")
    expect(log).to_contain_text("Hello, I need help with my order")
    expect(staff.get_by_role("heading", name="Vera Visitor")).to_be_visible()
    expect(staff.get_by_role("button", name="Take chat", exact=True)).to_be_hidden()
    assert staff.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scrolling
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()

    # The agent sees the visitor typing, then the message, rendered as text.
    panel.get_by_label("Your message").fill("<script>")
    expect(staff.locator("#typing")).to_have_text("Vera Visitor is typing…")
    _say(panel, SCRIPT)
    expect(log.get_by_text(SCRIPT, exact=True)).to_be_visible()
    expect(staff.locator("#typing")).to_have_text("")

    # The agent answers; the visitor sees it typing, then the answer.
    composer = staff.get_by_label("Message", exact=True)
    composer.fill("Hi Vera")
    expect(panel.get_by_text("Alex Agent is typing…")).to_be_visible()
    composer.fill("Hi Vera, let me look at that.")
    composer.press("Enter")
    expect(log.get_by_text("Hi Vera, let me look at that.")).to_be_visible()
    expect(panel.get_by_role("log").get_by_text("Hi Vera, let me look at that.")).to_be_visible()

    # The contact is unknown: the agent adds it.
    notice = staff.get_by_role("region", name="Unknown contact")
    expect(notice).to_be_visible()
    notice.get_by_role("button", name="Add contact").click()
    dialog = staff.get_by_role("dialog", name="Add contact")
    expect(dialog.get_by_label("Name")).to_have_value("Vera Visitor")
    expect(dialog.get_by_label("Email")).to_have_value("vera@example.com")
    dialog.get_by_label("Phone").fill("+1 555 010 2233")
    dialog.get_by_role("button", name="Save contact").click()
    expect(notice).to_be_hidden()
    rid = staff.url.rsplit("/", 1)[-1]
    room = agent.get("/api/v1/livechat/room.info", params={"roomId": rid}).json()["room"]
    contact = agent.get("/api/v1/omnichannel/contacts.get", params={"contactId": room["contactId"]}).json()
    assert contact["contact"]["unknown"] is False
    assert contact["contact"]["phones"][0]["phoneNumber"] == "+1 555 010 2233"

    # The agent closes the chat with a comment; the visitor is told and may ask for the transcript.
    staff.get_by_role("button", name="Close chat").click()
    close = staff.get_by_role("dialog", name="Close this chat")
    close.get_by_label("Comment").fill("Order found, refund issued")
    close.get_by_role("button", name="Close chat").click()
    expect(staff.locator("#room-state")).to_have_text("This chat is closed.")
    expect(log).to_contain_text("Order found, refund issued")
    expect(panel.get_by_text("This chat has ended.")).to_be_visible()
    expect(panel.get_by_label("Email")).to_have_value("vera@example.com")
    panel.get_by_role("button", name="Send transcript").click()
    # Email delivery is off here (no SMTP_Host): the transcript waits in the queue, and the visitor is told.
    expect(
        panel.get_by_text("The transcript for vera@example.com is queued: email delivery is off for now.")
    ).to_be_visible()
    assert [row.to_address for row in raw_rows(services, "SELECT to_address FROM outbound_emails")] == [
        "vera@example.com"
    ]
    expect(staff.locator("#mine")).to_contain_text("You have no open chats.")

    assert staff_dialogs == [] and visitor_dialogs == []


def test_an_agent_does_not_see_another_agents_chat(
    services: Services, new_page: Any, agent: Persona, agent2: Persona
) -> None:
    set_available(services, agent)  # auto routing: the chat goes straight to alex
    visitor = new_page()
    panel = _visitor_starts_chat(visitor, name="Walt Visitor")
    _say(panel, "Anyone there?")
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()

    alex = signed_in(new_page(), "alex")
    alex.goto("/live")
    alex.locator("#mine").get_by_role("link", name="Walt Visitor").click()
    expect(alex.get_by_role("log", name="Messages")).to_contain_text("Anyone there?")
    rid = alex.url.rsplit("/", 1)[-1]

    bea = signed_in(new_page(), "bea")
    bea.goto("/live")
    expect(bea.locator("#mine")).to_contain_text("You have no open chats.")
    expect(bea.locator("#queue")).to_contain_text("Nobody is waiting.")
    bea.goto(f"/live/{rid}")
    expect(bea.get_by_role("heading", name="Chat unavailable")).to_be_visible()
    expect(bea.get_by_role("log", name="Messages")).not_to_contain_text("Anyone there?")
    expect(bea.get_by_label("Message", exact=True)).to_be_hidden()
    for action in ("Take chat", "Transfer", "Close chat"):
        expect(bea.get_by_role("button", name=action, exact=True)).to_be_hidden()


def test_the_visitor_ends_the_chat_on_a_phone(services: Services, new_page: Any, agent: Persona) -> None:
    set_available(services, agent)
    visitor = new_page(width=390, height=844)
    panel = _visitor_starts_chat(visitor, name="Pia Phone")
    box = panel.bounding_box()
    assert box is not None and box["width"] == 390  # the open panel takes the whole screen
    _say(panel, "Just checking")
    # A reload keeps the chat: the token and the room are remembered.
    visitor.reload()
    visitor.get_by_role("button", name="Chat with us").click()
    expect(panel.get_by_role("log", name="Messages")).to_contain_text("Just checking")
    panel.get_by_role("button", name="End chat").click()
    panel.get_by_role("alertdialog").get_by_role("button", name="End chat").click()
    expect(panel.get_by_text("This chat has ended.")).to_be_visible()
    panel.get_by_role("button", name="Minimize the chat").click()
    expect(panel).to_be_hidden()
    expect(visitor.get_by_role("button", name="Chat with us")).to_be_focused()


def test_the_agent_view_fits_a_phone(services: Services, new_page: Any, agent: Persona) -> None:
    set_available(services, agent)
    visitor = new_page()
    _say(_visitor_starts_chat(visitor, name="Nina Narrow"), "Hi from a desk")

    alex = signed_in(new_page(width=390, height=844), "alex")
    alex.goto("/live")
    chat_link = alex.locator("#mine").get_by_role("link", name="Nina Narrow")
    chat_link.click()
    log = alex.get_by_role("log", name="Messages")
    expect(log).to_contain_text("Hi from a desk")
    assert alex.evaluate("document.documentElement.scrollWidth") <= 390
    alex.get_by_role("button", name="Back to the chat list").click()
    expect(chat_link).to_be_visible()


def test_the_widget_works_embedded_in_another_site(
    services: Services, new_page: Any, agent: Persona, live_server: Any
) -> None:
    """The shop's page is another origin: REST calls need CORS and the WebSocket crosses origins."""
    set_available(services, agent)
    shop_html = (
        "<!doctype html><html><head><title>Shop</title>"
        "<style>button { background: red !important; }</style></head>"
        "<body><h1>A shop</h1>"
        f'<script src="{live_server.url}/livechat/widget.js" async></script></body></html>'
    )
    visitor = new_page()
    with _serve_page(shop_html) as shop_url:
        visitor.goto(shop_url)
    visitor.get_by_role("button", name="Chat with us").click()
    panel = visitor.get_by_role("dialog", name="Omnidesk")
    panel.get_by_label("Your name").fill("Sam Shopper")
    panel.get_by_role("button", name="Start chat").click()
    _say(panel, "Is this in stock?")
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()

    rooms = agent.get("/api/v1/livechat/rooms", params={"agents": agent.id, "open": "true"}).json()["rooms"]
    assert [room["fname"] for room in rooms] == ["Sam Shopper"]
    assert rooms[0]["source"] == {"type": "widget", "destination": shop_url.split("/")[2]}
    agent.post("/api/v1/chat.sendMessage", json={"message": {"rid": rooms[0]["_id"], "msg": "Yes, it is."}})
    expect(panel.get_by_role("log").get_by_text("Yes, it is.")).to_be_visible()
    # The host page's styles do not reach into the widget.
    color = panel.get_by_role("button", name="Send").evaluate("b => getComputedStyle(b).backgroundColor")
    assert color != "rgb(255, 0, 0)"


def test_an_agent_transfers_a_chat_and_the_other_closes_it_with_a_tag(
    services: Services, new_page: Any, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    manager.post("/api/v1/livechat/tags.save", json={"tagData": {"name": "billing"}})
    set_available(services, agent)
    panel = _visitor_starts_chat(new_page(), name="Tom Transfer")
    _say(panel, "Question about an invoice")
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()
    set_available(services, agent2)

    bea = signed_in(new_page(), "bea")
    bea.goto("/live")
    expect(bea.locator("#mine")).to_contain_text("You have no open chats.")

    alex = signed_in(new_page(), "alex")
    alex.goto("/live")
    alex.locator("#mine").get_by_role("link", name="Tom Transfer").click()
    alex.get_by_role("button", name="Transfer").click()
    transfer = alex.get_by_role("dialog", name="Transfer this chat")
    transfer.get_by_label("To an agent").select_option(label="Bea Agent (@bea)")
    transfer.get_by_label("Comment").fill("Bea knows invoices")
    transfer.get_by_role("button", name="Transfer").click()
    expect(alex.locator("#room-state")).to_have_text("This chat is no longer yours.")
    expect(alex.locator("#mine")).to_contain_text("You have no open chats.")

    # The chat arrives in Bea's list without a reload; she dismisses the unknown-contact notice.
    bea.locator("#mine").get_by_role("link", name="Tom Transfer").click()
    log = bea.get_by_role("log", name="Messages")
    expect(log).to_contain_text("Question about an invoice")
    expect(log).to_contain_text("Chat transferred to Bea Agent: Bea knows invoices")
    expect(panel.get_by_text("You're chatting with Bea Agent")).to_be_visible()
    bea.get_by_role("button", name="Dismiss").click()
    expect(bea.get_by_role("region", name="Unknown contact")).to_be_hidden()

    bea.get_by_role("button", name="Close chat").click()
    close = bea.get_by_role("dialog", name="Close this chat")
    close.get_by_label("billing").check()
    close.get_by_role("button", name="Close chat").click()
    expect(bea.locator("#room-state")).to_have_text("This chat is closed.")
    expect(panel.get_by_text("This chat has ended.")).to_be_visible()
    rid = bea.url.rsplit("/", 1)[-1]
    room = manager.get("/api/v1/livechat/room.info", params={"roomId": rid}).json()["room"]
    assert room["tags"] == ["billing"]
    assert room["servedBy"]["username"] == "bea"


def test_a_refused_transfer_says_why_in_words(services: Services, new_page: Any, agent: Persona) -> None:
    make_department(services, "Night shift")
    set_available(services, agent)
    panel = _visitor_starts_chat(new_page(), name="Rita Refused")
    _say(panel, "Anyone there?")
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()

    alex = signed_in(new_page(), "alex")
    alex.goto("/live")
    alex.locator("#mine").get_by_role("link", name="Rita Refused").click()
    alex.get_by_role("button", name="Transfer").click()
    transfer = alex.get_by_role("dialog", name="Transfer this chat")
    transfer.get_by_label("Or to a department").select_option(label="Night shift")
    transfer.get_by_role("button", name="Transfer").click()
    # Rocket.Chat's answer is the bare id error-no-agents-online-in-department; the page says it in words.
    expect(transfer.get_by_role("alert")).to_have_text("No agent of that department is available.")


def test_an_agent_blocks_an_unknown_contact_after_confirming(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_available(services, agent)
    panel = _visitor_starts_chat(new_page(), name="Spam Sender")
    _say(panel, "Buy cheap watches")
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()

    alex = signed_in(new_page(), "alex")
    alex.goto("/live")
    alex.locator("#mine").get_by_role("link", name="Spam Sender").click()
    notice = alex.get_by_role("region", name="Unknown contact")
    notice.get_by_role("button", name="Block").click()
    confirm = alex.get_by_role("dialog", name="Block this contact?")
    expect(confirm).to_contain_text("Spam Sender will not be able to reach you on Web chat")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(alex.locator("#room-state")).to_be_hidden()  # nothing happened

    notice.get_by_role("button", name="Block").click()
    confirm.get_by_role("button", name="Block").click()
    expect(alex.locator("#room-state")).to_have_text("This chat is closed.")
    expect(notice).to_be_hidden()
    expect(panel.get_by_text("This chat has ended.")).to_be_visible()

    # The visitor cannot start again on that channel, and is told so.
    panel.get_by_role("button", name="Start a new chat").click()
    box = panel.get_by_label("Your message")
    box.fill("Hello again")
    box.press("Enter")
    expect(panel.get_by_role("alert")).to_have_text("Sorry, you cannot start a chat here.")


def test_a_chat_from_an_unknown_contact_is_taken_once_the_agent_adds_the_contact(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_setting(services, "Livechat_Block_Unknown_Contacts", True)
    set_available(services, agent)
    panel = _visitor_starts_chat(new_page(), name="Una Unknown", email="una@example.com")
    _say(panel, "Can someone help?")

    alex = signed_in(new_page(), "alex")
    alex.goto("/live")
    alex.get_by_role("button", name="Take chat with Una Unknown").click()
    # Refused: the chat opens in preview, with the reason and the notice to add the contact.
    expect(alex.get_by_role("status").filter(has_text="unknown; add it first")).to_be_visible()
    expect(alex.get_by_role("log", name="Messages")).to_contain_text("Can someone help?")
    expect(alex.locator("#room-state")).to_have_text("This chat is waiting in the queue. Take it to answer.")
    alex.get_by_role("region", name="Unknown contact").get_by_role("button", name="Add contact").click()
    alex.get_by_role("dialog", name="Add contact").get_by_role("button", name="Save contact").click()
    expect(alex.get_by_role("region", name="Unknown contact")).to_be_hidden()

    alex.get_by_role("button", name="Take chat", exact=True).click()
    composer = alex.get_by_label("Message", exact=True)
    composer.fill("Hello Una!")
    composer.press("Enter")
    expect(panel.get_by_role("log").get_by_text("Hello Una!")).to_be_visible()
    expect(alex.locator("#queue")).to_contain_text("Nobody is waiting.")


def test_a_visitor_confirms_its_email_before_an_agent_joins(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_setting(services, "Livechat_Require_Contact_Verification", "once")
    set_available(services, agent)
    panel = _visitor_starts_chat(new_page(), name="Val Verify", email="val@example.com")
    _say(panel, "I need my account unlocked")
    verify = panel.get_by_role("region", name="Confirm your email")
    expect(verify.get_by_label("Email")).to_have_value("val@example.com")
    verify.get_by_role("button", name="Send code").click()
    expect(verify).to_contain_text("We sent a 6-digit code to val@example.com.")
    (body,) = [row.body_text for row in raw_rows(services, "SELECT body_text FROM outbound_emails")]
    code = re.search(r"code is (\d{6})", body).group(1)  # type: ignore[union-attr]

    wrong = "000000" if code != "000000" else "111111"
    verify.get_by_label("Code").fill(wrong)
    verify.get_by_role("button", name="Confirm").click()
    expect(verify.get_by_role("alert")).to_be_visible()
    verify.get_by_label("Code").fill(code)
    verify.get_by_role("button", name="Confirm").click()
    expect(verify).to_be_hidden()
    expect(panel.get_by_text("Your email address is confirmed")).to_be_visible()
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()


def test_a_visitor_confirms_its_mobile_number_by_sms_when_there_is_an_sms_channel(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_setting(services, "Livechat_Require_Contact_Verification", "once")
    set_available(services, agent)
    make_sms_channel(services)
    panel = _visitor_starts_chat(new_page(), name="Tex Text")
    _say(panel, "Please call me back")
    panel.get_by_role("button", name="Send it by text message instead").click()
    verify = panel.get_by_role("region", name="Confirm your mobile number")
    verify.get_by_label("Mobile number").fill("+1 555 010 4455")
    verify.get_by_role("button", name="Send code").click()
    expect(verify).to_contain_text("We sent a 6-digit code to +15550104455.")
    (body,) = [row.body for row in raw_rows(services, "SELECT body FROM channel_messages")]
    code = re.search(r"code is (\d{6})", body).group(1)  # type: ignore[union-attr]
    verify.get_by_label("Code").fill(code)
    verify.get_by_role("button", name="Confirm").click()
    expect(verify).to_be_hidden()
    expect(panel.get_by_text("Your mobile number is confirmed")).to_be_visible()
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()


def test_a_visitor_chats_with_the_keyboard_alone(services: Services, new_page: Any, agent: Persona) -> None:
    set_available(services, agent)
    page = new_page()
    page.goto("/livechat/test-page")
    launcher = page.get_by_role("button", name="Chat with us")
    page.keyboard.press("Tab")
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog", name="Omnidesk")
    expect(panel.get_by_label("Your name")).to_be_focused()
    page.keyboard.type("Kim Keys")
    page.keyboard.press("Enter")
    message = panel.get_by_label("Your message")
    expect(message).to_be_focused()
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Enter")
    expect(panel.get_by_role("log").get_by_text("Typed without a mouse")).to_be_visible()
    expect(message).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()


def test_with_nobody_online_the_visitor_leaves_a_message(services: Services, new_page: Any) -> None:
    page = new_page()
    page.goto("/livechat/test-page")
    page.get_by_role("button", name="Leave a message").click()
    panel = page.get_by_role("dialog", name="Leave a message")
    expect(panel).to_contain_text("We are not online right now.")
    panel.get_by_label("Your name").fill("Olga Offline")
    panel.get_by_label("Email").fill("olga@example.com")
    panel.get_by_label("Message").fill("Please call me back <b>tomorrow</b>")
    panel.get_by_role("button", name="Send message").click()
    expect(panel.get_by_text("Thank you. We will get back to you soon.")).to_be_visible()
    rows = raw_rows(services, "SELECT message FROM offline_messages")
    assert [row.message for row in rows] == ["Please call me back <b>tomorrow</b>"]


def test_edited_and_deleted_messages_change_on_both_sides(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_available(services, agent)
    panel = _visitor_starts_chat(new_page(), name="Eve Edits")
    _say(panel, "First version")
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()
    alex = signed_in(new_page(), "alex")
    alex.goto("/live")
    alex.locator("#mine").get_by_role("link", name="Eve Edits").click()
    log = alex.get_by_role("log", name="Messages")
    expect(log).to_contain_text("First version")
    composer = alex.get_by_label("Message", exact=True)
    composer.fill("A typo here")
    composer.press("Enter")
    expect(panel.get_by_role("log")).to_contain_text("A typo here")

    rid = alex.url.rsplit("/", 1)[-1]
    messages = agent.get(f"/api/v1/livechat/{rid}/messages").json()["messages"]
    (mine,) = [message for message in messages if message["msg"] == "A typo here"]
    change = {"roomId": rid, "msgId": mine["_id"], "text": "Fixed <i>"}
    edited = agent.post("/api/v1/chat.update", json=change)
    assert edited.status_code == 200, edited.text
    for side in (log, panel.get_by_role("log")):
        expect(side).to_contain_text("Fixed <i>")
        expect(side).not_to_contain_text("A typo here")
    deleted = agent.post("/api/v1/chat.delete", json={"roomId": rid, "msgId": mine["_id"]})
    assert deleted.status_code == 200, deleted.text
    for side in (log, panel.get_by_role("log")):
        expect(side).not_to_contain_text("Fixed <i>")
        expect(side).to_contain_text("First version")


def test_a_visitor_picks_a_department_and_its_agent_answers(
    services: Services, new_page: Any, agent: Persona, agent2: Persona
) -> None:
    make_department(services, "Sales", agent2, show_on_registration=True)
    make_department(services, "Internal", agent, show_on_registration=False)
    set_available(services, agent, agent2)
    page = new_page()
    page.goto("/livechat/test-page")
    page.get_by_role("button", name="Chat with us").click()
    panel = page.get_by_role("dialog", name="Omnidesk")
    department = panel.get_by_label("Department")
    expect(department.locator("option")).to_have_text(["Any", "Sales"])
    panel.get_by_label("Your name").fill("Dora Department")
    department.select_option(label="Sales")
    panel.get_by_role("button", name="Start chat").click()
    _say(panel, "I'd like a quote")
    expect(panel.get_by_text("You're chatting with Bea Agent")).to_be_visible()


def test_an_answer_to_a_closed_panel_marks_the_chat_button(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_available(services, agent)
    page = new_page()
    panel = _visitor_starts_chat(page, name="Mia Minimized")
    _say(panel, "I'll wait")
    expect(panel.get_by_text("You're chatting with Alex Agent")).to_be_visible()
    panel.get_by_role("button", name="Minimize the chat").click()
    launcher = page.get_by_role("button", name="Chat with us")
    expect(launcher).to_have_accessible_name("Chat with us")

    rooms = agent.get("/api/v1/livechat/rooms", params={"agents": agent.id, "open": "true"}).json()["rooms"]
    send_as_agent(agent, rooms[0]["_id"], "Thanks for waiting")
    expect(launcher).to_have_accessible_name("Chat with us (new message)")
    launcher.click()
    expect(panel.get_by_role("log").get_by_text("Thanks for waiting")).to_be_visible()
    expect(launcher).to_have_accessible_name("Chat with us")


def test_out_of_business_hours_the_widget_offers_the_offline_form_though_an_agent_is_available(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_available(services, agent)
    set_setting(services, "Livechat_enable_business_hours", True)
    today = datetime.now(UTC).date()
    with services.transaction() as session:
        hours = session.scalar(select(BusinessHour).where(BusinessHour.type == "default"))
        assert hours is not None
        hours.holidays = [(today + timedelta(days=shift)).isoformat() for shift in (-1, 0, 1)]
    page = new_page()
    page.goto("/livechat/test-page")
    page.get_by_role("button", name="Leave a message").click()
    expect(page.get_by_role("dialog", name="Leave a message")).to_contain_text("We are not online right now.")


def test_a_waiting_visitor_sees_its_place_in_line_move_up(
    services: Services, new_page: Any, agent: Persona, manager: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent)
    first = _visitor_starts_chat(new_page(), name="First Fiona")
    _say(first, "I was here first")
    second = _visitor_starts_chat(new_page(), name="Second Sam")
    _say(second, "Me too")
    expect(second.get_by_role("status").first).to_have_text("You're number 2 in line…")
    queued = manager.get("/api/v1/livechat/inquiries.queued").json()["inquiries"]
    fiona = next(inquiry for inquiry in queued if inquiry["name"] == "First Fiona")
    assert agent.post("/api/v1/livechat/inquiries.take", json={"inquiryId": fiona["_id"]}).status_code == 200
    expect(second.get_by_role("status").first).to_have_text("You're next in line…")
    expect(first.get_by_role("status").first).to_have_text("You're chatting with Alex Agent")
