"""SMS through Twilio: signed incoming messages become chats of the contact behind the number, agents'
replies are delivered through Twilio's Messages API, and status callbacks (in any order) update them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient

from omnidesk.events import Event
from omnidesk.services import Services
from omnidesk.workers.messaging_delivery import deliver_pending_messages
from tests.helpers import Persona, assert_error, raw_rows
from tests.livechat_helpers import make_department, send_as_agent, set_available
from tests.messaging_helpers import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    CUSTOMER,
    SMS_NUMBER,
    FakeProviders,
    TwilioSms,
    make_sms_channel,
    outbound_jobs,
    providers,
    stored_message,
)

__all__ = ["providers"]  # the fixture

UK_NUMBER = "+442071838750"


@pytest.fixture
def channel_id(services: Services) -> str:
    return make_sms_channel(services)


@pytest.fixture
def twilio(services: Services, app_client: TestClient, channel_id: str) -> TwilioSms:
    return TwilioSms(app_client, services.settings.public_url)


def rooms_of(staff: Persona, *, own: bool = False) -> list[dict[str, Any]]:
    response = staff.get("/api/v1/livechat/rooms", params={"agents": [staff.id]} if own else None)
    assert response.status_code == 200, response.text
    rooms: list[dict[str, Any]] = response.json()["rooms"]
    return rooms


def messages_of(manager: Persona, rid: str) -> list[dict[str, Any]]:
    response = manager.get(f"/api/v1/livechat/{rid}/messages", params={"sort": '{"ts": 1}'})
    assert response.status_code == 200, response.text
    return [message for message in response.json()["messages"] if not message.get("t")]


def assert_empty_twiml(response: Any) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    document = ElementTree.fromstring(response.text)
    assert document.tag == "Response" and len(document) == 0


def test_a_signed_sms_from_a_new_number_opens_a_chat_for_a_new_unknown_contact(
    services: Services, twilio: TwilioSms, channel_id: str, manager: Persona, published: list[Event]
) -> None:
    response = twilio.incoming("Hello, is my order shipped?", FromCity="SPRINGFIELD", SomeNewField="x")
    assert_empty_twiml(response)

    [room] = rooms_of(manager)
    assert room["source"] == {
        "type": "sms",
        "id": channel_id,
        "alias": "twilio",
        "label": "SMS",
        "destination": SMS_NUMBER,
    }
    assert room["v"]["phone"] == CUSTOMER
    assert room["fname"] == CUSTOMER
    [message] = messages_of(manager, room["_id"])
    assert message["msg"] == "Hello, is my order shipped?"
    assert message["u"]["username"] == room["v"]["username"]
    contact = manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": room["contactId"]}).json()
    assert contact["contact"]["unknown"] is True
    assert [phone["phoneNumber"] for phone in contact["contact"]["phones"]] == [CUSTOMER]
    # Nobody is online: the SMS is not refused, the chat waits in the queue.
    inquiry = manager.get("/api/v1/livechat/inquiries.getOne", params={"roomId": room["_id"]}).json()
    assert inquiry["inquiry"]["status"] == "queued"
    assert any(event.type == "message" and event.payload()["room_id"] == room["_id"] for event in published)
    # Every field Twilio sent is kept with the message, unknown ones included.
    [(payload,)] = raw_rows(services, "SELECT payload FROM channel_messages WHERE direction = 'in'")
    assert "SomeNewField" in str(payload) and "SPRINGFIELD" in str(payload)


def test_the_next_sms_goes_to_the_open_chat_and_after_closing_a_new_one_opens(
    twilio: TwilioSms, manager: Persona
) -> None:
    twilio.incoming("first")
    twilio.incoming("second")
    [room] = rooms_of(manager)
    assert [message["msg"] for message in messages_of(manager, room["_id"])] == ["first", "second"]

    closed = manager.post("/api/v1/livechat/room.closeByUser", json={"rid": room["_id"], "comment": "done"})
    assert closed.status_code == 200, closed.text
    twilio.incoming("third")
    rooms = rooms_of(manager)
    assert len(rooms) == 2
    newest = next(r for r in rooms if r["_id"] != room["_id"])
    assert newest["contactId"] == room["contactId"]
    assert [message["msg"] for message in messages_of(manager, newest["_id"])] == ["third"]


def test_the_same_number_written_differently_reaches_the_contact_created_in_advance(
    twilio: TwilioSms, manager: Persona
) -> None:
    created = manager.post(
        "/api/v1/omnichannel/contacts",
        json={"name": "Ada Lovelace", "emails": [], "phones": ["(555) 010-2233"]},
    )
    assert created.status_code == 200, created.text
    contact_id = created.json()["contactId"]

    assert_empty_twiml(twilio.incoming("It's Ada", sender="+1 555-010-2233"))

    [room] = rooms_of(manager)
    assert room["contactId"] == contact_id
    assert room["fname"] == "Ada Lovelace"
    contact = manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": contact_id}).json()[
        "contact"
    ]
    assert contact["unknown"] is False
    assert [channel["name"] for channel in contact["channels"]] == ["SMS"]


def test_sms_to_two_of_our_numbers_reach_one_contact(
    services: Services, twilio: TwilioSms, channel_id: str, manager: Persona
) -> None:
    grace = {"name": "Grace Hopper", "emails": [], "phones": ["+15550102233"]}
    created = manager.post("/api/v1/omnichannel/contacts", json=grace)
    contact_id = created.json()["contactId"]
    other = make_sms_channel(services, number="+15550100009")
    twilio.incoming("to the first number")
    twilio.incoming("to the other number", to="+1 555 010 0009")
    rooms = rooms_of(manager)
    assert {room["source"]["id"] for room in rooms} == {channel_id, other}
    assert {room["contactId"] for room in rooms} == {contact_id}


def test_a_national_number_texting_our_uk_number_is_read_as_a_uk_one(
    services: Services, twilio: TwilioSms, manager: Persona
) -> None:
    # The workspace reads national numbers as US ones (its default); our London number's as UK ones.
    london = make_sms_channel(services, number=UK_NUMBER)
    ada = {"name": "Ada London", "emails": [], "phones": ["+44 20 7946 0958"]}
    contact_id = manager.post("/api/v1/omnichannel/contacts", json=ada).json()["contactId"]
    assert_empty_twiml(twilio.incoming("Hello from London", sender="020 7946 0958", to=UK_NUMBER))
    assert_empty_twiml(twilio.incoming("Again, without the +", sender="442079460958", to=UK_NUMBER))

    [room] = rooms_of(manager)
    assert (room["source"]["id"], room["contactId"]) == (london, contact_id)
    assert room["v"]["phone"] == "+442079460958"
    assert [message["msg"] for message in messages_of(manager, room["_id"])] == [
        "Hello from London",
        "Again, without the +",
    ]
    contact = manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": contact_id}).json()
    assert contact["contact"]["phones"] == [{"phoneNumber": "+44 20 7946 0958"}]  # nothing new


def test_rocketchats_department_parameter_chooses_the_chats_department(
    services: Services, twilio: TwilioSms, manager: Persona
) -> None:
    department = make_department(services, "Sales")
    assert_empty_twiml(twilio.incoming("to sales", query="?department=Sales"))
    [room] = rooms_of(manager)
    assert room["departmentId"] == department
    assert_error(twilio.incoming("nowhere", query="?department=Nope"), 400, "error-invalid-department")


def test_a_repeated_webhook_is_stored_once(services: Services, twilio: TwilioSms, manager: Persona) -> None:
    sid = "SM" + "d" * 32
    assert_empty_twiml(twilio.incoming("only once", sid=sid))
    assert_empty_twiml(twilio.incoming("only once", sid=sid))
    [room] = rooms_of(manager)
    assert [message["msg"] for message in messages_of(manager, room["_id"])] == ["only once"]
    assert raw_rows(services, "SELECT COUNT(*) FROM channel_messages")[0][0] == 1


def test_forged_or_unsigned_webhooks_are_refused(
    services: Services, twilio: TwilioSms, app_client: TestClient, manager: Persona
) -> None:
    forged = TwilioSms(app_client, services.settings.public_url, token="not-the-auth-token")
    assert_error(forged.incoming("let me in"), 403, "error-invalid-signature")
    params = [("MessageSid", "SM" + "1" * 32), ("From", CUSTOMER), ("To", SMS_NUMBER), ("Body", "x")]
    assert_error(
        twilio.post("/api/v1/livechat/sms-incoming/twilio", params, signature=""),
        403,
        "error-invalid-signature",
    )
    # A signature for another URL (a replay against another server) does not pass either.
    other_url = TwilioSms(app_client, "https://elsewhere.example.com")
    assert_error(other_url.incoming("replayed"), 403, "error-invalid-signature")
    assert rooms_of(manager) == []
    assert raw_rows(services, "SELECT COUNT(*) FROM visitors")[0][0] == 0


def test_bad_requests_get_clear_errors(twilio: TwilioSms, app_client: TestClient) -> None:
    assert_error(twilio.incoming("to a number we do not have", to="+15550109999"), 404, "error-not-found")
    no_to = [("MessageSid", "SM" + "2" * 32), ("From", CUSTOMER), ("Body", "x")]
    assert_error(twilio.post("/api/v1/livechat/sms-incoming/twilio", no_to), 400, "invalid-params")
    as_json = app_client.post("/api/v1/livechat/sms-incoming/twilio", json={"From": CUSTOMER})
    assert_error(as_json, 400, "invalid-params")


def test_a_blocked_channel_never_opens_a_chat(
    services: Services, twilio: TwilioSms, manager: Persona
) -> None:
    twilio.incoming("before the block")
    [room] = rooms_of(manager)
    association = {
        "visitor": {"visitorId": room["v"]["_id"], "source": {"type": "sms", "id": room["source"]["id"]}}
    }
    blocked = manager.post("/api/v1/omnichannel/contacts.block", json=association)
    assert blocked.status_code == 200, blocked.text

    assert_empty_twiml(twilio.incoming("after the block"))

    [still] = rooms_of(manager)
    assert still["_id"] == room["_id"] and "open" not in still
    assert [m["msg"] for m in messages_of(manager, room["_id"])] == ["before the block"]
    assert raw_rows(services, "SELECT COUNT(*) FROM channel_messages")[0][0] == 1


def test_media_become_placeholders_with_the_text_as_caption(twilio: TwilioSms, manager: Persona) -> None:
    twilio.incoming(
        "my receipt",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1",
        MediaContentType0="image/jpeg",
    )
    [room] = rooms_of(manager)
    assert [m["msg"] for m in messages_of(manager, room["_id"])] == ["[image] my receipt"]


# --- replies --------------------------------------------------------------------------------------------


def served_sms_room(services: Services, twilio: TwilioSms, agent: Persona) -> dict[str, Any]:
    set_available(services, agent)
    twilio.incoming("Where is my parcel?")
    [room] = rooms_of(agent, own=True)
    assert room["servedBy"]["_id"] == agent.id
    return room


def test_an_agents_reply_is_delivered_through_twilio_with_the_right_fields_and_auth(
    services: Services, twilio: TwilioSms, agent: Persona, channel_id: str, providers: FakeProviders
) -> None:
    room = served_sms_room(services, twilio, agent)
    response = send_as_agent(agent, room["_id"], "It left this morning.")
    assert response.status_code == 200, response.text
    message = response.json()["message"]
    assert message["delivery"]["status"] == "queued" and message["delivery"]["channel"] == "sms"
    assert providers.requests == []  # nothing goes out inside the request

    assert deliver_pending_messages(services) == 1

    [sent] = providers.requests
    assert sent.url == f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert sent.basic_auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert sent.form is not None
    fields = dict(sent.form)
    assert (fields["To"], fields["From"], fields["Body"]) == (CUSTOMER, SMS_NUMBER, "It left this morning.")
    [job] = outbound_jobs(services)
    assert fields["StatusCallback"] == (
        f"{services.settings.public_url}/api/v1/livechat/sms-incoming/twilio/{channel_id}/status?ref={job.id}"
    )
    assert (job.status, job.attempts, job.external_id) == ("sent", 1, "SM" + "f" * 16 + "0" * 15 + "1")
    assert stored_message(services, message["_id"]).extra["delivery"]["status"] == "sent"
    assert deliver_pending_messages(services) == 0  # nothing is sent twice


def test_status_callbacks_update_the_delivery_state_in_any_order(
    services: Services, twilio: TwilioSms, agent: Persona, providers: FakeProviders, published: list[Event]
) -> None:
    room = served_sms_room(services, twilio, agent)
    message_id = send_as_agent(agent, room["_id"], "On its way").json()["message"]["_id"]
    deliver_pending_messages(services)
    callback = dict(providers.requests[0].form or [])["StatusCallback"]
    path = callback.removeprefix(services.settings.public_url)
    [job] = outbound_jobs(services)
    assert job.external_id is not None

    def delivery() -> dict[str, Any]:
        found = agent.get(f"/api/v1/livechat/{room['_id']}/messages").json()["messages"]
        return next(m for m in found if m["_id"] == message_id)["delivery"]

    assert_empty_twiml(twilio.status(path, job.external_id, "delivered", RawDlrDoneDate="2611301200"))
    assert delivery()["status"] == "delivered"
    assert_empty_twiml(twilio.status(path, job.external_id, "sent"))  # late: changes nothing
    assert_empty_twiml(twilio.status(path, job.external_id, "queued"))
    assert delivery()["status"] == "delivered"
    assert any(
        event.type == "message_updated" and event.payload()["message_id"] == message_id for event in published
    )
    forged = TwilioSms(twilio.client, twilio.public_url, token="wrong")
    assert_error(forged.status(path, job.external_id, "failed"), 403, "error-invalid-signature")
    assert delivery()["status"] == "delivered"


def test_a_status_before_the_worker_recorded_the_sid_still_applies(
    services: Services, twilio: TwilioSms, agent: Persona, channel_id: str, providers: FakeProviders
) -> None:
    room = served_sms_room(services, twilio, agent)
    message_id = send_as_agent(agent, room["_id"], "Hi").json()["message"]["_id"]
    [job] = outbound_jobs(services)
    path = f"/api/v1/livechat/sms-incoming/twilio/{channel_id}/status?ref={job.id}"
    assert_empty_twiml(
        twilio.status(path, "SM" + "e" * 32, "failed", ErrorCode="30003", ErrorMessage="Unreachable")
    )
    delivery = stored_message(services, message_id).extra["delivery"]
    assert delivery["status"] == "failed" and "30003" in delivery["error"]


def test_agents_cannot_reply_when_the_sms_account_was_removed(
    services: Services, twilio: TwilioSms, agent: Persona, admin: Persona, channel_id: str
) -> None:
    room = served_sms_room(services, twilio, agent)
    assert (
        admin.client.delete(
            f"/api/v1/omnichannel/messaging.channels/{channel_id}", headers=admin.headers
        ).status_code
        == 200
    )
    assert_error(send_as_agent(agent, room["_id"], "Hello?"), 400, "error-messaging-channel-not-found")
    assert outbound_jobs(services) == []


def test_widget_chats_queue_nothing_for_delivery(
    services: Services, app_client: TestClient, agent: Persona
) -> None:
    from tests.livechat_helpers import guest

    set_available(services, agent)
    visitor = guest(app_client, "widget-token")
    visitor.register(name="Web visitor")
    room = visitor.open_room()
    response = send_as_agent(agent, room["_id"], "Hello from the web")
    assert response.status_code == 200, response.text
    assert "delivery" not in response.json()["message"]
    assert outbound_jobs(services) == []


# --- live -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ws_url(services: Services) -> Iterator[str]:
    from omnidesk.app import create_app
    from tests.ddp_client import running_server

    with running_server(create_app(services)) as url:
        yield url


def test_agents_see_sms_arrive_and_their_replies_change_state_live(
    services: Services, twilio: TwilioSms, agent: Persona, providers: FakeProviders, ws_url: str
) -> None:
    from tests.ddp_client import DDPClient

    room = served_sms_room(services, twilio, agent)
    with DDPClient(ws_url) as ddp:
        ddp.login(agent.token)
        subscription = ddp.subscribe(
            "stream-room-messages", "__my_messages__", {"useCollection": False, "args": []}
        )
        assert subscription["msg"] == "ready"
        twilio.incoming("Are you there?")
        assert ddp.event("stream-room-messages", "__my_messages__")[0]["msg"] == "Are you there?"

        message_id = send_as_agent(agent, room["_id"], "Yes!").json()["message"]["_id"]
        queued = ddp.event("stream-room-messages", "__my_messages__")[0]
        assert (queued["_id"], queued["delivery"]["status"]) == (message_id, "queued")
        deliver_pending_messages(services)
        sent = ddp.event("stream-room-messages", "__my_messages__")[0]
        assert (sent["_id"], sent["delivery"]["status"]) == (message_id, "sent")
