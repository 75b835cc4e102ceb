"""The pages under their Content-Security-Policy in a real browser: every page works with no violation
reported, realtime and the widget included, and a recording URL of another scheme is never a link."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect

from omnidesk.http.security_headers import PAGE_POLICY
from omnidesk.models import Call
from omnidesk.services import Services
from tests.browser.conftest import sign_in, signed_in
from tests.helpers import Persona, page_paths
from tests.livechat_helpers import guest, set_available, set_setting

# Runs before any script of the page, in its main world: collects what the CSP refused.
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__violations.push(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
}, true);
"""


def watched(page: Any) -> list[str]:
    """``page`` reports CSP violations: those its documents saw and the console's "Refused to ..."."""
    refused: list[str] = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda message: refused.append(message.text) if "Refused to" in message.text else None)
    return refused


def violations(page: Any, refused: list[str]) -> list[str]:
    seen: list[str] = page.evaluate("window.__violations")
    return seen + refused


def _call(manager: Persona, external_id: str, recording_url: str) -> str:
    body = {
        "externalId": external_id,
        "event": "ended",
        "from": "+15550102233",
        "to": "+15550100000",
        "recordingUrl": recording_url,
    }
    response = manager.post("/api/v1/omnichannel/calls.event", json=body)
    assert response.status_code == 200, response.text
    call_id: str = response.json()["call"]["_id"]
    return call_id


def test_every_page_runs_under_the_policy_as_admin(
    services: Services, app_client: TestClient, new_page: Any, admin: Persona, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(app_client, "token-csp-walk", widget=True)
    visitor.register(name="Walker")
    room = visitor.open_room()
    assert visitor.say(room["_id"], "Hello").status_code == 200
    call_id = _call(admin, "pbx-walk", "https://recordings.example.com/1.mp3")
    call = admin.get("/api/v1/omnichannel/calls.get", params={"callId": call_id}).json()["call"]
    contact_id = call["contactId"]
    ids = {"chats": room["_id"], "contacts": contact_id, "calls": call_id, "live": room["_id"]}

    page = new_page()
    refused = watched(page)
    sign_in(page, "alice")
    # Every page in a tab of its own, all loading at once: their quiet half-seconds overlap.
    opened = []
    for path in page_paths():
        if path in ("/livechat/widget.js", "/login"):
            continue
        parts = path.split("/")
        if parts[-1] == "x1":
            path = "/".join([*parts[:-1], ids[parts[-2]]])
        tab = page.context.new_page()
        tab_refused = watched(tab)
        opened.append((path, tab, tab_refused, tab.goto(path, wait_until="commit")))
    for path, tab, tab_refused, response in opened:
        assert response is not None and response.ok, path
        tab.wait_for_load_state("networkidle")
        assert response.headers["content-security-policy"] == PAGE_POLICY, path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert violations(tab, tab_refused) == [], path
        tab.close()
    # The pages' scripts ran: the Chats deep link opened its panel, the dashboard drew its legend.
    page.goto(f"/contact-center/chats/{room['_id']}")
    expect(page.locator("#cc-drawer")).to_contain_text("Walker")
    page.goto("/dashboard")
    expect(page.locator("svg.swatch").first).to_be_visible()
    page.goto("/login")  # signed in: the login page still loads under the policy
    assert violations(page, refused) == []


def test_realtime_and_the_widget_work_under_the_policy(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent)
    staff = new_page()
    staff_refused = watched(staff)
    signed_in(staff, "alex")
    staff.goto("/live")
    queue = staff.locator("#queue")
    expect(queue).to_contain_text("Nobody is waiting.")

    visitor = new_page()
    visitor_refused = watched(visitor)
    visitor.goto("/livechat/test-page")
    visitor.get_by_role("button", name="Chat with us").click()
    panel = visitor.get_by_role("dialog", name="Omnidesk")
    panel.get_by_label("Your name").fill("Cora Policy")
    panel.get_by_role("button", name="Start chat").click()
    box = panel.get_by_label("Your message")
    box.fill("Does the policy let me in?")
    box.press("Enter")
    # Over /websocket ('self' covers ws: to this host): the chat reaches the agent's queue without a
    # reload, and the agent's answer reaches the visitor.
    expect(queue).to_contain_text("Cora Policy")
    staff.get_by_role("button", name="Take chat with Cora Policy").click()
    composer = staff.get_by_label("Message", exact=True)
    composer.fill("It does.")
    composer.press("Enter")
    expect(panel.get_by_role("log").get_by_text("It does.")).to_be_visible()
    # The widget's stylesheet applied: its buttons are styled, not the browser's defaults.
    minimize = visitor.get_by_role("button", name="Minimize the chat")
    assert minimize.evaluate("button => getComputedStyle(button).cursor") == "pointer"
    assert violations(staff, staff_refused) == []
    assert violations(visitor, visitor_refused) == []


def test_a_recording_of_another_scheme_is_never_a_link(
    services: Services, new_page: Any, manager: Persona
) -> None:
    safe = _call(manager, "pbx-safe", "https://recordings.example.com/safe.mp3")
    stored = _call(manager, "pbx-old", "https://recordings.example.com/old.mp3")
    # As a row stored before calls.event checked URLs would be.
    with services.transaction() as session:
        row = session.get(Call, stored)
        assert row is not None
        row.recording_url = "javascript:alert(1)"
    page = new_page()
    refused = watched(page)
    fired: list[str] = []
    page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    signed_in(page, "mona")

    page.goto(f"/contact-center/calls/{stored}")
    drawer = page.locator("#cc-drawer")
    expect(drawer).to_contain_text("javascript:alert(1)")
    expect(drawer.get_by_role("link", name="Listen")).to_have_count(0)
    assert page.locator('a[href^="javascript:" i]').count() == 0
    drawer.get_by_text("javascript:alert(1)").click()
    assert fired == []

    page.goto(f"/contact-center/calls/{safe}")
    listen = page.locator("#cc-drawer").get_by_role("link", name="Listen")
    expect(listen).to_have_attribute("href", "https://recordings.example.com/safe.mp3")
    expect(listen).to_have_attribute("rel", "noopener noreferrer")
    assert violations(page, refused) == []


def test_the_pages_show_a_favicon_of_our_own_that_the_policy_lets_load(new_page: Any, agent: Persona) -> None:
    page = new_page()
    refused = watched(page)
    for path in ("/login", "/live"):
        if path == "/live":
            signed_in(page, "alex", path)
        else:
            page.goto(path)
        icon = page.locator('head link[rel="icon"]')
        expect(icon).to_have_attribute("href", "/static/favicon.svg")
        response = page.request.get("/static/favicon.svg")
        assert response.status == 200 and response.headers["content-type"].startswith("image/svg+xml")
        # Drawn by the page itself, as the browser draws its tab's icon: allowed by img-src 'self'.
        width = page.evaluate(
            """(href) => new Promise((resolve) => {
              const image = new Image();
              image.onload = () => resolve(image.naturalWidth);
              image.onerror = () => resolve(0);
              image.src = href;
            })""",
            icon.get_attribute("href"),
        )
        assert width > 0, path
    assert violations(page, refused) == []
