"""The visitor-side routes' answers and errors as Rocket.Chat gives them (livechat/visitor*,
livechat/message*, custom.field, offline.message, agent.next), and the staff's livechat/visitors.info
and livechat/visitor/{token}/room."""

from __future__ import annotations

from fastapi.testclient import TestClient

from omnidesk.models import CustomField
from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import guest, make_department, send_as_agent, set_available, set_setting

VISITOR = "/api/v1/livechat/visitor"


def test_an_unknown_token_on_the_visitor_routes_is_rocket_chats_reasonless_meteor_error(
    anonymous: TestClient,
) -> None:
    # Rocket.Chat throws Meteor.Error('invalid-token') there, which renders as "[invalid-token]".
    assert_error(anonymous.get(f"{VISITOR}/nope"), 400, "invalid-token", "[invalid-token]")
    assert_error(anonymous.delete(f"{VISITOR}/nope"), 400, "invalid-token", "[invalid-token]")
    status = anonymous.post(f"{VISITOR}.status", json={"token": "nope", "status": "away"})
    assert_error(status, 400, "invalid-token", "[invalid-token]")
    # The routes that throw a plain Error answer the id alone.
    assert_error(anonymous.get("/api/v1/livechat/agent.info/r/nope"), 400, "invalid-token", "invalid-token")


def test_a_blank_token_is_refused_in_rocket_chats_words(anonymous: TestClient) -> None:
    for token in ("", "   "):
        response = anonymous.post(VISITOR, json={"visitor": {"token": token}})
        assert_error(response, 400, "error-invalid-token", "Token cannot be empty [error-invalid-token]")


def test_the_widget_reports_the_visitors_presence(anonymous: TestClient) -> None:
    visitor = guest(anonymous, "token-presence")
    visitor.register(name="Paula")
    response = anonymous.post(f"{VISITOR}.status", json={"token": "token-presence", "status": "away"})
    assert response.json() == {"token": "token-presence", "status": "away", "success": True}
    assert anonymous.get(f"{VISITOR}/token-presence").json()["visitor"]["status"] == "away"
    missing = anonymous.post(f"{VISITOR}.status", json={"token": "token-presence"})
    assert_error(missing, 400, "invalid-params", "must have required property 'status' [invalid-params]")


