"""SLAs in a real browser: a manager creates one on the SLAs page, gives it to a chat from the chat's
side panel, and the Chats list shows the time left, then overdue once the worker marks it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from playwright.sync_api import expect
from sqlalchemy import update

from omnidesk.db import utcnow
from omnidesk.models import Room
from omnidesk.services import Services
from omnidesk.workers.queue_timers import run_queue_timers
from tests.browser.conftest import signed_in
from tests.helpers import Persona
from tests.livechat_helpers import guest, set_available


def test_a_manager_creates_an_sla_gives_it_to_a_chat_and_sees_it_come_due(
    services: Services, app_client: TestClient, new_page: Any, manager: Persona, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(app_client, "token-sla-dora", widget=True)
    visitor.register(name="Dora Due")
    room = visitor.open_room()
    assert visitor.say(room["_id"], "Where is my parcel?").status_code == 200

    page = signed_in(new_page(), "mona")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="SLAs").click()
    expect(page.get_by_text("No SLAs yet.")).to_be_visible()
    page.get_by_role("button", name="New SLA").click()
    dialog = page.get_by_role("dialog", name="New SLA")
    dialog.get_by_label("Name").fill("Gold")
    dialog.get_by_label("Description").fill("Premium customers")
    dialog.get_by_label("Due time in minutes").fill("90")
    dialog.get_by_role("button", name="Save SLA").click()
    expect(dialog).to_be_hidden()
    row = page.get_by_role("row").filter(has_text="Gold")
    expect(row).to_contain_text("Premium customers")
    expect(row).to_contain_text("1 h 30 min")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Departments").click()
    page.get_by_role("button", name="New department").click()
    dialog = page.get_by_role("dialog", name="New department")
    dialog.get_by_label("Name").fill("Sales")
    dialog.get_by_label("Default SLA").select_option(label="Gold (90 min)")
    dialog.get_by_role("button", name="Save department").click()
    expect(dialog).to_be_hidden()
    [sales] = manager.get("/api/v1/livechat/department").json()["departments"]
    assert sales["slaId"] == manager.get("/api/v1/livechat/sla").json()["sla"][0]["_id"]

    page.goto(f"/contact-center/chats/{room['_id']}")
    drawer = page.locator("#cc-drawer")
    drawer.get_by_role("button", name="Edit").click()
    drawer.get_by_label("SLA").select_option(label="Gold (90 min)")
    drawer.get_by_role("button", name="Save").click()
    expect(drawer.get_by_text("Gold", exact=False).first).to_be_visible()
    rows = page.locator("#chats-table tbody tr[data-id]")
    expect(rows.filter(has_text="Dora Due")).to_contain_text("min left")
    saved = manager.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert saved["estimatedWaitingTimeQueue"] == 90

    with services.transaction() as session:  # the agent has not answered, and the SLA came due
        session.execute(
            update(Room).where(Room.id == room["_id"]).values(sla_due_at=utcnow() - timedelta(minutes=1))
        )
    assert run_queue_timers(services) == 1
    page.reload()
    expect(page.locator("#chats-table tbody tr[data-id]").filter(has_text="Dora Due")).to_contain_text(
        "Overdue"
    )
