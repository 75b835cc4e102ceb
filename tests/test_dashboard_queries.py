"""The manager dashboard's queries (queries/dashboard.py) on real rows, and its page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from omnidesk.browser_session import SESSION_COOKIE
from omnidesk.demo.workspace import load_demo
from omnidesk.models import Message, Room
from omnidesk.queries import dashboard
from omnidesk.services import Services
from tests.helpers import Persona
from tests.livechat_helpers import guest, make_department, send_as_agent, set_available, set_setting

NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
PERIOD = dashboard.Period.ending_today(14, now=NOW)  # Nov 17 .. Nov 30


def _open_chat(
    client: TestClient,
    token: str,
    *,
    widget: bool = True,
    name: str = "Visitor",
    department: str | None = None,
) -> dict[str, Any]:
    visitor = guest(client, token, widget=widget)
    visitor.register(name=name, **({"department": department} if department else {}))
    room = visitor.open_room()
    visitor.say(room["_id"], "Hello?")
    return room


def _move_room(
    services: Services, rid: str, *, created: datetime, closed: datetime | None = None, messages: bool = True
) -> None:
    with services.transaction() as session:
        values: dict[str, Any] = {"created_at": created}
        if closed is not None:
            values["closed_at"] = closed
        session.execute(update(Room).where(Room.id == rid).values(**values))
        if messages:
            session.execute(update(Message).where(Message.room_id == rid).values(created_at=created))


def test_chats_are_counted_per_channel_and_utc_day(
    services: Services, app_client: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    late = _open_chat(app_client, "t-late")  # widget, 23:30 UTC on Nov 20
    early = _open_chat(app_client, "t-early")  # widget, 00:30 UTC on Nov 21
    api = _open_chat(app_client, "t-api", widget=False)  # API, Nov 21
    old = _open_chat(app_client, "t-old")  # before the period
    _move_room(services, late["_id"], created=datetime(2026, 11, 20, 23, 30, tzinfo=UTC))
    _move_room(services, early["_id"], created=datetime(2026, 11, 21, 0, 30, tzinfo=UTC))
    _move_room(services, api["_id"], created=datetime(2026, 11, 21, 9, 0, tzinfo=UTC))
    _move_room(services, old["_id"], created=datetime(2026, 11, 16, 23, 59, tzinfo=UTC))

    with services.transaction() as session:
        counts = dashboard.chats_per_channel_per_day(session, PERIOD)

    assert list(counts) == ["widget", "api"]  # busiest channel first
    assert set(counts["widget"]) == set(PERIOD.day_list)  # every day present, zeros included
    assert counts["widget"][date(2026, 11, 20)] == 1 and counts["widget"][date(2026, 11, 21)] == 1
    assert counts["api"][date(2026, 11, 21)] == 1
    assert sum(counts["widget"].values()) == 2 and sum(counts["api"].values()) == 1


def test_right_now_counts_queued_open_and_held_chats(
    services: Services, app_client: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_accept_chats_with_no_agents", True)
    # The queued chat waits for a department nobody serves (an agent with room would get it).
    nobody = make_department(services, "Night shift")
    queued = _open_chat(app_client, "t-queued", department=nobody)
    set_available(services, agent)
    talking = _open_chat(app_client, "t-talking")
    held = _open_chat(app_client, "t-held")
    closed = _open_chat(app_client, "t-closed")
    send_as_agent(agent, held["_id"], "One moment")
    assert agent.post("/api/v1/livechat/room.onHold", json={"roomId": held["_id"]}).status_code == 200
    assert guest(app_client, "t-closed").close(closed["_id"]).status_code == 200

    with services.transaction() as session:
        now = dashboard.right_now(session)
        assert session.get(Room, queued["_id"]).served_by_id is None  # type: ignore[union-attr]
        assert session.get(Room, talking["_id"]).served_by_id == agent.id  # type: ignore[union-attr]

    assert (now.queued, now.open, now.on_hold, now.live_calls) == (1, 1, 1, 0)


def test_medians_of_first_response_and_resolution(
    services: Services, app_client: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    start = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    rooms = [_open_chat(app_client, f"t-{index}") for index in range(4)]
    for room in rooms:
        _move_room(services, room["_id"], created=start)
    # Staff answer after 60 s, 180 s and 600 s; the fourth chat never gets an answer.
    for room, wait in zip(rooms, (60, 180, 600), strict=False):
        send_as_agent(agent, room["_id"], "Hi! How can I help?")
        send_as_agent(agent, room["_id"], "A second message does not count")
        with services.transaction() as session:
            first, second = session.scalars(
                select(Message)
                .where(Message.room_id == room["_id"], Message.author_kind == "user")
                .order_by(Message.created_at)
            ).all()
            first.created_at = start + timedelta(seconds=wait)
            second.created_at = start + timedelta(seconds=wait + 5)
    # Two chats closed in the period, after 10 and 30 minutes; one closed before it.
    for index, minutes in enumerate((10, 30)):
        room = rooms[index]
        assert guest(app_client, f"t-{index}").close(room["_id"]).status_code == 200
        closed = start + timedelta(minutes=minutes)
        _move_room(services, room["_id"], created=start, closed=closed, messages=False)
    guest(app_client, "t-2").close(rooms[2]["_id"])
    _move_room(
        services,
        rooms[2]["_id"],
        created=datetime(2026, 11, 1, tzinfo=UTC),
        closed=datetime(2026, 11, 2, tzinfo=UTC),
    )

    with services.transaction() as session:
        times = dashboard.response_times(session, PERIOD)

    assert times.first_response == 120.0 and times.first_response_count == 2  # median of 60 and 180
    assert times.resolution == 20 * 60 and times.resolution_count == 2


def test_nothing_to_measure_gives_no_median(services: Services) -> None:
    with services.transaction() as session:
        times = dashboard.response_times(session, PERIOD)
        assert dashboard.chats_per_channel_per_day(session, PERIOD) == {}
        calls = dashboard.calls_per_day(session, PERIOD)
    assert times.first_response is None and times.resolution is None
    assert len(calls) == 14 and all(day.answered == day.missed == 0 for day in calls)


def test_calls_answered_and_missed_per_day(services: Services, agent: Persona) -> None:
    def log(started: datetime, *, answered: bool, state: str | None = None) -> None:
        body: dict[str, Any] = {
            "direction": "inbound",
            "phoneNumber": "+15550102233",
            "startedAt": started.isoformat(),
            "endedAt": (started + timedelta(minutes=3)).isoformat(),
        }
        if answered:
            body["answeredAt"] = (started + timedelta(seconds=20)).isoformat()
        if state:
            body["state"] = state
        response = agent.post("/api/v1/omnichannel/calls.log", json=body)
        assert response.status_code == 200, response.text

    day = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    log(day, answered=True)
    log(day + timedelta(hours=1), answered=True)
    log(day + timedelta(hours=2), answered=False)  # no answer: missed
    log(day + timedelta(hours=3), answered=False, state="busy")  # missed
    log(day + timedelta(hours=4), answered=False, state="failed")  # neither
    log(day + timedelta(days=1), answered=False, state="voicemail")
    log(datetime(2026, 11, 10, tzinfo=UTC), answered=True)  # before the period

    with services.transaction() as session:
        calls = dashboard.calls_per_day(session, PERIOD)

    by_day = {item.day: (item.answered, item.missed) for item in calls}
    assert by_day[date(2026, 11, 28)] == (2, 2)
    assert by_day[date(2026, 11, 29)] == (0, 1)
    assert sum(answered for answered, _ in by_day.values()) == 2


def test_the_demo_spreads_its_chats_over_the_month(services: Services) -> None:
    with services.transaction() as session:
        load_demo(session, passwords=services.passwords)
    with services.transaction() as session:
        period = dashboard.Period.ending_today(30, now=datetime.now(UTC))
        counts = dashboard.chats_per_channel_per_day(session, period)
        times = dashboard.response_times(session, period)
    busy_days = {day for per_day in counts.values() for day, count in per_day.items() if count}
    assert len(busy_days) >= 7  # closed chats moved into the past with their close
    assert times.resolution_count >= 20


def test_the_dashboard_page_is_for_managers(app_client: TestClient, manager: Persona, agent: Persona) -> None:
    app_client.cookies.set(SESSION_COOKIE, f"{agent.id}:{agent.token}")
    assert app_client.get("/dashboard").status_code == 403
    app_client.cookies.set(SESSION_COOKIE, f"{manager.id}:{manager.token}")
    page = app_client.get("/dashboard?days=30")
    app_client.cookies.clear()
    assert page.status_code == 200
    assert "Queued chats" in page.text and "No chats in the last 30 days." in page.text
