"""Business hours: Rocket.Chat's business-hour(s) routes and shapes, single and per department, time
zones and closed days; out of hours the widget is offline, new chats are refused or wait, and agents
are made not-available until the hours open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from omnidesk.actions.agents import set_agent_status
from omnidesk.actions.business_hours import apply_business_hours
from omnidesk.models import BusinessHour, Room, User
from omnidesk.queries.business_hours import open_at
from omnidesk.services import Services
from omnidesk.workers.queue_timers import run_queue_timers
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import guest, make_department, set_available, set_setting

ONE = "/api/v1/livechat/business-hour"
LIST = "/api/v1/livechat/business-hours"
SAVE = "/api/v1/livechat/business-hours.save"
REMOVE = "/api/v1/livechat/business-hours.remove"
STATUS = "/api/v1/livechat/agent.status"
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def all_week(start: str = "00:00", finish: str = "23:59") -> list[dict[str, Any]]:
    return [{"day": day, "start": start, "finish": finish, "open": True} for day in DAYS]


def closed_these_days() -> list[str]:
    """Yesterday, today and tomorrow (UTC): closed now whatever the hour."""
    today = datetime.now(UTC).date()
    return [(today + timedelta(days=shift)).isoformat() for shift in (-1, 0, 1)]


def default_hours(manager: Persona) -> dict[str, Any]:
    response = manager.get(ONE, params={"type": "default"})
    assert response.status_code == 200, response.text
    hours: dict[str, Any] = response.json()["businessHour"]
    return hours


def save(manager: Persona, **body: Any) -> Any:
    return manager.post(SAVE, json={"active": True, "timezoneName": "UTC", "workHours": all_week(), **body})


def status_of(services: Services, agent: Persona) -> str:
    with services.transaction() as session:
        user = session.get(User, agent.id)
        assert user is not None
        return user.livechat_status


def online(client: TestClient, department: str) -> bool:
    config = client.get("/api/v1/livechat/config", params={"department": department}).json()["config"]
    return bool(config["online"])


def test_the_default_hours_come_in_rocket_chats_shape(
    services: Services, manager: Persona, agent: Persona
) -> None:
    hours = default_hours(manager)
    assert (hours["type"], hours["active"], hours["timezone"]) == (
        "default",
        True,
        {"name": "UTC", "utc": "+00:00"},
    )
    monday = hours["workHours"][0]
    assert monday["day"] == "Monday" and monday["open"] is True
    assert monday["start"] == {
        "time": "00:00",
        "utc": {"dayOfWeek": "Monday", "time": "00:00"},
        "cron": {"dayOfWeek": "Monday", "time": "00:00"},
    }
    assert [entry["day"] for entry in hours["workHours"]] == DAYS
    assert manager.get(ONE, params={"type": "invalid"}).json() == {"businessHour": None, "success": True}
    assert manager.get(ONE, params={"_id": hours["_id"]}).json()["businessHour"]["_id"] == hours["_id"]
    assert_error(agent.get(ONE), 403, "error-unauthorized")
    listed = manager.get(LIST).json()
    assert (listed["total"], listed["businessHours"][0]["_id"]) == (1, hours["_id"])


def test_hours_are_read_in_their_time_zone_with_closed_days() -> None:
    tokyo = BusinessHour(
        name="Tokyo",
        type="custom",
        active=True,
        timezone="Asia/Tokyo",
        work_hours=[{"day": "Monday", "start": "09:00", "finish": "17:00", "open": True}],
        holidays=["2026-12-14"],
    )
    assert open_at(tokyo, datetime(2026, 12, 7, 0, 30, tzinfo=UTC))  # Monday 09:30 in Tokyo
    assert not open_at(tokyo, datetime(2026, 12, 6, 23, 30, tzinfo=UTC))  # 08:30 there
    assert not open_at(tokyo, datetime(2026, 12, 7, 8, 0, tzinfo=UTC))  # 17:00 there: closed
    assert not open_at(tokyo, datetime(2026, 12, 14, 1, 0, tzinfo=UTC))  # a Monday, but a closed day
    late = BusinessHour(
        timezone="UTC", work_hours=[{"day": "Friday", "start": "20:00", "finish": "23:59", "open": True}]
    )
    late.holidays = []
    assert open_at(late, datetime(2026, 12, 4, 23, 59, 40, tzinfo=UTC))  # 23:59 keeps the day open
    assert date(2026, 12, 4).weekday() == 4


def test_a_zone_shows_its_offset_and_the_utc_days_of_its_hours(manager: Persona) -> None:
    saved = save(
        manager,
        _id=default_hours(manager)["_id"],
        type="default",
        timezoneName="Asia/Kolkata",
        workHours=[{"day": "Monday", "start": "02:00", "finish": "12:00", "open": True}],
    )
    assert saved.status_code == 200, saved.text
    hours = default_hours(manager)
    assert hours["timezone"] == {"name": "Asia/Kolkata", "utc": "+05:30"}
    (monday,) = hours["workHours"]
    assert monday["start"]["utc"] == {"dayOfWeek": "Sunday", "time": "20:30"}  # 02:00 in Kolkata
    assert monday["finish"]["utc"] == {"dayOfWeek": "Monday", "time": "06:30"}


def test_out_of_hours_the_widget_is_offline_chats_are_refused_and_agents_unavailable_until_opening(
    services: Services, anonymous: TestClient, manager: Persona, agent: Persona
) -> None:
    set_available(services, agent)
    default = default_hours(manager)
    set_setting(services, "Livechat_enable_business_hours", True)
    closed = save(manager, _id=default["_id"], type="default", holidays=closed_these_days())
    assert closed.status_code == 200, closed.text
    assert status_of(services, agent) == "not-available"  # the hours closed: the agent serves no chats
    assert_error(agent.post(STATUS, json={"status": "available"}), 400, "error-business-hours-are-closed")
    # A manager's attempt leaves the status as it is, as Rocket.Chat does.
    kept = manager.post(STATUS, json={"status": "available", "agentId": agent.id})
    assert kept.status_code == 200 and kept.json()["status"] == "not-available"

    config = anonymous.get("/api/v1/livechat/config").json()["config"]
    assert config["online"] is False
    visitor = guest(anonymous, "out-of-hours")
    visitor.register(name="Late caller")
    assert_error(visitor.room(), 400, "no-agent-online")
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    waiting = visitor.open_room()
    assert waiting.get("servedBy") is None  # it waits for the hours

    opened = save(manager, _id=default["_id"], type="default", holidays=[])
    assert opened.status_code == 200, opened.text
    assert status_of(services, agent) == "available"
    with services.transaction() as session:
        room = session.get(Room, waiting["_id"])
        assert room is not None and room.served_by_id == agent.id  # the queue moved as the hours opened
    assert anonymous.get("/api/v1/livechat/config").json()["config"]["online"] is True


def test_an_agent_who_made_itself_unavailable_stays_so_when_the_hours_open(
    services: Services, manager: Persona, agent: Persona, agent2: Persona
) -> None:
    set_available(services, agent, agent2)
    default = default_hours(manager)
    set_setting(services, "Livechat_enable_business_hours", True)
    save(manager, _id=default["_id"], type="default", holidays=closed_these_days())
    assert (status_of(services, agent), status_of(services, agent2)) == ("not-available", "not-available")
    with services.transaction() as session:  # bea goes off by herself meanwhile (a status she set)
        bea = session.get(User, agent2.id)
        assert bea is not None
        set_agent_status(session, user=bea, status="not-available")
    save(manager, _id=default["_id"], type="default", holidays=[])
    assert (status_of(services, agent), status_of(services, agent2)) == ("available", "not-available")
    set_setting(services, "Livechat_enable_business_hours", False)
    assert run_queue_timers(services) == 0


def test_per_department_hours_close_only_their_department(
    services: Services, anonymous: TestClient, manager: Persona, agent: Persona, agent2: Persona
) -> None:
    billing = make_department(services, "Billing", agent2)
    sales = make_department(services, "Sales", agent)
    set_available(services, agent, agent2)
    set_setting(services, "Livechat_enable_business_hours", True)
    set_setting(services, "Livechat_business_hour_type", "Multiple")
    saved = save(
        manager,
        name="Billing hours",
        type="custom",
        timezoneName="Europe/Berlin",
        holidays=closed_these_days(),
        departmentsToApplyBusinessHour=billing,
    )
    assert saved.status_code == 200, saved.text
    (custom,) = manager.get(LIST, params={"name": "billing"}).json()["businessHours"]
    assert custom["departments"] == [{"_id": billing, "name": "Billing"}]
    assert (status_of(services, agent), status_of(services, agent2)) == ("available", "not-available")
    assert (
        anonymous.get("/api/v1/livechat/config", params={"department": billing}).json()["config"]["online"]
        is False
    )
    assert (
        anonymous.get("/api/v1/livechat/config", params={"department": sales}).json()["config"]["online"]
        is True
    )

    removed = manager.post(REMOVE, json={"_id": custom["_id"], "type": "custom"})
    assert removed.status_code == 200, removed.text
    assert status_of(services, agent2) == "available"  # Billing keeps the default hours again
    assert_error(
        manager.post(REMOVE, json={"_id": custom["_id"], "type": "custom"}),
        400,
        "error-business-hour-not-found",
    )
    default_id = default_hours(manager)["_id"]
    assert_error(
        manager.post(REMOVE, json={"_id": default_id, "type": "default"}), 400, "error-business-hour-type"
    )


def test_bad_hours_are_refused_with_a_clear_error(manager: Persona) -> None:
    default_id = default_hours(manager)["_id"]
    cases = [
        {"workHours": [{"day": "Monday", "start": "08:00", "finish": "08:00", "open": True}]},
        {"workHours": [{"day": "Monday", "start": "10:00", "finish": "08:00", "open": True}]},
        {"workHours": [{"day": "Monday", "start": "20000", "finish": "xxxxx", "open": True}]},
        {"workHours": [{"day": "Caturday", "start": "08:00", "finish": "09:00", "open": True}]},
        {"timezoneName": "Mars/Olympus_Mons"},
        {"holidays": ["2026-13-40"]},
    ]
    for case in cases:
        response = save(manager, _id=default_id, type="default", **case)
        assert_error(response, 400, "error-saving-business-hour")
    assert_error(save(manager, type="custom", name=" "), 400, "error-saving-business-hour")
    assert_error(save(manager, type="weekly"), 400, "error-saving-business-hour")
    assert save(manager, type="custom", name="x", workHours=[{"day": "Monday"}]).status_code == 400
    assert default_hours(manager)["workHours"][0]["start"]["time"] == "00:00"  # nothing was saved


def test_the_timer_closes_and_opens_agents_as_the_clock_passes_the_hours(
    services: Services, manager: Persona, agent: Persona
) -> None:
    set_available(services, agent)
    set_setting(services, "Livechat_enable_business_hours", True)
    nine_to_five = [{"day": "Monday", "start": "09:00", "finish": "17:00", "open": True}]
    with services.transaction() as session:
        hours = default_hours_row(session)
        hours.timezone, hours.work_hours = "Europe/Berlin", nine_to_five
    monday = datetime(2026, 12, 7, tzinfo=UTC)
    for hour, expected, changed in ((7, "not-available", 1), (8, "available", 1), (12, "available", 0)):
        with services.transaction() as session:  # 08:00, 09:00 and 13:00 in Berlin
            assert apply_business_hours(session, monday + timedelta(hours=hour)) == changed
        assert status_of(services, agent) == expected, hour
    with services.transaction() as session:
        assert apply_business_hours(session, monday + timedelta(hours=16)) == 1  # 17:00 there: closed
    assert status_of(services, agent) == "not-available"


def default_hours_row(session: Any) -> BusinessHour:
    hours = session.scalar(select(BusinessHour).where(BusinessHour.type == "default"))
    assert hours is not None
    return hours
