"""The queue's inactivity rules: chats whose visitor stopped answering are closed or put on hold, and
chats their agent does not answer move to another agent or back to the queue, each once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from omnidesk.actions.inactivity import close_abandoned_chats, transfer_unanswered_chats
from omnidesk.actions.key_locks import try_lock
from omnidesk.db import utcnow
from omnidesk.events import Event, RoomChanged
from omnidesk.models import Room
from omnidesk.services import Services
from omnidesk.workers.queue_timers import TURN, run_queue_timers
from tests.helpers import Persona
from tests.livechat_helpers import guest, send_as_agent, set_available, set_setting


def chat(client: TestClient, token: str) -> dict[str, Any]:
    visitor = guest(client, token)
    visitor.register(name=f"Visitor {token}")
    room: dict[str, Any] = visitor.open_room()
    assert visitor.say(room["_id"], "Hello?").status_code == 200
    return room


def room_row(services: Services, rid: str) -> Room:
    with services.transaction() as session:
        room = session.get(Room, rid)
        assert room is not None
        session.expunge(room)
        return room


def later(services: Services, seconds: int, rule: Any) -> int:
    with services.transaction() as session:
        return int(rule(session, utcnow() + timedelta(seconds=seconds)))


def test_a_chat_whose_visitor_stopped_answering_is_closed_after_the_timeout(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    quiet, lively = chat(anonymous, "quiet"), chat(anonymous, "lively")
    assert later(services, 7200, close_abandoned_chats) == 0  # the rule is off by default
    set_setting(services, "Livechat_abandoned_rooms_action", "close")
    set_setting(services, "Livechat_visitor_inactivity_timeout", 600)
    set_setting(services, "Livechat_abandoned_rooms_closed_custom_message", "We closed this chat for now")
    assert later(services, 7200, close_abandoned_chats) == 0  # nobody owes an answer: the agent does
    send_as_agent(agent, quiet["_id"], "How can I help?")
    send_as_agent(agent, quiet["_id"], "Are you there?")
    send_as_agent(agent, lively["_id"], "How can I help?")
    assert guest(anonymous, "lively").say(lively["_id"], "My order is late").status_code == 200
    assert later(services, 300, close_abandoned_chats) == 0  # not yet
    assert later(services, 601, close_abandoned_chats) == 1
    closed = room_row(services, quiet["_id"])
    assert (closed.open, closed.closing_comment) == (False, "We closed this chat for now")
    assert room_row(services, lively["_id"]).open  # its visitor answered
    assert later(services, 7200, close_abandoned_chats) == 0  # handled once


def test_an_abandoned_chat_goes_on_hold_and_the_visitor_writing_resumes_it(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    set_setting(services, "Livechat_abandoned_rooms_action", "on-hold")
    set_setting(services, "Livechat_visitor_inactivity_timeout", 60)
    room = chat(anonymous, "holding")
    send_as_agent(agent, room["_id"], "Anything else?")
    assert later(services, 61, close_abandoned_chats) == 1
    assert room_row(services, room["_id"]).on_hold
    assert later(services, 600, close_abandoned_chats) == 0
    assert guest(anonymous, "holding").say(room["_id"], "Back!").status_code == 200
    assert not room_row(services, room["_id"]).on_hold


def test_a_chat_its_agent_does_not_answer_moves_to_another_agent_once(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona
) -> None:
    set_available(services, agent)
    room = chat(anonymous, "unanswered")
    answered = chat(anonymous, "answered")
    send_as_agent(agent, answered["_id"], "Hi!")
    assert room_row(services, room["_id"]).served_by_id == agent.id
    set_setting(services, "Livechat_auto_transfer_chat_timeout", 120)
    assert later(services, 121, transfer_unanswered_chats) == 0  # nobody else to give it to: it stays
    set_available(services, agent2)
    assert later(services, 60, transfer_unanswered_chats) == 0  # not yet
    assert later(services, 121, transfer_unanswered_chats) == 1
    assert room_row(services, room["_id"]).served_by_id == agent2.id
    assert room_row(services, answered["_id"]).served_by_id == agent.id
    history = agent2.get(f"/api/v1/livechat/{room['_id']}/messages").json()["messages"]
    transfer = next(message for message in history if message.get("t") == "livechat_transfer_history")
    assert transfer["transferData"]["scope"] == "autoTransferUnansweredChatsToAgent"
    assert later(services, 60, transfer_unanswered_chats) == 0  # bea's own timeout starts now


def test_with_manual_routing_an_unanswered_chat_goes_back_to_the_queue(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent)
    room = chat(anonymous, "manual")
    inquiry = agent.get("/api/v1/livechat/inquiries.getOne", params={"roomId": room["_id"]}).json()["inquiry"]
    assert (
        agent.post("/api/v1/livechat/inquiries.take", json={"inquiryId": inquiry["_id"]}).status_code == 200
    )
    set_setting(services, "Livechat_auto_transfer_chat_timeout", 30)
    assert later(services, 31, transfer_unanswered_chats) == 1
    assert room_row(services, room["_id"]).served_by_id is None
    queued = agent.get("/api/v1/livechat/inquiries.queued").json()["inquiries"]
    assert [inquiry["rid"] for inquiry in queued] == [room["_id"]]


def test_the_worker_runs_the_rules_and_refuses_negative_timeouts(services: Services, admin: Persona) -> None:
    assert run_queue_timers(services) == 0
    refused = admin.post("/api/v1/settings/Livechat_visitor_inactivity_timeout", json={"value": -5})
    assert refused.status_code == 400 and refused.json()["errorType"] == "error-invalid-setting-value"


def _abandoned_chats(services: Services, client: TestClient, agent: Persona, count: int) -> list[str]:
    set_available(services, agent)
    set_setting(services, "Livechat_abandoned_rooms_action", "close")
    set_setting(services, "Livechat_visitor_inactivity_timeout", 1)
    rooms = [chat(client, f"quiet-{n}")["_id"] for n in range(count)]
    for rid in rooms:
        send_as_agent(agent, rid, "Anything else?")
    time.sleep(1.1)  # the timeout passes on the clock the rules read
    return rooms


def test_processes_running_the_timed_rules_at_once_handle_each_chat_once(
    services: Services, anonymous: TestClient, agent: Persona, published: list[Event]
) -> None:
    rooms = _abandoned_chats(services, anonymous, agent, 6)
    start = threading.Barrier(3)
    handled: list[int] = []

    def one_process() -> None:
        start.wait()
        handled.append(run_queue_timers(services))

    runs = [threading.Thread(target=one_process) for _ in range(3)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(30)
    assert sorted(handled)[-1] == 6 and sum(handled) == 6
    closes = [e.room_id for e in published if isinstance(e, RoomChanged) and e.op == "closed"]
    assert sorted(closes) == sorted(rooms)


def test_a_process_that_finds_the_timed_rules_taken_skips_its_turn(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    if services.settings.is_sqlite:
        pytest.skip("SQLite serialises write transactions: a second process waits its turn instead")
    rooms = _abandoned_chats(services, anonymous, agent, 2)
    holder = services.session(write=True)
    try:
        assert try_lock(holder, TURN)  # another process is running the rules
        assert run_queue_timers(services) == 0
    finally:
        holder.rollback()
        holder.close()
    assert run_queue_timers(services) == 2
    assert not any(room_row(services, rid).open for rid in rooms)
