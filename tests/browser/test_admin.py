"""The administration pages in a real browser: every change goes through the REST API."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from omnidesk.models import Department, DepartmentAgent
from omnidesk.queries.settings import setting_value
from omnidesk.services import Services
from tests.browser.conftest import signed_in
from tests.conftest import make_persona
from tests.helpers import Persona


def test_a_manager_creates_a_department_a_tag_and_a_searchable_custom_field(
    new_page: Any, manager: Persona, agent: Persona
) -> None:
    page = signed_in(new_page(), "mona")
    nav = page.get_by_role("navigation", name="Main")

    nav.get_by_role("link", name="Departments").click()
    expect(page.get_by_text("No departments yet.")).to_be_visible()
    page.get_by_role("button", name="New department").click()
    dialog = page.get_by_role("dialog", name="New department")
    dialog.get_by_label("Name").fill("Returns")
    dialog.get_by_label("Email").fill("returns@example.com")
    dialog.get_by_label("Alex Agent (@alex)").check()
    dialog.get_by_role("button", name="Save department").click()
    expect(dialog).to_be_hidden()
    row = page.get_by_role("row").filter(has_text="Returns")
    expect(row).to_contain_text("returns@example.com")
    expect(row.get_by_role("cell", name="1", exact=True)).to_be_visible()  # one agent

    nav.get_by_role("link", name="Tags").click()
    page.get_by_role("button", name="New tag").click()
    dialog = page.get_by_role("dialog", name="New tag")
    dialog.get_by_label("Name").fill("damaged")
    dialog.get_by_label("Description").fill("Arrived broken")
    dialog.get_by_label("Returns").check()
    dialog.get_by_role("button", name="Save tag").click()
    row = page.get_by_role("row").filter(has_text="damaged")
    expect(row).to_contain_text("Arrived broken")
    expect(row).to_contain_text("Returns")

    nav.get_by_role("link", name="Custom fields").click()
    page.get_by_role("button", name="New custom field").click()
    dialog = page.get_by_role("dialog", name="New custom field")
    dialog.get_by_label("Key").fill("loyaltyId")
    dialog.get_by_label("Label").fill("Loyalty card")
    dialog.get_by_label("Searchable").check()
    dialog.get_by_role("button", name="Save custom field").click()
    row = page.get_by_role("row").filter(has_text="Loyalty card")
    expect(row).to_contain_text("loyaltyId")
    expect(row.get_by_role("cell").nth(5)).to_have_text("Yes")  # searchable

    departments = manager.get("/api/v1/livechat/department").json()["departments"]
    assert [(d["name"], d["email"], d["numAgents"]) for d in departments] == [
        ("Returns", "returns@example.com", 1)
    ]
    tag = manager.get("/api/v1/livechat/tags").json()["tags"][0]
    assert (tag["name"], tag["departments"]) == ("damaged", [departments[0]["_id"]])
    field = manager.get("/api/v1/livechat/custom-fields/loyaltyId").json()["customField"]
    assert field["searchable"] is True and field["scope"] == "visitor"


def test_a_manager_changes_the_routing_method_and_renames_a_priority(
    services: Services, new_page: Any, manager: Persona
) -> None:
    page = signed_in(new_page(), "mona")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_label("Routing method").select_option("Manual_Selection")
    page.get_by_label("Accept chats when no agent is online").check()
    expect(page.get_by_text("2 unsaved changes")).to_be_visible()
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("All changes saved.")).to_be_visible()
    assert page.get_by_text("Email (SMTP)").count() == 0  # SMTP settings are for admins

    page.reload()
    expect(page.get_by_label("Routing method")).to_have_value("Manual_Selection")
    with services.transaction() as session:
        assert setting_value(session, "Livechat_Routing_Method") == "Manual_Selection"
        assert setting_value(session, "Livechat_accept_chats_with_no_agents") is True

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Priorities").click()
    page.get_by_label("Name of priority 1").fill("Urgent")
    page.get_by_role("row").filter(has=page.get_by_label("Name of priority 1")).get_by_role(
        "button", name="Save"
    ).click()
    expect(page.get_by_role("button", name="Reset Urgent")).to_be_visible()
    names = [p.get("name") for p in manager.get("/api/v1/livechat/priorities").json()["priorities"]]
    assert "Urgent" in names


def test_an_admin_connects_a_voice_line_and_agents_may_not_open_administration(
    new_page: Any, admin: Persona, agent: Persona
) -> None:
    page = signed_in(new_page(), "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Voice lines").click()
    expect(page.get_by_text("No voice lines yet.")).to_be_visible()
    page.get_by_role("button", name="New voice line").click()
    dialog = page.get_by_role("dialog", name="New voice line")
    dialog.get_by_label("Phone number").fill("+14155550100")
    dialog.get_by_label("Queue").fill("support")
    dialog.get_by_label("Twilio account SID").fill("AC" + "0123456789abcdef" * 2)
    dialog.get_by_label("Twilio auth token").fill("secret-token")
    dialog.get_by_role("button", name="Save voice line").click()
    row = page.get_by_role("row").filter(has_text="+14155550100")
    expect(row).to_contain_text("/voice/twilio/")  # the webhook address to give Twilio
    assert "secret-token" not in page.content()

    agent_page = signed_in(new_page(), "alex")
    for path in ("/admin/departments", "/admin/settings", "/dashboard"):
        response = agent_page.goto(path)
        assert response is not None and response.status == 403, path
        expect(agent_page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_a_manager_sets_an_agents_chat_limit_keeping_its_departments(
    new_page: Any, services: Services, manager: Persona, agent: Persona
) -> None:
    with services.transaction() as session:
        department = Department(name="Returns", chat_closing_tags=[])
        session.add(department)
        session.flush()
        session.add(DepartmentAgent(department_id=department.id, agent_id=agent.id))
        department_id = department.id
    page = signed_in(new_page(), "mona")
    page.goto("/admin/agents")
    limit = page.get_by_label("alex max chats")
    expect(limit).to_have_value("0")
    limit.fill("4")
    limit.press("Tab")
    expect(page.get_by_text("alex serves at most 4 chats at once.")).to_be_visible()
    shown = manager.get(f"/api/v1/livechat/users/agent/{agent.id}").json()["user"]
    assert shown["livechat"] == {"maxNumberSimultaneousChat": 4}
    assert shown["departments"] == [department_id]
    expect(page.get_by_label("alex max chats")).to_have_value("4")


def test_a_manager_edits_the_default_business_hours_and_adds_hours_for_a_department(
    new_page: Any, services: Services, manager: Persona
) -> None:
    with services.transaction() as session:
        session.add(Department(name="Returns", chat_closing_tags=[]))
    page = signed_in(new_page(), "mona")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Business hours").click()
    default = page.get_by_role("form", name="Default hours")
    default.get_by_label("Time zone").fill("Europe/Berlin")
    default.get_by_label("Sunday open", exact=True).uncheck()
    default.get_by_label("Monday opens at").fill("09:00")
    default.get_by_label("Closed days").fill("2026-12-25")
    default.get_by_role("button", name="Save Default hours").click()
    expect(page.get_by_text("Business hours saved.")).to_be_visible()
    hours = manager.get("/api/v1/livechat/business-hour", params={"type": "default"}).json()["businessHour"]
    assert hours["timezone"]["name"] == "Europe/Berlin" and hours["holidays"] == ["2026-12-25"]
    by_day = {entry["day"]: entry for entry in hours["workHours"]}
    assert by_day["Sunday"]["open"] is False and by_day["Monday"]["start"]["time"] == "09:00"

    page.get_by_role("button", name="New business hours").click()
    fresh = page.get_by_role("form", name="New business hours")
    fresh.get_by_label("Name").fill("Returns desk")
    fresh.get_by_label("Monday open", exact=True).check()
    fresh.get_by_label("Returns").check()
    fresh.get_by_role("button", name="Save New business hours").click()
    expect(page.get_by_role("form", name="Returns desk")).to_be_visible()
    listed = manager.get("/api/v1/livechat/business-hours", params={"name": "returns"}).json()
    (custom,) = listed["businessHours"]
    assert [department["name"] for department in custom["departments"]] == ["Returns"]
    page.get_by_role("form", name="Returns desk").get_by_label("Monday closes at").fill("08:00")
    page.get_by_role("form", name="Returns desk").get_by_label("Monday opens at").fill("10:00")
    page.get_by_role("form", name="Returns desk").get_by_role("button", name="Save Returns desk").click()
    expect(page.get_by_role("form", name="Returns desk").get_by_role("alert")).to_contain_text(
        "On Monday the hours must finish after they start"
    )


def test_a_long_name_is_cut_short_with_a_tooltip_and_the_row_keeps_its_buttons(
    services: Services, app_client: Any, new_page: Any, admin: Persona, agent: Persona
) -> None:
    name = "Maximiliana Featherstonehaug"  # 28 characters
    long = make_persona(
        services, app_client, "maximiliana.featherstonehaugh", ["livechat-agent", "user"], name
    )
    with services.transaction() as session:
        department = Department(name="Returns and exchanges (Europe)", chat_closing_tags=[])
        session.add(department)
        session.flush()
        session.add(DepartmentAgent(department_id=department.id, agent_id=long.id))

    page = signed_in(new_page(width=1440, height=900), "alice", "/admin/agents")
    row = page.get_by_role("row").filter(has_text="@maximiliana")
    remove = row.get_by_role("button", name="Remove maximiliana.featherstonehaugh")
    availability = row.get_by_role("button", name="maximiliana.featherstonehaugh available")
    expect(remove).to_be_visible()
    # Nothing scrolls sideways: every column, the buttons included, shows in the table's box.
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("(node) => node.scrollWidth <= node.clientWidth")
    wrap_box = wrap.bounding_box()
    assert wrap_box is not None
    for button in (availability, remove):
        box = button.bounding_box()
        assert box is not None and box["x"] + box["width"] <= wrap_box["x"] + wrap_box["width"], box
    # The long texts end with an ellipsis; the whole text is their tooltip.
    for text in (name, "@maximiliana.featherstonehaugh", "maximiliana.featherstonehaugh@example.com"):
        cell = row.get_by_title(text, exact=True)
        expect(cell).to_have_text(text)
        assert cell.evaluate("(node) => getComputedStyle(node).textOverflow") == "ellipsis"
    email = row.get_by_title("maximiliana.featherstonehaugh@example.com", exact=True)
    assert email.evaluate("(node) => node.scrollWidth > node.clientWidth")  # it is cut short


def test_adding_an_agent_suggests_the_users_who_are_not_agents_yet(
    services: Services, app_client: Any, new_page: Any, manager: Persona, agent: Persona
) -> None:
    make_persona(services, app_client, "margaret", ["user"], "Margaret Hamilton")
    make_persona(services, app_client, "mark", ["user"], "Mark Alexander")
    page = signed_in(new_page(), "mona", "/admin/agents")
    field = page.get_by_label("Add agent by username")
    options = page.locator("#add-username-suggestions option")
    field.fill("mar")
    expect(options).to_have_count(2)
    expect(options.first).to_have_attribute("value", "margaret")
    expect(options.first).to_have_text("Margaret Hamilton (@margaret)")
    field.fill("alex")  # alex is an agent already; Mark Alexander is not
    expect(options).to_have_count(1)
    expect(options.first).to_have_attribute("value", "mark")

    field.fill("margaret")
    page.get_by_role("button", name="Add agent").click()
    expect(page.get_by_role("row").filter(has_text="@margaret")).to_be_visible()
