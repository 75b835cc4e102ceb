"""A visitor sends a photo that the agent sees inline and opens; the agent sends a document back that
the visitor sees as a link with its name and size, and downloads by its signed link."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image
from playwright.sync_api import expect

from omnidesk.services import Services
from tests.browser.conftest import signed_in
from tests.helpers import Persona
from tests.livechat_helpers import set_available, set_setting

PDF = b"%PDF-1.4\n% the signed contract\n"


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 600), (20, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_visitor_sends_a_photo_and_the_agent_sends_a_document_back(
    services: Services, new_page: Any, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent)
    staff = signed_in(new_page(), "alex")
    staff.goto("/live")

    visitor = new_page()
    visitor.goto("/livechat/test-page")
    visitor.get_by_role("button", name="Chat with us").click()
    panel = visitor.get_by_role("dialog", name="Omnidesk")
    panel.get_by_label("Your name").fill("Vera Visitor")
    panel.get_by_role("button", name="Start chat").click()
    box = panel.get_by_label("Your message")
    box.fill("Here is the damaged parcel")
    box.press("Enter")
    panel.locator("input[type=file]").set_input_files(
        files=[{"name": "parcel.png", "mimeType": "image/png", "buffer": _photo()}]
    )
    visitor_log = panel.get_by_role("log", name="Messages")
    expect(visitor_log.get_by_role("img", name="parcel.png")).to_be_visible()

    staff.get_by_role("button", name="Take chat with Vera Visitor").click()
    log = staff.get_by_role("log", name="Messages")
    image = log.get_by_role("img", name="parcel.png")
    expect(image).to_be_visible()
    # The thumbnail, inline: loaded (not a broken image) and no wider than the CSS allows.
    staff.wait_for_function(
        "() => [...document.querySelectorAll('#messages img')].some(img => img.naturalWidth === 480)"
    )
    with staff.expect_popup() as opened:
        log.get_by_role("link", name="parcel.png").click()
    original = opened.value
    original.wait_for_load_state()
    assert "/file-upload/" in original.url
    assert original.evaluate("document.images[0].naturalWidth") == 900

    # The agent sends a document back; it arrives in the widget live, as a link with name and size.
    staff.locator("#composer-file").set_input_files(
        files=[{"name": "contract.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    expect(log.get_by_role("link", name="contract.pdf")).to_be_visible()
    link = visitor_log.get_by_role("link", name="contract.pdf")
    expect(link).to_be_visible()
    expect(link).to_contain_text(f"{len(PDF)} B")
    href = link.get_attribute("href")
    assert href and "/file-upload/" in href and "?token=" in href
    fetched = visitor.evaluate("async (url) => (await fetch(url)).status", href)
    assert fetched == 200
