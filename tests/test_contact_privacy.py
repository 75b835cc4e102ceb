"""Privacy: what is held about a person comes out whole as one JSON document (contacts.export), and
contacts.erase deletes it all, so that no row of the database mentions them afterwards."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from omnidesk.services import Services
from tests.helpers import Persona, assert_error, create_contact, database_dump
from tests.livechat_helpers import Guest, guest, send_as_agent, set_available

EMAIL = "ada@lovelace.example"
PHONE_DIGITS = "2079460958"
SECRET = "My analytical engine secret"
TOKEN = "token-ada-privacy-0123456789"


def _person(services: Services, client: TestClient, agent: Persona, manager: Persona) -> tuple[Guest, str]:
    """Ada: an offline-form message, a chat with an agent (closed, its transcript queued to her), a
    call from her phone, and an edit of her contact by a manager."""
    offline = {"name": "Ada Lovelace", "email": EMAIL, "message": "Please call me back"}
    assert client.post("/api/v1/livechat/offline.message", json=offline).status_code == 200
    set_available(services, agent)
    visitor = guest(client, TOKEN)
    visitor.register(name="Ada Lovelace", email=EMAIL, phone="+44 20 7946 0958")
    room = visitor.open_room()
    assert visitor.say(room["_id"], SECRET).status_code == 200
    assert send_as_agent(agent, room["_id"], "Thank you, Ada").status_code == 200
    transcript = {"token": TOKEN, "rid": room["_id"], "email": EMAIL}
    assert client.post("/api/v1/livechat/transcript", json=transcript).status_code == 200
    call = {"externalId": "ada-1", "event": "ringing", "from": "+442079460958", "to": "+15550100000"}
    assert manager.post("/api/v1/omnichannel/calls.event", json=call).status_code == 200
    ended = manager.post("/api/v1/omnichannel/calls.event", json={"externalId": "ada-1", "event": "ended"})
    assert ended.status_code == 200, ended.text
    contact_id: str = room["contactId"]
    update = {"contactId": contact_id, "name": "Ada King, Countess of Lovelace"}
    assert manager.post("/api/v1/omnichannel/contacts.update", json=update).status_code == 200
    return visitor, room["_id"]


def test_the_export_holds_the_contact_its_chats_calls_and_audit_and_no_token(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona, admin: Persona
) -> None:
    _visitor, rid = _person(services, anonymous, agent, manager)
    contact_id = manager.get("/api/v1/omnichannel/contacts.search", params={"searchText": EMAIL}).json()[
        "contacts"
    ][0]["_id"]
    for persona in (agent, manager):  # admins only, by default
        refused = persona.get("/api/v1/omnichannel/contacts.export", params={"contactId": contact_id})
        assert_error(refused, 403, "error-unauthorized")

    response = admin.get("/api/v1/omnichannel/contacts.export", params={"contactId": contact_id})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()["export"]
    assert document["format"] == "omnidesk-contact-export/1"
    assert document["contact"]["name"] == "Ada King, Countess of Lovelace"
    assert document["contact"]["enabled"] is True
    assert [email["address"] for email in document["contact"]["emails"]] == [EMAIL]
    assert [room["_id"] for room in document["rooms"]] == [rid]
    texts = [message["msg"] for message in document["rooms"][0]["messages"]]
    assert SECRET in texts and "Thank you, Ada" in texts
    assert [call["externalId"] for call in document["calls"]] == ["ada-1"]
    assert document["visitors"][0]["name"] == "Ada Lovelace"
    assert "updated" in [entry["action"] for entry in document["audit"]]
    assert TOKEN not in json.dumps(document)  # a visitor token is a password, not data

    audit = admin.get("/api/v1/omnichannel/contacts.audit", params={"contactId": contact_id}).json()
    assert audit["audit"][0]["action"] == "exported"
    missing = admin.get("/api/v1/omnichannel/contacts.export", params={"contactId": "nobody"})
    assert_error(missing, 404, "error-contact-not-found")


def test_erase_is_refused_while_a_chat_is_open_then_leaves_no_row_that_mentions_the_person(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona, admin: Persona
) -> None:
    visitor, rid = _person(services, anonymous, agent, manager)
    contact_id = manager.get("/api/v1/omnichannel/contacts.search", params={"searchText": EMAIL}).json()[
        "contacts"
    ][0]["_id"]
    dump = database_dump(services)
    assert all(value in dump for value in (EMAIL, PHONE_DIGITS, "Lovelace", SECRET, TOKEN))

    erase = {"contactId": contact_id}
    assert_error(manager.post("/api/v1/omnichannel/contacts.erase", json=erase), 403, "error-unauthorized")
    # A duplicate merged into her: its tombstone and the merge's undo record are hers too.
    byron = create_contact(manager, name="Augusta Byron", emails=["augusta@byron.example"], phones=[])
    merged = admin.post(
        "/api/v1/omnichannel/contacts.merge", json={"contactId": contact_id, "mergeWith": [byron]}
    )
    assert merged.status_code == 200, merged.text
    open_chat = admin.post("/api/v1/omnichannel/contacts.erase", json=erase)
    assert_error(open_chat, 400, "error-contact-has-open-rooms")
    assert visitor.close(rid).status_code == 200

    erased = admin.post("/api/v1/omnichannel/contacts.erase", json=erase)
    assert erased.status_code == 200, erased.text
    assert erased.json()["erased"] == {"rooms": 1, "calls": 1, "visitors": 2}

    dump = database_dump(services)
    for value in (EMAIL, PHONE_DIGITS, "Lovelace", SECRET, TOKEN, "Please call me back", "Byron", byron):
        assert value not in dump, value
    assert_error(
        manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": contact_id}),
        404,
        "error-not-found",
    )
    audit = admin.get("/api/v1/omnichannel/contacts.audit", params={"contactId": contact_id}).json()["audit"]
    assert [(entry["action"], entry["user"]["username"]) for entry in audit] == [("erased", "alice")]
    # The token names no visitor any more: a new chat from it starts from nothing.
    assert visitor.room(rid=rid).json()["errorType"] == "invalid-token"
    again = admin.post("/api/v1/omnichannel/contacts.erase", json=erase)
    assert_error(again, 404, "error-contact-not-found")
