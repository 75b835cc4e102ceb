"""Delivering agents' SMS and WhatsApp replies: one claim per message, retries with growing delays,
permanent refusals failing at once, two workers never sending one message twice, and the worker thread
``omnidesk serve`` runs."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from omnidesk import outbound_http
from omnidesk.db import utcnow
from omnidesk.models import ChannelMessage
from omnidesk.services import Services
from omnidesk.workers.messaging_delivery import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    MessagingWorker,
    deliver_pending_messages,
)
from tests.helpers import Persona
from tests.livechat_helpers import send_as_agent, set_available
from tests.messaging_helpers import (
    FakeProviders,
    TwilioSms,
    json_response,
    make_sms_channel,
    outbound_jobs,
    providers,
    stored_message,
)

__all__ = ["providers"]  # the fixture


@pytest.fixture
def sms_room(services: Services, app_client: TestClient, agent: Persona) -> dict[str, Any]:
    make_sms_channel(services)
    set_available(services, agent)
    TwilioSms(app_client, services.settings.public_url).incoming("Hello")
    [room] = agent.get("/api/v1/livechat/rooms", params={"agents": [agent.id]}).json()["rooms"]
    return room


def reply(agent: Persona, room: dict[str, Any], text: str = "Hi there") -> str:
    response = send_as_agent(agent, room["_id"], text)
    assert response.status_code == 200, response.text
    message_id: str = response.json()["message"]["_id"]
    return message_id


def the_job(services: Services) -> ChannelMessage:
    [job] = outbound_jobs(services)
    return job


def test_a_temporary_failure_is_retried_after_a_growing_delay(
    services: Services, sms_room: dict[str, Any], agent: Persona, providers: FakeProviders
) -> None:
    message_id = reply(agent, sms_room)
    providers.answers = [json_response(503, {"code": 20500, "message": "Internal Server Error"})]
    start = utcnow()
    assert deliver_pending_messages(services, now=start) == 0
    job = the_job(services)
    assert (job.status, job.attempts) == ("pending", 1)
    assert job.next_attempt_at == start + RETRY_DELAYS[0]
    assert "503" in (job.last_error or "")
    assert stored_message(services, message_id).extra["delivery"]["status"] == "queued"

    # Not due yet: nothing is tried.
    assert deliver_pending_messages(services, now=start + RETRY_DELAYS[0] - timedelta(seconds=1)) == 0
    assert len(providers.requests) == 1
    providers.answers = [outbound_http.HttpUnreachable("connection refused")]
    second = start + RETRY_DELAYS[0]
    assert deliver_pending_messages(services, now=second) == 0
    job = the_job(services)
    assert (job.status, job.attempts, job.next_attempt_at) == ("pending", 2, second + RETRY_DELAYS[1])

    assert deliver_pending_messages(services, now=second + RETRY_DELAYS[1]) == 1
    job = the_job(services)
    assert (job.status, job.attempts, job.last_error) == ("sent", 3, None)
    assert stored_message(services, message_id).extra["delivery"]["status"] == "sent"


def test_a_permanent_refusal_fails_the_message_at_once(
    services: Services, sms_room: dict[str, Any], agent: Persona, providers: FakeProviders
) -> None:
    message_id = reply(agent, sms_room)
    providers.answers = [
        json_response(400, {"code": 21211, "message": "The 'To' number is not a valid phone number."})
    ]
    assert deliver_pending_messages(services) == 0
    job = the_job(services)
    assert (job.status, job.attempts) == ("failed", 1)
    delivery = agent.get(f"/api/v1/livechat/{sms_room['_id']}/messages").json()["messages"]
    shape = next(m for m in delivery if m["_id"] == message_id)["delivery"]
    assert shape["status"] == "failed"
    assert "21211" in shape["error"]
    assert deliver_pending_messages(services) == 0
    assert len(providers.requests) == 1


def test_a_wrong_auth_token_is_retried_not_failed(
    services: Services, sms_room: dict[str, Any], agent: Persona, providers: FakeProviders
) -> None:
    reply(agent, sms_room)
    providers.answers = [json_response(401, {"code": 20003, "message": "Authenticate"})]
    deliver_pending_messages(services)
    assert the_job(services).status == "pending"


def test_a_message_fails_for_good_after_the_last_attempt(
    services: Services, sms_room: dict[str, Any], agent: Persona, providers: FakeProviders
) -> None:
    reply(agent, sms_room)
    moment = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        providers.answers = [json_response(500, {"message": "down"})]
        deliver_pending_messages(services, now=moment)
        job = the_job(services)
        assert job.attempts == attempt
        moment = job.next_attempt_at
    assert the_job(services).status == "failed"
    assert len(providers.requests) == MAX_ATTEMPTS


def test_a_reply_whose_channel_was_removed_fails(
    services: Services, sms_room: dict[str, Any], agent: Persona, admin: Persona, providers: FakeProviders
) -> None:
    reply(agent, sms_room)
    channel_id = sms_room["source"]["id"]
    assert (
        admin.client.delete(
            f"/api/v1/omnichannel/messaging.channels/{channel_id}", headers=admin.headers
        ).status_code
        == 200
    )
    deliver_pending_messages(services)
    job = the_job(services)
    assert job.status == "failed" and "removed" in (job.last_error or "")
    assert providers.requests == []


def test_two_workers_at_once_never_send_the_same_message(
    services: Services, sms_room: dict[str, Any], agent: Persona, providers: FakeProviders
) -> None:
    for index in range(6):
        reply(agent, sms_room, f"message {index}")
    start = threading.Barrier(2)
    sent: list[int] = []

    def worker() -> None:
        start.wait()
        sent.append(deliver_pending_messages(services))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(sent) == 6
    bodies = sorted(dict(request.form or [])["Body"] for request in providers.requests)
    assert bodies == [f"message {index}" for index in range(6)]


def test_a_message_left_sending_by_a_dead_worker_is_sent_after_its_lease(
    services: Services, sms_room: dict[str, Any], agent: Persona, providers: FakeProviders
) -> None:
    reply(agent, sms_room)
    with services.transaction() as session:
        session.execute(
            update(ChannelMessage)
            .where(ChannelMessage.direction == "out")
            .values(status="sending", next_attempt_at=utcnow() + timedelta(minutes=1))
        )
    assert deliver_pending_messages(services) == 0  # claimed by someone else, lease still running
    assert deliver_pending_messages(services, now=utcnow() + timedelta(minutes=2)) == 1
    assert the_job(services).status == "sent"


def test_the_worker_thread_delivers_as_soon_as_an_agent_writes(
    services: Services, sms_room: dict[str, Any], agent: Persona, providers: FakeProviders
) -> None:
    worker = MessagingWorker(services, interval=60)
    worker.start()
    try:
        time.sleep(0.2)  # the first tick finds nothing
        reply(agent, sms_room, "fast")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and the_job(services).status != "sent":
            time.sleep(0.05)
    finally:
        worker.stop()
    assert the_job(services).status == "sent"
    assert [dict(request.form or [])["Body"] for request in providers.requests] == ["fast"]


def test_whatsapp_refusals_and_rate_limits_are_told_apart(
    services: Services, app_client: TestClient, agent: Persona, providers: FakeProviders
) -> None:
    from tests.messaging_helpers import WA_CUSTOMER, WhatsApp, make_whatsapp_channel, whatsapp_notification

    channel_id = make_whatsapp_channel(services)
    set_available(services, agent)
    message = {"from": WA_CUSTOMER, "id": "wamid.IN", "timestamp": str(int(time.time())), "type": "text"}
    WhatsApp(app_client, channel_id).post(
        whatsapp_notification(messages=[{**message, "text": {"body": "hi"}}])
    )
    [room] = agent.get("/api/v1/livechat/rooms", params={"agents": [agent.id]}).json()["rooms"]
    reply(agent, room, "first")
    reply(agent, room, "second")
    rate_limited = {"error": {"message": "Rate limit hit", "type": "OAuthException", "code": 130429}}
    outside_window = {"error": {"message": "Re-engagement message", "type": "OAuthException", "code": 131047}}
    providers.answers = [json_response(400, rate_limited), json_response(400, outside_window)]
    deliver_pending_messages(services)
    statuses = sorted((job.body, job.status) for job in outbound_jobs(services))
    assert statuses == [("first", "pending"), ("second", "failed")]
