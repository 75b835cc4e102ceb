"""WhatsApp Cloud API: the verification handshake, signed notifications becoming chats of the contact
behind the number, statuses updating replies, and the 24-hour window for free-form replies."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from omnidesk.services import Services
from omnidesk.workers.messaging_delivery import deliver_pending_messages
from tests.helpers import Persona, assert_error, raw_rows
from tests.livechat_helpers import send_as_agent, set_available
from tests.messaging_helpers import (
    WA_ACCESS_TOKEN,
    WA_CUSTOMER,
    WA_DISPLAY_NUMBER,
    WA_PHONE_NUMBER_ID,
    WA_VERIFY_TOKEN,
    FakeProviders,
    WhatsApp,
    make_whatsapp_channel,
    outbound_jobs,
    providers,
    stored_message,
    whatsapp_notification,
)

__all__ = ["providers"]  # the fixture


@pytest.fixture
def channel_id(services: Services) -> str:
    return make_whatsapp_channel(services)


@pytest.fixture
def meta(app_client: TestClient, channel_id: str) -> WhatsApp:
    return WhatsApp(app_client, channel_id)


def text_message(
    body: str, *, wamid: str = "wamid.HBgLMTU1NTAxMDIyMzMVAgASGBQzQTk", ago: int = 0
) -> dict[str, Any]:
    return {
        "from": WA_CUSTOMER,
        "id": wamid,
        "timestamp": str(int(time.time()) - ago),
        "type": "text",
        "text": {"body": body},
    }


def rooms_of(staff: Persona, *, own: bool = False) -> list[dict[str, Any]]:
    response = staff.get("/api/v1/livechat/rooms", params={"agents": [staff.id]} if own else None)
    assert response.status_code == 200, response.text
    rooms: list[dict[str, Any]] = response.json()["rooms"]
    return rooms


def texts_of(staff: Persona, rid: str) -> list[str]:
    response = staff.get(f"/api/v1/livechat/{rid}/messages", params={"sort": '{"ts": 1}'})
    assert response.status_code == 200, response.text
    return [message["msg"] for message in response.json()["messages"] if not message.get("t")]


def test_the_verification_handshake_echoes_the_challenge_for_the_right_token(
    meta: WhatsApp, app_client: TestClient
) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": WA_VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = app_client.get(meta.path, params=params)
    assert response.status_code == 200, response.text
    assert response.text == "1158201444"
    assert response.headers["content-type"].startswith("text/plain")

    wrong = app_client.get(meta.path, params={**params, "hub.verify_token": "guess"})
    assert_error(wrong, 403, "error-invalid-verify-token")
    assert_error(
        app_client.get(meta.path, params={**params, "hub.mode": "unsubscribe"}),
        403,
        "error-invalid-verify-token",
    )
    assert_error(app_client.get(meta.path), 403, "error-invalid-verify-token")
    unknown = app_client.get("/api/v1/livechat/whatsapp-incoming/nope", params=params)
    assert_error(unknown, 404, "error-not-found")


def test_a_signed_message_opens_a_chat_named_after_the_customers_profile(
    services: Services, meta: WhatsApp, channel_id: str, manager: Persona
) -> None:
    response = meta.post(whatsapp_notification(messages=[text_message("Hi! Do you ship to Lisbon?")]))
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True}

    [room] = rooms_of(manager)
    assert room["source"] == {
        "type": "whatsapp",
        "id": channel_id,
        "alias": "whatsapp-cloud",
        "label": "WhatsApp",
        "destination": WA_DISPLAY_NUMBER,
    }
    assert room["fname"] == "Ada Lovelace"
    assert room["v"]["name"] == "Ada Lovelace" and room["v"]["phone"] == "+" + WA_CUSTOMER
    assert texts_of(manager, room["_id"]) == ["Hi! Do you ship to Lisbon?"]
    contact = manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": room["contactId"]}).json()
    assert contact["contact"]["name"] == "Ada Lovelace"
    assert [phone["phoneNumber"] for phone in contact["contact"]["phones"]] == ["+" + WA_CUSTOMER]


def test_a_whatsapp_customer_joins_the_contact_with_that_phone(meta: WhatsApp, manager: Persona) -> None:
    created = manager.post(
        "/api/v1/omnichannel/contacts", json={"name": "Ada (VIP)", "emails": [], "phones": ["555 010 2233"]}
    )
    meta.post(whatsapp_notification(messages=[text_message("hello")]))
    [room] = rooms_of(manager)
    assert room["contactId"] == created.json()["contactId"]


def test_a_bad_signature_is_refused_and_nothing_is_stored(
    services: Services, meta: WhatsApp, app_client: TestClient, manager: Persona
) -> None:
    payload = whatsapp_notification(messages=[text_message("forged")])
    assert_error(meta.post(payload, signature="sha256=" + "0" * 64), 403, "error-invalid-signature")
    assert_error(meta.post(payload, signature=""), 403, "error-invalid-signature")
    other_app = WhatsApp(app_client, meta.channel_id, app_secret="another-apps-secret")
    assert_error(other_app.post(payload), 403, "error-invalid-signature")
    assert rooms_of(manager) == []
    assert raw_rows(services, "SELECT COUNT(*) FROM channel_messages")[0][0] == 0


def test_malformed_notifications_get_clear_errors(meta: WhatsApp, app_client: TestClient) -> None:
    import hashlib
    import hmac

    from tests.messaging_helpers import WA_APP_SECRET

    raw = b"{not json"
    signature = "sha256=" + hmac.new(WA_APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = app_client.post(meta.path, content=raw, headers={"X-Hub-Signature-256": signature})
    assert_error(response, 400, "invalid-params")
    # Fields we do not handle (template updates, ...) are accepted and ignored.
    other = {
        "object": "whatsapp_business_account",
        "entry": [{"changes": [{"field": "account_update", "value": {}}]}],
    }
    assert meta.post(other).status_code == 200


def test_a_message_delivered_twice_is_stored_once(
    services: Services, meta: WhatsApp, manager: Persona
) -> None:
    payload = whatsapp_notification(messages=[text_message("once", wamid="wamid.SAME")])
    assert meta.post(payload).status_code == 200
    assert meta.post(payload).status_code == 200
    [room] = rooms_of(manager)
    assert texts_of(manager, room["_id"]) == ["once"]


def test_media_locations_and_reactions_read_as_placeholders(meta: WhatsApp, manager: Persona) -> None:
    base = {"from": WA_CUSTOMER, "timestamp": str(int(time.time()))}
    messages = [
        {
            **base,
            "id": "wamid.1",
            "type": "image",
            "image": {"id": "1", "mime_type": "image/jpeg", "caption": "the box"},
        },
        {
            **base,
            "id": "wamid.2",
            "type": "audio",
            "audio": {"id": "2", "mime_type": "audio/ogg", "voice": True},
        },
        {**base, "id": "wamid.3", "type": "document", "document": {"id": "3", "filename": "invoice.pdf"}},
        {
            **base,
            "id": "wamid.4",
            "type": "location",
            "location": {"latitude": 38.7, "longitude": -9.1, "name": "Home"},
        },
        {**base, "id": "wamid.5", "type": "reaction", "reaction": {"message_id": "wamid.1", "emoji": "👍"}},
        {**base, "id": "wamid.6", "type": "sticker", "sticker": {"id": "6", "animated": False}},
        {**base, "id": "wamid.7", "type": "unsupported"},
    ]
    assert meta.post(whatsapp_notification(messages=messages)).status_code == 200
    [room] = rooms_of(manager)
    assert texts_of(manager, room["_id"]) == [
        "[image] the box",
        "[voice message]",
        "[document] invoice.pdf",
        "[location] Home",
        "[reaction 👍]",
        "[sticker]",
        "[unsupported]",
    ]


def test_a_blocked_whatsapp_channel_never_opens_a_chat(meta: WhatsApp, manager: Persona) -> None:
    meta.post(whatsapp_notification(messages=[text_message("first", wamid="wamid.A")]))
    [room] = rooms_of(manager)
    association = {
        "visitor": {"visitorId": room["v"]["_id"], "source": {"type": "whatsapp", "id": meta.channel_id}}
    }
    assert manager.post("/api/v1/omnichannel/contacts.block", json=association).status_code == 200
    assert (
        meta.post(whatsapp_notification(messages=[text_message("second", wamid="wamid.B")])).status_code
        == 200
    )
    [still] = rooms_of(manager)
    assert "open" not in still
    assert texts_of(manager, room["_id"]) == ["first"]


# --- replies --------------------------------------------------------------------------------------------


def served_room(services: Services, meta: WhatsApp, agent: Persona, *, ago: int = 0) -> dict[str, Any]:
    set_available(services, agent)
    meta.post(whatsapp_notification(messages=[text_message("Hello?", wamid=f"wamid.IN{ago}", ago=ago)]))
    [room] = rooms_of(agent, own=True)
    return room


def test_an_agents_reply_is_sent_with_the_graph_api(
    services: Services, meta: WhatsApp, agent: Persona, providers: FakeProviders
) -> None:
    room = served_room(services, meta, agent)
    message = send_as_agent(agent, room["_id"], "Yes, we ship to Lisbon.").json()["message"]
    assert message["delivery"]["status"] == "queued" and message["delivery"]["channel"] == "whatsapp"
    assert deliver_pending_messages(services) == 1

    [sent] = providers.requests
    assert sent.url == f"https://graph.facebook.com/v21.0/{WA_PHONE_NUMBER_ID}/messages"
    assert sent.bearer_token == WA_ACCESS_TOKEN
    [job] = outbound_jobs(services)
    assert sent.json_body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_CUSTOMER,
        "type": "text",
        "text": {"preview_url": False, "body": "Yes, we ship to Lisbon."},
        "biz_opaque_callback_data": job.id,
    }
    assert (job.status, job.external_id) == ("sent", "wamid.OUT1")
    assert stored_message(services, message["_id"]).extra["delivery"]["status"] == "sent"


def test_statuses_update_the_reply_in_any_order(
    services: Services, meta: WhatsApp, agent: Persona, providers: FakeProviders
) -> None:
    room = served_room(services, meta, agent)
    message_id = send_as_agent(agent, room["_id"], "Tracking: 123").json()["message"]["_id"]
    deliver_pending_messages(services)
    [job] = outbound_jobs(services)

    def status(name: str, **extra: Any) -> dict[str, Any]:
        return {
            "id": "wamid.OUT1",
            "status": name,
            "timestamp": str(int(time.time())),
            "recipient_id": WA_CUSTOMER,
            **extra,
        }

    assert meta.post(whatsapp_notification(statuses=[status("read")])).status_code == 200
    assert stored_message(services, message_id).extra["delivery"]["status"] == "read"
    late = whatsapp_notification(
        statuses=[status("delivered"), status("sent", biz_opaque_callback_data=job.id)]
    )
    assert meta.post(late).status_code == 200
    assert stored_message(services, message_id).extra["delivery"]["status"] == "read"


def test_a_failed_status_carries_the_providers_error(
    services: Services, meta: WhatsApp, agent: Persona, providers: FakeProviders
) -> None:
    room = served_room(services, meta, agent)
    message_id = send_as_agent(agent, room["_id"], "Hi").json()["message"]["_id"]
    deliver_pending_messages(services)
    failed = {
        "id": "wamid.OUT1",
        "status": "failed",
        "timestamp": str(int(time.time())),
        "recipient_id": WA_CUSTOMER,
        "errors": [{"code": 131026, "title": "Message undeliverable", "message": "Message undeliverable"}],
    }
    assert meta.post(whatsapp_notification(statuses=[failed])).status_code == 200
    delivery = stored_message(services, message_id).extra["delivery"]
    assert delivery["status"] == "failed" and "131026" in delivery["error"]


def test_free_form_replies_are_refused_24_hours_after_the_customers_last_message(
    services: Services, meta: WhatsApp, agent: Persona, providers: FakeProviders
) -> None:
    room = served_room(services, meta, agent, ago=25 * 3600)
    refused = send_as_agent(agent, room["_id"], "Sorry for the wait")
    assert_error(refused, 400, "error-whatsapp-window-closed")
    assert outbound_jobs(services) == []
    assert texts_of(agent, room["_id"]) == ["Hello?"]

    # The customer writes again: the window opens for another 24 hours.
    meta.post(whatsapp_notification(messages=[text_message("Anyone?", wamid="wamid.AGAIN")]))
    assert send_as_agent(agent, room["_id"], "Here!").status_code == 200
    assert len(outbound_jobs(services)) == 1


def test_a_reply_within_the_window_is_allowed(services: Services, meta: WhatsApp, agent: Persona) -> None:
    room = served_room(services, meta, agent, ago=23 * 3600)
    assert send_as_agent(agent, room["_id"], "Just in time").status_code == 200


def test_a_change_for_another_number_of_the_same_app_is_accepted_but_not_another_apps(
    services: Services, meta: WhatsApp, manager: Persona
) -> None:
    sibling = make_whatsapp_channel(services, phone_number="+15550100002", phone_number_id="200000000000002")
    stranger = make_whatsapp_channel(
        services, phone_number="+15550100003", phone_number_id="300000000000003", app_secret="another-app"
    )
    for phone_number_id, wamid in (("200000000000002", "wamid.SIB"), ("300000000000003", "wamid.STR")):
        payload = whatsapp_notification(messages=[text_message("hi", wamid=wamid)])
        payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = phone_number_id
        assert meta.post(payload).status_code == 200
    [room] = rooms_of(manager)
    assert room["source"]["id"] == sibling != stranger
