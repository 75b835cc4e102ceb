"""The livechat webhook (Rocket.Chat's CRM integration) end to end: real requests queue deliveries in
their own transaction, and the worker POSTs them to a real HTTP server on 127.0.0.1. Each event's
switch, Rocket.Chat's bodies and token header, retries with back-off and the dead letter, a request
rolled back sending nothing, two workers never sending one delivery twice, and the settings page's
endpoints."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from omnidesk.actions.settings import set_setting as save_setting
from omnidesk.actions.slas import mark_overdue_chats
from omnidesk.actions.webhooks import webhook_config
from omnidesk.browser_session import SESSION_COOKIE
from omnidesk.db import utcnow
from omnidesk.models import LivechatWebhook, Setting
from omnidesk.models.webhooks import MAX_PAYLOAD_BYTES
from omnidesk.services import Services
from omnidesk.workers.webhook_delivery import (
    POLICY,
    WebhookWorker,
    deliver_pending_webhooks,
    prune_deliveries,
)
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error, raw_rows
from tests.livechat_helpers import Guest, guest, send_as_agent, set_available, set_setting

TOKEN = "crm-secret-0123"
SWITCHES = (
    "Livechat_webhook_on_start",
    "Livechat_webhook_on_close",
    "Livechat_webhook_on_chat_taken",
    "Livechat_webhook_on_chat_queued",
    "Livechat_webhook_on_forward",
    "Livechat_webhook_on_offline_msg",
    "Livechat_webhook_on_visitor_message",
    "Livechat_webhook_on_agent_message",
    "Livechat_webhook_on_capture",
)


@dataclass
class Received:
    path: str
    headers: Message  # names in any case, as HTTP's
    body: dict[str, Any]


@dataclass
class Receiver:
    """A CRM on 127.0.0.1: records every POST and answers the next of ``answers`` (200 when none is
    left); an answer ``"slow"`` waits longer than any timeout the tests set."""

    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int | str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def bodies(self) -> list[dict[str, Any]]:
        return [request.body for request in self.requests]

    def types(self) -> list[str]:
        return [str(body.get("type")) for body in self.bodies()]


@pytest.fixture
def receiver(services: Services) -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            with state.lock:
                state.requests.append(Received(self.path, self.headers, json.loads(raw or b"{}")))
                answer = state.answers.pop(0) if state.answers else 200
            if answer == "slow":
                time.sleep(2.5)
                answer = 200
            if answer == 302:
                self.send_response(302)
                self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            text = b'{"ok": true}' if answer == 200 else b"the receiver's own words"
            self.send_response(int(answer))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *_args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}/crm/hook"
    configure(services, Livechat_webhookUrl=state.url, Livechat_secret_token=TOKEN)
    yield state
    httpd.shutdown()
    httpd.server_close()


def configure(services: Services, **values: Any) -> None:
    """Save settings as the settings API does (checked, secrets encrypted)."""
    with services.transaction() as session:
        for setting_id, value in values.items():
            setting = session.get(Setting, setting_id)
            assert setting is not None
            save_setting(session, setting=setting, value=value)


def switch_on(services: Services, *switches: str) -> None:
    configure(services, **{switch: True for switch in switches})


def deliveries(services: Services) -> list[LivechatWebhook]:
    with services.session(write=False) as session:
        rows = list(session.scalars(select(LivechatWebhook).order_by(LivechatWebhook.created_at)))
        session.expunge_all()
        return rows


def queued_types(services: Services) -> list[str]:
    return [row.type for row in deliveries(services)]


def take_queued(agent: Persona) -> None:
    inquiries = agent.get("/api/v1/livechat/inquiries.queued").json()["inquiries"]
    for inquiry in inquiries:
        taken = agent.post("/api/v1/livechat/inquiries.take", json={"inquiryId": inquiry["_id"]})
        assert taken.status_code == 200, taken.text


@dataclass
class Chat:
    visitor: Guest
    room_id: str


def chat_lifecycle(
    services: Services, client: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> Chat:
    """Every event once, in order: a chat starts and waits (manual routing), an agent takes it, the
    visitor writes an address, the agent answers, forwards it, the other agent closes it, a manager
    saves its information; then someone leaves an offline message."""
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_available(services, agent, agent2)
    visitor = guest(client, "token-crm-lifecycle", widget=True)
    visitor_id = visitor.register(name="Ada Lovelace")["_id"]
    room_id = visitor.open_room()["_id"]
    take_queued(agent)
    assert visitor.say(room_id, "Hello, write to Ada@Example.com please").status_code == 200
    assert send_as_agent(agent, room_id, "Sure, Ada").status_code == 200
    forwarded = agent.post("/api/v1/livechat/room.forward", json={"roomId": room_id, "userId": agent2.id})
    assert forwarded.status_code == 200, forwarded.text
    closed = agent2.post("/api/v1/livechat/room.closeByUser", json={"rid": room_id, "comment": "Solved"})
    assert closed.status_code == 200, closed.text
    info = {"roomData": {"_id": room_id, "topic": "Billing"}, "guestData": {"_id": visitor_id}}
    saved = manager.post("/api/v1/livechat/room.saveInfo", json=info)
    assert saved.status_code == 200, saved.text
    offline = {"name": "Grace Hopper", "email": "grace@example.com", "message": "Call me back"}
    assert client.post("/api/v1/livechat/offline.message", json=offline).status_code == 200
    return Chat(visitor, room_id)


# What ``chat_lifecycle`` reports, in order, and the switch of each; saving a closed chat's information
# has no switch, as in Rocket.Chat.
LIFECYCLE = (
    ("Livechat_webhook_on_start", "LivechatSessionStart"),
    ("Livechat_webhook_on_chat_queued", "LivechatSessionQueued"),
    ("Livechat_webhook_on_chat_taken", "LivechatSessionTaken"),
    ("Livechat_webhook_on_visitor_message", "Message"),
    ("Livechat_webhook_on_capture", "LeadCapture"),
    ("Livechat_webhook_on_agent_message", "Message"),  # the answer
    ("Livechat_webhook_on_forward", "LivechatSessionForwarded"),
    ("Livechat_webhook_on_agent_message", "Message"),  # the closing note, by the agent who closed
    ("Livechat_webhook_on_close", "LivechatSession"),
    (None, "LivechatEdit"),
    ("Livechat_webhook_on_offline_msg", "LivechatOfflineMessage"),
)


@pytest.mark.parametrize("switch", [None, *SWITCHES])
def test_each_switch_sends_its_event_and_nothing_else(
    services: Services,
    anonymous: TestClient,
    agent: Persona,
    agent2: Persona,
    manager: Persona,
    receiver: Receiver,
    switch: str | None,
) -> None:
    if switch is not None:
        switch_on(services, switch)
    chat_lifecycle(services, anonymous, agent, agent2, manager)
    expected = [type_ for each, type_ in LIFECYCLE if each in (None, switch)]
    assert queued_types(services) == expected
    assert receiver.requests == []  # nothing leaves in the request
    assert deliver_pending_webhooks(services) == len(expected)
    assert receiver.types() == expected


def test_without_a_url_nothing_is_queued(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    switch_on(services, *SWITCHES)
    chat_lifecycle(services, anonymous, agent, agent2, manager)
    assert deliveries(services) == []


def test_the_bodies_are_rocket_chats_with_the_token_header(
    services: Services,
    anonymous: TestClient,
    agent: Persona,
    agent2: Persona,
    manager: Persona,
    receiver: Receiver,
) -> None:
    switch_on(services, *SWITCHES)
    chat = chat_lifecycle(services, anonymous, agent, agent2, manager)
    assert deliver_pending_webhooks(services) == len(LIFECYCLE)
    assert receiver.types() == [type_ for _switch, type_ in LIFECYCLE]
    for request in receiver.requests:
        assert request.path == "/crm/hook"
        assert request.headers["X-RocketChat-Livechat-Token"] == TOKEN
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["User-Agent"].startswith("Omnidesk/")
        assert "token" not in request.body.get("visitor", {})  # a visitor's token is its password
    start, queued, taken, said, lead, answered, forwarded, closing, session, edit, offline = receiver.bodies()

    visitor = start["visitor"]
    assert {"_id", "name", "username"} <= set(visitor) <= {"_id", "name", "username", "ip"}
    assert visitor["name"] == "Ada Lovelace"
    assert start["_id"] == chat.room_id and start["label"] == "Ada Lovelace"
    assert start["createdAt"].endswith("Z") and start["messages"] == []
    assert list(start)[-2:] == ["type", "messages"] and "departmentId" not in start
    assert queued["type"] == "LivechatSessionQueued" and "servedBy" not in queued and "agent" not in queued

    assert taken["servedBy"]["_id"] == agent.id and taken["servedBy"]["username"] == agent.username
    assert set(taken["servedBy"]) == {"_id", "username", "ts"}
    assert taken["agent"] == {
        "_id": agent.id,
        "username": agent.username,
        "name": "Alex Agent",
        "email": taken["agent"]["email"],
    }

    [message] = said["messages"]
    assert message["msg"] == "Hello, write to Ada@Example.com please"
    assert message["u"] == {"_id": visitor["_id"], "username": visitor["username"], "name": "Ada Lovelace"}
    assert message["username"] == visitor["username"] and message["rid"] == chat.room_id
    assert {"_id", "ts", "_updatedAt"} <= set(message) and "agentId" not in message
    assert next(iter(message)) == "u"  # as Rocket.Chat builds it

    # Lead capture: the address the visitor wrote is the visitor's email now.
    assert lead["messages"] == [] and lead["visitor"]["email"] == [{"address": "ada@example.com"}]
    [reply] = answered["messages"]
    assert reply["agentId"] == agent.id and reply["msg"] == "Sure, Ada"

    assert forwarded["oldServedBy"]["_id"] == agent.id and forwarded["servedBy"]["_id"] == agent2.id
    assert "oldDepartmentId" not in forwarded

    [note] = closing["messages"]
    assert note["closingMessage"] is True and note["msg"] == "Solved" and note["agentId"] == agent2.id

    assert session["closer"] == "user" and session["closedBy"] == {
        "_id": agent2.id,
        "username": agent2.username,
    }
    assert session["closedAt"].endswith("Z") and session["servedBy"]["_id"] == agent2.id
    assert [m.get("msg") for m in session["messages"]] == [
        "Hello, write to Ada@Example.com please",
        "Sure, Ada",
        "Solved",
    ]  # the transfer's system message is not sent
    assert session["visitor"]["email"] == [{"address": "ada@example.com"}]

    assert edit["topic"] == "Billing" and len(edit["messages"]) == 3
    assert offline == {
        "type": "LivechatOfflineMessage",
        "sentAt": offline["sentAt"],
        "visitor": {"name": "Grace Hopper", "email": "grace@example.com"},
        "message": "Call me back",
    }
    with services.session(write=False) as session_:
        assert all(
            row.status == "sent" and row.attempts == 1 for row in session_.scalars(select(LivechatWebhook))
        )


def test_no_token_set_sends_no_token_header(
    services: Services, anonymous: TestClient, receiver: Receiver
) -> None:
    configure(services, Livechat_secret_token="", Livechat_webhook_on_offline_msg=True)
    offline = {"name": "Grace", "email": "grace@example.com", "message": "Hi"}
    assert anonymous.post("/api/v1/livechat/offline.message", json=offline).status_code == 200
    deliver_pending_webhooks(services)
    [request] = receiver.requests
    assert request.headers.get("X-RocketChat-Livechat-Token") is None


def leave_offline_message(client: TestClient, text: str = "Call me back") -> None:
    offline = {"name": "Grace Hopper", "email": "grace@example.com", "message": text}
    assert client.post("/api/v1/livechat/offline.message", json=offline).status_code == 200


def the_delivery(services: Services) -> LivechatWebhook:
    [row] = deliveries(services)
    return row


def test_a_failing_receiver_is_retried_with_back_off_then_dead_lettered(
    services: Services, anonymous: TestClient, receiver: Receiver
) -> None:
    switch_on(services, "Livechat_webhook_on_offline_msg")
    leave_offline_message(anonymous)
    receiver.answers = [503] * POLICY.max_attempts
    moment = utcnow()
    for attempt in range(1, POLICY.max_attempts + 1):
        # Not due a moment before: nothing is tried.
        assert deliver_pending_webhooks(services, now=moment - timedelta(seconds=1)) == 0
        assert len(receiver.requests) == attempt - 1
        assert deliver_pending_webhooks(services, now=moment) == 0
        row = the_delivery(services)
        assert row.attempts == attempt and "503" in (row.last_error or "")
        if attempt < POLICY.max_attempts:
            assert row.status == "pending"
            assert row.next_attempt_at == moment + POLICY.retry_delays[attempt - 1]
            moment = row.next_attempt_at
    row = the_delivery(services)
    assert row.status == "failed" and row.sent_at is None  # the dead letter stays, with its error
    assert "127.0.0.1" in (row.last_error or "") and "/crm/hook" not in (row.last_error or "")
    assert len(receiver.requests) == POLICY.max_attempts
    assert len({json.dumps(body, sort_keys=True) for body in receiver.bodies()}) == 1  # the same body
    assert deliver_pending_webhooks(services, now=moment + timedelta(days=1)) == 0
    assert sum(POLICY.retry_delays, timedelta()) < timedelta(hours=1, minutes=5)


def test_a_receiver_back_after_failures_gets_the_delivery(
    services: Services, anonymous: TestClient, receiver: Receiver
) -> None:
    switch_on(services, "Livechat_webhook_on_offline_msg")
    leave_offline_message(anonymous)
    receiver.answers = [500, 429]
    moment = utcnow()
    deliver_pending_webhooks(services, now=moment)
    moment = the_delivery(services).next_attempt_at
    deliver_pending_webhooks(services, now=moment)
    moment = the_delivery(services).next_attempt_at
    assert deliver_pending_webhooks(services, now=moment) == 1
    row = the_delivery(services)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)


@pytest.mark.parametrize("answer", [400, 404, 302])
def test_a_refusal_or_a_redirect_fails_at_once(
    services: Services, anonymous: TestClient, receiver: Receiver, answer: int
) -> None:
    switch_on(services, "Livechat_webhook_on_offline_msg")
    leave_offline_message(anonymous)
    receiver.answers = [answer]
    assert deliver_pending_webhooks(services) == 0
    row = the_delivery(services)
    assert (row.status, row.attempts) == ("failed", 1)
    assert str(answer) in (row.last_error or "")
    assert [request.path for request in receiver.requests] == ["/crm/hook"]  # the redirect not followed


def test_a_receiver_slower_than_the_timeout_is_tried_again(
    services: Services, anonymous: TestClient, receiver: Receiver
) -> None:
    configure(services, Livechat_http_timeout=1000, Livechat_webhook_on_offline_msg=True)
    leave_offline_message(anonymous)
    receiver.answers = ["slow"]
    assert deliver_pending_webhooks(services) == 0
    row = the_delivery(services)
    assert row.status == "pending" and row.attempts == 1 and "timed out" in (row.last_error or "")


def test_an_unreachable_receiver_is_tried_again(services: Services, anonymous: TestClient) -> None:
    configure(
        services,
        Livechat_webhookUrl="http://127.0.0.1:9/nothing-listens",
        Livechat_webhook_on_offline_msg=True,
    )
    leave_offline_message(anonymous)
    assert deliver_pending_webhooks(services) == 0
    row = the_delivery(services)
    assert (row.status, row.attempts) == ("pending", 1)


def test_a_url_emptied_while_deliveries_wait_dead_letters_them(
    services: Services, anonymous: TestClient, receiver: Receiver
) -> None:
    switch_on(services, "Livechat_webhook_on_offline_msg")
    leave_offline_message(anonymous)
    configure(services, Livechat_webhookUrl="")
    assert deliver_pending_webhooks(services) == 0
    row = the_delivery(services)
    assert row.status == "failed" and "emptied" in (row.last_error or "")
    assert receiver.requests == []


def test_a_request_rolled_back_sends_nothing(
    services: Services, anonymous: TestClient, agent: Persona, receiver: Receiver
) -> None:
    switch_on(services, "Livechat_webhook_on_agent_message", "Livechat_webhook_on_close")
    set_available(services, agent)
    visitor = guest(anonymous, "token-crm-rollback")
    visitor.register(name="No Email")
    room_id = visitor.open_room()["_id"]
    # The closing note is written (a Message queued), then the transcript finds no address: the whole
    # request fails.
    close = {"rid": room_id, "comment": "bye", "transcriptEmail": {"sendToVisitor": True}}
    assert_error(agent.post("/api/v1/livechat/room.closeByUser", json=close), 400, "error-invalid-email")
    assert deliveries(services) == []
    assert deliver_pending_webhooks(services) == 0
    assert receiver.requests == []
    [(still_open,)] = raw_rows(services, f"SELECT open FROM rooms WHERE id = '{room_id}'")
    assert still_open


def test_two_workers_at_once_never_send_one_delivery_twice(
    services: Services, anonymous: TestClient, agent: Persona, receiver: Receiver
) -> None:
    switch_on(services, "Livechat_webhook_on_visitor_message")
    set_available(services, agent)
    visitor = guest(anonymous, "token-crm-race")
    visitor.register(name="Racer")
    room_id = visitor.open_room()["_id"]
    for index in range(8):
        assert visitor.say(room_id, f"message {index}").status_code == 200
    start = threading.Barrier(2)
    sent: list[int] = []

    def worker() -> None:
        start.wait()
        sent.append(deliver_pending_webhooks(services))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 8
    texts = sorted(body["messages"][0]["msg"] for body in receiver.bodies())
    assert texts == [f"message {index}" for index in range(8)]


def test_a_delivery_left_sending_by_a_dead_worker_goes_after_its_lease(
    services: Services, anonymous: TestClient, receiver: Receiver
) -> None:
    switch_on(services, "Livechat_webhook_on_offline_msg")
    leave_offline_message(anonymous)
    with services.transaction() as session:
        session.execute(
            update(LivechatWebhook).values(status="sending", next_attempt_at=utcnow() + timedelta(minutes=1))
        )
    assert deliver_pending_webhooks(services) == 0
    assert deliver_pending_webhooks(services, now=utcnow() + POLICY.lease + timedelta(minutes=1)) == 1
    assert len(receiver.requests) == 1


def test_the_worker_thread_delivers_as_soon_as_an_event_is_queued(
    services: Services, anonymous: TestClient, receiver: Receiver
) -> None:
    switch_on(services, "Livechat_webhook_on_offline_msg")
    worker = WebhookWorker(services, interval=60)
    worker.start()
    try:
        time.sleep(0.2)  # the first pass finds nothing
        leave_offline_message(anonymous, "fast")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not receiver.requests:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert [body["message"] for body in receiver.bodies()] == ["fast"]


def test_old_deliveries_are_pruned_dead_letters_later(
    services: Services, anonymous: TestClient, receiver: Receiver
) -> None:
    switch_on(services, "Livechat_webhook_on_offline_msg")
    leave_offline_message(anonymous, "sent")
    deliver_pending_webhooks(services)
    receiver.answers = [400]
    leave_offline_message(anonymous, "refused")
    deliver_pending_webhooks(services)
    assert sorted(row.status for row in deliveries(services)) == ["failed", "sent"]
    assert prune_deliveries(services, now=utcnow() + timedelta(days=6)) == 0
    assert prune_deliveries(services, now=utcnow() + timedelta(days=8)) == 1
    assert [row.status for row in deliveries(services)] == ["failed"]
    assert prune_deliveries(services, now=utcnow() + timedelta(days=31)) == 1


def test_a_long_chat_sends_its_newest_messages_that_fit(
    services: Services, anonymous: TestClient, agent: Persona, receiver: Receiver
) -> None:
    switch_on(services, "Livechat_webhook_on_close")
    set_available(services, agent)
    visitor = guest(anonymous, "token-crm-long")
    visitor.register(name="Talker")
    room_id = visitor.open_room()["_id"]
    count = MAX_PAYLOAD_BYTES // 4000 + 20
    for index in range(count):
        assert visitor.say(room_id, f"{index:05d} " + "é" * 1995).status_code == 200
    assert visitor.close(room_id).status_code == 200
    [row] = deliveries(services)
    assert len(row.payload.encode()) <= MAX_PAYLOAD_BYTES
    deliver_pending_webhooks(services)
    [body] = receiver.bodies()
    messages = body["messages"]
    assert 0 < len(messages) < count + 1
    assert messages[-1]["closingMessage"] is True and "agentId" not in messages[-1]  # the visitor closed
    numbers = [int(m["msg"][:5]) for m in messages[:-1]]
    assert numbers == list(range(count - len(numbers), count))  # the newest, in order


def test_lead_capture_fills_what_the_visitor_lacks(
    services: Services, anonymous: TestClient, agent: Persona, receiver: Receiver
) -> None:
    set_available(services, agent)
    set_setting(services, "Omnichannel_Default_Phone_Region", "BR")
    visitor = guest(anonymous, "token-crm-lead")
    visitor.register(name="Bia", email="bia@example.com")
    room_id = visitor.open_room()["_id"]
    switch_on(services, "Livechat_webhook_on_capture")
    assert visitor.say(room_id, "Order 20261125 is late").status_code == 200  # no phone number
    assert deliveries(services) == []
    assert visitor.say(room_id, "Call (11) 98765-4321 or mail other@example.com").status_code == 200
    shown = anonymous.get(f"/api/v1/livechat/visitor/{visitor.token}").json()["visitor"]
    assert shown["phone"] == [{"phoneNumber": "(11) 98765-4321"}]
    assert shown["visitorEmails"] == [{"address": "bia@example.com"}]  # the one it gave is kept
    assert queued_types(services) == ["LeadCapture"]
    deliver_pending_webhooks(services)
    [lead] = receiver.bodies()
    assert lead["visitor"]["phone"] == [{"phoneNumber": "(11) 98765-4321"}]


def test_lead_capture_follows_its_patterns(services: Services, anonymous: TestClient, agent: Persona) -> None:
    set_available(services, agent)
    configure(services, Livechat_lead_email_regex="", Livechat_lead_phone_regex=r"\+\d{11}")
    visitor = guest(anonymous, "token-crm-patterns")
    visitor.register(name="Pat")
    room_id = visitor.open_room()["_id"]
    assert visitor.say(room_id, "ada@example.com or +12015550123").status_code == 200
    shown = anonymous.get(f"/api/v1/livechat/visitor/{visitor.token}").json()["visitor"]
    assert "visitorEmails" not in shown and shown["phone"] == [{"phoneNumber": "+12015550123"}]


# The settings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://crm.example.com/hook",
        "crm.example.com/hook",
        "https://user:pass@crm.example.com/hook",
        "https://crm.example.com:99999/hook",
        "https://crm.example.com/a hook",
        "javascript:alert(1)",
        "https://" + "a" * 2050 + ".example.com",
    ],
)
def test_the_url_must_be_http_or_https_without_credentials(admin: Persona, url: str) -> None:
    response = admin.post("/api/v1/settings/Livechat_webhookUrl", json={"value": url})
    assert_error(response, 400, "error-invalid-setting-value")


def test_a_url_and_its_switches_are_saved_by_a_manager(manager: Persona) -> None:
    url = " https://crm.example.com:8443/hooks/omnidesk?source=chat "
    assert manager.post("/api/v1/settings/Livechat_webhookUrl", json={"value": url}).status_code == 200
    assert manager.post("/api/v1/settings/Livechat_webhookUrl", json={"value": ""}).status_code == 200
    assert manager.post("/api/v1/settings/Livechat_webhook_on_close", json={"value": True}).status_code == 200
    assert_error(
        manager.post("/api/v1/settings/Livechat_http_timeout", json={"value": 60_000}),
        400,
        "error-invalid-setting-value",
    )
    assert_error(
        manager.post("/api/v1/settings/Livechat_lead_phone_regex", json={"value": "(unclosed"}),
        400,
        "error-invalid-setting-value",
    )


def test_the_secret_token_is_encrypted_and_never_shown(services: Services, admin: Persona) -> None:
    assert (
        admin.post("/api/v1/settings/Livechat_secret_token", json={"value": " s3cret-token "}).status_code
        == 200
    )
    [(stored,)] = raw_rows(services, "SELECT value FROM settings WHERE id = 'Livechat_secret_token'")
    assert "s3cret" not in str(stored) and "enc:v1:" in str(stored)
    assert admin.get("/api/v1/settings/Livechat_secret_token").json()["value"] == "********"
    listed = admin.get("/api/v1/livechat/integrations.settings").json()["settings"]
    shown = {setting["_id"]: setting["value"] for setting in listed}
    assert shown["Livechat_secret_token"] == "********" and "s3cret" not in json.dumps(listed)
    # The mask sent back (as a form shows it) keeps the token.
    assert admin.post("/api/v1/settings/Livechat_secret_token", json={"value": "********"}).status_code == 200
    configure(services, Livechat_webhookUrl="https://crm.example.com/hook")
    with services.session(write=False) as session:
        config = webhook_config(session)
    assert config is not None and config.token == "s3cret-token"
    assert config.headers() == {"X-RocketChat-Livechat-Token": "s3cret-token"}
    assert_error(
        admin.post("/api/v1/settings/Livechat_secret_token", json={"value": "line\r\nX-Evil: 1"}),
        400,
        "error-invalid-setting-value",
    )


def test_the_integration_endpoints_read_and_save_the_settings(
    services: Services, manager: Persona, agent: Persona
) -> None:
    listed = manager.get("/api/v1/livechat/integrations.settings").json()
    assert listed["success"] is True
    assert [setting["_id"] for setting in listed["settings"]] == [
        "Livechat_webhookUrl",
        "Livechat_secret_token",
        "Livechat_http_timeout",
        "Livechat_webhook_on_start",
        "Livechat_webhook_on_close",
        "Livechat_webhook_on_chat_taken",
        "Livechat_webhook_on_chat_queued",
        "Livechat_webhook_on_forward",
        "Livechat_webhook_on_offline_msg",
        "Livechat_webhook_on_visitor_message",
        "Livechat_webhook_on_agent_message",
    ]
    body = {
        "LivechatWebhookUrl": "https://crm.example.com/hook",
        "LivechatSecretToken": "tok",
        "LivechatHttpTimeout": 3000,
        "LivechatWebhookOnStart": True,
        "LivechatWebhookOnClose": False,
    }
    assert manager.post("/api/v1/omnichannel/integrations", json=body).json() == {"success": True}
    shown = {
        s["_id"]: s["value"] for s in manager.get("/api/v1/livechat/integrations.settings").json()["settings"]
    }
    assert (
        shown["Livechat_webhookUrl"] == "https://crm.example.com/hook"
        and shown["Livechat_http_timeout"] == 3000
    )
    assert shown["Livechat_webhook_on_start"] is True and shown["Livechat_secret_token"] == "********"
    # All or nothing: a wrong URL saves none of the fields.
    wrong = {"LivechatWebhookOnClose": True, "LivechatWebhookUrl": "ftp://x"}
    assert_error(
        manager.post("/api/v1/omnichannel/integrations", json=wrong), 400, "error-invalid-setting-value"
    )
    with services.session(write=False) as session:
        close = session.get(Setting, "Livechat_webhook_on_close")
        assert close is not None and close.value is False
    assert_error(
        manager.post("/api/v1/omnichannel/integrations", json={"LivechatHttpTimeout": "3000"}),
        400,
        "invalid-params",
    )
    assert_error(agent.get("/api/v1/livechat/integrations.settings"), 403, "error-unauthorized")
    assert_error(agent.post("/api/v1/omnichannel/integrations", json={}), 403, "error-unauthorized")


def test_a_monitor_reads_the_integration_but_cannot_change_it(
    services: Services, app_client: TestClient
) -> None:
    monitor = make_persona(services, app_client, "moe", ["livechat-monitor", "user"], "Moe Monitor")
    assert monitor.get("/api/v1/livechat/integrations.settings").status_code == 200
    body = {"LivechatWebhookUrl": "https://attacker.example.com/"}
    assert_error(monitor.post("/api/v1/omnichannel/integrations", json=body), 403, "error-unauthorized")


def test_the_test_request_posts_a_sample_and_says_whether_it_was_taken(
    services: Services, manager: Persona, agent: Persona, receiver: Receiver
) -> None:
    assert manager.post("/api/v1/livechat/webhook.test").json() == {"success": True}
    [request] = receiver.requests
    assert request.headers["X-RocketChat-Livechat-Token"] == TOKEN
    sample = request.body
    assert sample["type"] == "LivechatSession" and sample["_id"] == "fasd6f5a4sd6f8a4sdf"
    assert {"label", "visitor", "agent", "messages", "createdAt"} <= set(sample)
    assert deliveries(services) == []  # sent now, not queued

    receiver.answers = [500]
    refused = assert_error(
        manager.post("/api/v1/livechat/webhook.test"), 400, "error-invalid-webhook-response"
    )
    assert "500" in refused["error"] and "own words" not in refused["error"]
    receiver.answers = [302]
    assert_error(manager.post("/api/v1/livechat/webhook.test"), 400, "error-invalid-webhook-response")
    assert_error(agent.post("/api/v1/livechat/webhook.test"), 403, "error-unauthorized")
    configure(services, Livechat_webhookUrl="")
    assert_error(manager.post("/api/v1/livechat/webhook.test"), 400, "Webhook_URL_not_set")


def test_the_test_request_holds_no_write_lock_while_the_receiver_answers(
    services: Services, manager: Persona, agent: Persona, receiver: Receiver
) -> None:
    configure(services, Livechat_http_timeout=5000)
    receiver.answers = ["slow"]
    testing = threading.Thread(target=lambda: manager.post("/api/v1/livechat/webhook.test"))
    testing.start()
    try:
        deadline = time.monotonic() + 5
        while not receiver.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert receiver.requests  # the test is waiting on the receiver now
        started = time.monotonic()
        set_available(services, agent)  # a write
        assert time.monotonic() - started < 1.5
    finally:
        testing.join()


def test_the_settings_page_has_the_webhook_and_never_its_token(
    services: Services, app_client: TestClient, manager: Persona
) -> None:
    configure(
        services, Livechat_secret_token="page-secret-token", Livechat_webhookUrl="https://crm.example.com/h"
    )
    app_client.cookies.set(SESSION_COOKIE, f"{manager.id}:{manager.token}")
    try:
        page = app_client.get("/admin/settings")
    finally:
        app_client.cookies.clear()
    assert page.status_code == 200
    assert (
        "Webhook (CRM integration)" in page.text and 'data-setting="Livechat_webhook_on_capture"' in page.text
    )
    assert "https://crm.example.com/h" in page.text and "page-secret-token" not in page.text


def test_a_chat_whose_sla_comes_due_unanswered_sends_the_overdue_event_once(
    services: Services, anonymous: TestClient, manager: Persona, receiver: Receiver
) -> None:
    switch_on(services, "Livechat_webhook_on_sla_overdue")
    configure(services, Livechat_accept_chats_with_no_agents=True)
    sla = manager.post("/api/v1/livechat/sla", json={"name": "Fast", "dueTimeInMinutes": 5}).json()["sla"]
    visitor = guest(anonymous, "token-overdue")
    visitor.register(name="Waiting Wanda")
    room = visitor.open_room()
    assigned = manager.client.put(
        "/api/v1/livechat/inquiry.setSLA",
        json={"roomId": room["_id"], "sla": sla["_id"]},
        headers=manager.headers,
    )
    assert assigned.status_code == 200, assigned.text
    assert queued_types(services) == []
    later = utcnow() + timedelta(minutes=6)
    for _ in range(2):
        with services.transaction() as session:
            mark_overdue_chats(session, now=later)
    (delivery,) = deliveries(services)
    body = json.loads(delivery.payload)
    assert (body["type"], body["slaId"], body["_id"]) == ("LivechatSessionOverdue", sla["_id"], room["_id"])
    assert body["slaDueAt"]