def test_staff_read_a_visitor_and_its_open_rooms(
    services: Services, anonymous: TestClient, manager: Persona, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-staff-reads")
    registered = visitor.register(name="Stella")
    room = visitor.open_room()

    info = manager.get("/api/v1/livechat/visitors.info", params={"visitorId": registered["_id"]})
    assert info.status_code == 200, info.text
    shown = info.json()["visitor"]
    assert (shown["_id"], shown["name"], shown["username"]) == (
        registered["_id"],
        "Stella",
        registered["username"],
    )
    assert "token" not in shown  # a visitor's token is its password: no staff answer carries it
    unknown = manager.get("/api/v1/livechat/visitors.info", params={"visitorId": "nope"})
    assert_error(unknown, 400, "visitor-not-found", "visitor-not-found")
    assert_error(manager.get("/api/v1/livechat/visitors.info"), 400, "invalid-params")

    rooms = manager.get(f"{VISITOR}/token-staff-reads/room")
    assert rooms.json() == {
        "rooms": [
            {
                "_id": room["_id"],
                "t": "l",
                "name": "Stella",
                "servedBy": {"_id": agent.id, "username": "alex"},
            }
        ],
        "success": True,
    }
    assert manager.get(f"{VISITOR}/nope/room").json() == {"rooms": [], "success": True}
    # Rocket.Chat asks view-livechat-manager there, which agents lack.
    assert_error(agent.get(f"{VISITOR}/token-staff-reads/room"), 403, "error-unauthorized")
    plain = make_persona(services, manager.client, "uma", ["user"], "Uma User")
    assert_error(
        plain.get("/api/v1/livechat/visitors.info", params={"visitorId": "x"}), 403, "error-unauthorized"
    )


def test_messages_to_a_closed_room_or_past_the_limit_are_refused_with_the_bare_id(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-closed-room")
    visitor.register(name="Carl")
    room = visitor.open_room()
    set_setting(services, "Livechat_enable_message_character_limit", True)
    set_setting(services, "Livechat_message_character_limit", 5)
    too_long = visitor.say(room["_id"], "far too long")
    assert_error(
        too_long, 400, "message-length-exceeds-character-limit", "message-length-exceeds-character-limit"
    )
    visitor.close(room["_id"])
    assert_error(visitor.say(room["_id"], "hi"), 400, "room-closed", "room-closed")


def test_a_visitor_reads_one_message_of_its_room(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-reads-one")
    visitor.register(name="Rhea")
    room = visitor.open_room()
    said = visitor.say(room["_id"], "where is my parcel?").json()["message"]
    reply = send_as_agent(agent, room["_id"], "on its way").json()["message"]
    other = guest(anonymous, "token-reads-other")
    other.register(name="Otto")
    others_room = other.open_room()

    def read(message_id: str, token: str = "token-reads-one", rid: str = room["_id"]) -> object:
        return anonymous.get(f"/api/v1/livechat/message/{message_id}", params={"token": token, "rid": rid})

    for message in (said, reply):
        response = read(message["_id"])
        assert response.status_code == 200, response.text
        assert (response.json()["message"]["_id"], response.json()["message"]["msg"]) == (
            message["_id"],
            message["msg"],
        )
    assert_error(read("nope"), 400, "invalid-message", "invalid-message")
    assert_error(read(said["_id"], token="nope"), 400, "invalid-token")
    assert_error(read(said["_id"], rid=others_room["_id"]), 400, "invalid-room")
    assert_error(read(said["_id"], token="token-reads-other", rid=others_room["_id"]), 400, "invalid-message")


def test_an_unknown_custom_field_is_the_bare_id(anonymous: TestClient) -> None:
    visitor = guest(anonymous, "token-custom-field")
    visitor.register(name="Cora")
    one = {"token": "token-custom-field", "key": "nokey", "value": "1", "overwrite": True}
    assert_error(
        anonymous.post("/api/v1/livechat/custom.field", json=one),
        400,
        "invalid-custom-field",
        "invalid-custom-field",
    )
    many = {
        "token": "token-custom-field",
        "customFields": [{"key": "nokey", "value": "1", "overwrite": True}],
    }
    assert_error(
        anonymous.post("/api/v1/livechat/custom.fields", json=many),
        400,
        "invalid-custom-field",
        "invalid-custom-field",
    )


def test_an_offline_message_is_answered_in_rocket_chats_two_texts(
    services: Services, anonymous: TestClient
) -> None:
    body = {"name": "Night Owl", "email": "owl@example.com", "message": "Call me"}
    sent = anonymous.post("/api/v1/livechat/offline.message", json=body)
    assert sent.json() == {"message": "Livechat offline message sent", "success": True}
    # Every refusal is one text there; the type still tells which.
    failed = "Error sending livechat offline message"
    unknown = anonymous.post("/api/v1/livechat/offline.message", json={**body, "department": "nope"})
    assert_error(unknown, 400, "error-invalid-department", failed)
    set_setting(services, "Livechat_display_offline_form", False)
    assert_error(
        anonymous.post("/api/v1/livechat/offline.message", json=body),
        400,
        "error-offline-form-disabled",
        failed,
    )
    # A value past its column stays a validation error, in its own words.
    set_setting(services, "Livechat_display_offline_form", True)
    long_name = anonymous.post("/api/v1/livechat/offline.message", json={**body, "name": "n" * 300})
    assert_error(long_name, 400, "invalid-params")
    assert long_name.json()["error"] != failed


def test_the_next_agent_is_who_routing_would_give_a_new_chat(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona
) -> None:
    path = "/api/v1/livechat/agent.next"
    assert_error(anonymous.get(f"{path}/token-next"), 400, "agent-not-found", "agent-not-found")
    set_available(services, agent)
    # As Rocket.Chat's, a token that is no visitor's yet is answered: the widget asks before registering.
    nobody = anonymous.get(f"{path}/token-next")
    assert nobody.json() == {
        "agent": {"_id": agent.id, "username": "alex", "name": "Alex Agent"},
        "success": True,
    }
    sales = make_department(services, "Sales", agent2)
    assert_error(anonymous.get(f"{path}/token-next", params={"department": sales}), 400, "agent-not-found")
    set_available(services, agent2)
    in_sales = anonymous.get(f"{path}/token-next", params={"department": sales}).json()
    assert in_sales["agent"]["_id"] == agent2.id
    set_setting(services, "Livechat_show_agent_info", False)
    assert anonymous.get(f"{path}/token-next").json()["agent"] == {"hiddenInfo": True}
    set_setting(services, "Livechat_show_agent_info", True)
    # With a chat open, there is no one to announce.
    visitor = guest(anonymous, "token-next")
    visitor.register(name="Nina")
    visitor.open_room()
    assert anonymous.get(f"{path}/token-next").json() == {"success": True}
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    assert_error(anonymous.get(f"{path}/token-other"), 400, "agent-not-found")


def test_a_widget_value_is_tested_against_its_fields_pattern(
    services: Services, anonymous: TestClient
) -> None:
    with services.transaction() as session:
        session.add(CustomField(id="zip", label="Zip code", scope="visitor", regexp="^[0-9]{5}$"))
    visitor = guest(anonymous, "token-zip")
    visitor.register(name="Zed")
    bad = {"token": "token-zip", "key": "zip", "value": "abc", "overwrite": True}
    # Rocket.Chat's setCustomFields names the field by its key there, and throws a plain Error.
    refused = anonymous.post("/api/v1/livechat/custom.field", json=bad)
    assert_error(refused, 400, "error-invalid-custom-field-value", "Invalid value for zip field")
    many = {"token": "token-zip", "customFields": [{"key": "zip", "value": "abc", "overwrite": True}]}
    assert_error(
        anonymous.post("/api/v1/livechat/custom.fields", json=many), 400, "error-invalid-custom-field-value"
    )
    assert anonymous.get(f"{VISITOR}/token-zip").json()["visitor"]["livechatData"] == {}
    good = anonymous.post("/api/v1/livechat/custom.field", json={**bad, "value": "12345"})
    assert good.json() == {"field": {"key": "zip", "value": "12345", "overwrite": True}, "success": True}
    assert anonymous.get(f"{VISITOR}/token-zip").json()["visitor"]["livechatData"] == {"zip": "12345"}
