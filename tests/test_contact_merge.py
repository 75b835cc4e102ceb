"""Merging contacts: by hand with a preview and an undo that restores everything, and automatically when
two contacts verify the same identity."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from omnidesk.models import CustomField, OutboundEmail
from omnidesk.services import Services
from tests.helpers import Persona, assert_error, create_contact, race
from tests.livechat_helpers import Guest, guest, send_as_agent, set_available

MERGE = "/api/v1/omnichannel/contacts.merge"
UNMERGE = "/api/v1/omnichannel/contacts.unmerge"
# Written anew by the undo itself, or by the exports that compare the states.
VOLATILE_KEYS = {"_updatedAt", "exportedAt"}
MERGE_AUDIT = {"exported", "merged", "unmerged"}


def _define_plan_field(services: Services) -> None:
    with services.transaction() as session:
        session.add(CustomField(id="plan", label="Plan", scope="visitor", visibility="visible"))


def _export(admin: Persona, contact_id: str) -> dict[str, Any]:
    response = admin.get("/api/v1/omnichannel/contacts.export", params={"contactId": contact_id})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()["export"]
    return document


def _comparable(value: Any) -> Any:
    """The export without what an undo rewrites by being a change: modification times, and the audit
    entries of the exports, the merge and its undo."""
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items() if key not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [
            _comparable(item)
            for item in value
            if not (isinstance(item, dict) and item.get("action") in MERGE_AUDIT)
        ]
    return value


def _contact(persona: Persona, contact_id: str) -> dict[str, Any]:
    response = persona.get("/api/v1/omnichannel/contacts.get", params={"contactId": contact_id})
    assert response.status_code == 200, response.text
    contact: dict[str, Any] = response.json()["contact"]
    return contact


def _room(persona: Persona, rid: str) -> dict[str, Any]:
    response = persona.get("/api/v1/livechat/room.info", params={"roomId": rid})
    assert response.status_code == 200, response.text
    room: dict[str, Any] = response.json()["room"]
    return room


def _two_adas(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona
) -> tuple[str, str, Guest, str]:
    """Ada as staff entered her (plan gold), and Ada as she came in by chat with another address (plan
    silver), with a chat and a call of the second."""
    _define_plan_field(services)
    ada = create_contact(
        manager,
        name="Ada Lovelace",
        emails=["ada@example.com"],
        phones=["+44 20 7946 0958"],
        customFields={"plan": "gold"},
    )
    set_available(services, agent)
    visitor = guest(anonymous, "token-merge-ada-1234567890")
    visitor.register(
        name="Ada L",
        email="ada.work@example.com",
        phone="+44 20 7946 0959",
        customFields=[{"key": "plan", "value": "silver", "overwrite": True}],
    )
    room = visitor.open_room()
    assert visitor.say(room["_id"], "Hello from work").status_code == 200
    assert send_as_agent(agent, room["_id"], "Hello Ada").status_code == 200
    call = {"externalId": "merge-call-1", "event": "ringing", "from": "+442079460959", "to": "+15550100000"}
    assert manager.post("/api/v1/omnichannel/calls.event", json=call).status_code == 200
    work: str = room["contactId"]
    assert work != ada
    return ada, work, visitor, room["_id"]


def test_preview_merge_and_undo_restore_every_contact_channel_room_and_call(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona, admin: Persona
) -> None:
    ada, work, visitor, rid = _two_adas(services, anonymous, agent, manager)
    before = {contact_id: _comparable(_export(admin, contact_id)) for contact_id in (ada, work)}
    assert before[work]["contact"]["customFields"] == {"plan": "silver"}

    preview = manager.post(MERGE, json={"contactId": ada, "mergeWith": [work], "preview": True})
    assert preview.status_code == 200, preview.text
    shown = preview.json()["preview"]
    assert shown["result"]["name"] == "Ada Lovelace"
    assert [email["address"] for email in shown["result"]["emails"]] == [
        "ada@example.com",
        "ada.work@example.com",
    ]
    assert shown["result"]["customFields"] == {"plan": "gold"}
    assert {"field": "customFields.plan", "value": "silver"} in shown["conflicts"]
    assert {"field": "name", "value": "Ada L"} in shown["conflicts"]
    assert shown["counts"]["byContact"][work] == {
        "channels": 2,
        "rooms": 1,
        "calls": 1,
    }  # the chat and the call
    assert [contact["_id"] for contact in shown["contacts"]] == [ada, work]
    # A preview writes nothing.
    assert {contact_id: _comparable(_export(admin, contact_id)) for contact_id in (ada, work)} == before

    merged = manager.post(MERGE, json={"contactId": ada, "mergeWith": [work]})
    assert merged.status_code == 200, merged.text
    merge_id = merged.json()["mergeId"]
    contact = merged.json()["contact"]
    assert contact["conflictingFields"] == shown["result"]["conflictingFields"]
    assert [email["address"] for email in contact["emails"]] == ["ada@example.com", "ada.work@example.com"]
    assert len(contact["channels"]) == 2 and contact["unknown"] is False
    # The merged contact's id resolves to the survivor; its chat and call are the survivor's now.
    assert _contact(manager, work)["_id"] == ada
    assert _room(manager, rid)["contactId"] == ada
    history = manager.get(
        "/api/v1/omnichannel/contacts.search", params={"searchText": "ada.work@example.com"}
    )
    assert [found["_id"] for found in history.json()["contacts"]] == [ada]
    exported = _export(admin, ada)
    assert [room["_id"] for room in exported["rooms"]] == [rid]
    assert exported["rooms"][0]["fname"] == "Ada Lovelace"
    assert [call["externalId"] for call in exported["calls"]] == ["merge-call-1"]
    assert [tomb["_id"] for tomb in exported["mergedContacts"]] == [work]
    audit = manager.get("/api/v1/omnichannel/contacts.audit", params={"contactId": ada}).json()["audit"]
    merge_entry = next(entry for entry in audit if entry["action"] == "merged")
    assert merge_entry["changes"]["merge"]["new"] == {
        "mergeId": merge_id,
        "contactIds": [work],
        "reason": "manual",
    }
    assert merge_entry["user"]["username"] == manager.username

    undone = manager.post(UNMERGE, json={"mergeId": merge_id})
    assert undone.status_code == 200, undone.text
    assert {contact_id: _comparable(_export(admin, contact_id)) for contact_id in (ada, work)} == before
    assert_error(manager.post(UNMERGE, json={"mergeId": merge_id}), 400, "error-merge-already-undone")
    actions = [
        e["action"]
        for e in manager.get("/api/v1/omnichannel/contacts.audit", params={"contactId": work}).json()["audit"]
    ]
    assert "unmerged" in actions
    assert visitor.say(rid, "still here").status_code == 200


def test_a_chat_that_arrives_after_the_merge_follows_its_channel_on_undo(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona
) -> None:
    ada, work, visitor, rid = _two_adas(services, anonymous, agent, manager)
    assert visitor.close(rid).status_code == 200
    merge_id = manager.post(MERGE, json={"contactId": ada, "mergeWith": [work]}).json()["mergeId"]
    history = manager.get("/api/v1/omnichannel/contacts.history", params={"contactId": work})
    assert [room["_id"] for room in history.json()["history"]] == [rid]  # the old id reads the survivor's
    later = visitor.open_room()
    assert later["contactId"] == ada and later["fname"] == "Ada Lovelace"

    assert manager.post(UNMERGE, json={"mergeId": merge_id}).status_code == 200
    room = _room(manager, later["_id"])
    assert (room["contactId"], room["fname"]) == (work, "Ada L")
    assert _contact(manager, work)["lastChat"]["_id"] == later["_id"]


def test_undo_is_refused_while_a_later_merge_or_an_edit_depends_on_it(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona
) -> None:
    ada, work, _visitor, _rid = _two_adas(services, anonymous, agent, manager)
    first = manager.post(MERGE, json={"contactId": ada, "mergeWith": [work]}).json()["mergeId"]
    third = create_contact(manager, name="A. Lovelace", emails=["al@example.com"], phones=[])
    second = manager.post(MERGE, json={"contactId": third, "mergeWith": [ada]}).json()["mergeId"]
    refused = assert_error(manager.post(UNMERGE, json={"mergeId": first}), 400, "error-merge-superseded")
    assert refused["details"] == {"mergeId": second}
    assert _contact(manager, work)["_id"] == third  # through both merges

    assert manager.post(UNMERGE, json={"mergeId": second}).status_code == 200
    update = {"contactId": ada, "name": "Augusta Ada King"}
    assert manager.post("/api/v1/omnichannel/contacts.update", json=update).status_code == 200
    edited = assert_error(
        manager.post(UNMERGE, json={"mergeId": first}), 400, "error-contact-changed-since-merge"
    )
    assert manager.username in edited["error"]
    assert_error(manager.post(UNMERGE, json={"mergeId": "nope"}), 404, "error-merge-not-found")


def test_merging_is_for_managers_and_checks_what_it_is_given(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona
) -> None:
    ada = create_contact(manager)
    other = create_contact(manager, name="Ada Byron", emails=["byron@example.com"], phones=[])
    for body in (
        {"contactId": ada, "mergeWith": [other]},
        {"contactId": ada, "mergeWith": [other], "preview": True},
    ):
        assert_error(agent.post(MERGE, json=body), 403, "error-unauthorized")
    assert_error(agent.post(UNMERGE, json={"mergeId": "x"}), 403, "error-unauthorized")
    assert_error(manager.post(MERGE, json={"contactId": ada, "mergeWith": [ada]}), 400, "invalid-params")
    assert_error(
        manager.post(MERGE, json={"contactId": ada, "mergeWith": [other, other]}), 400, "invalid-params"
    )
    assert_error(manager.post(MERGE, json={"contactId": ada, "mergeWith": []}), 400, "invalid-params")
    missing = assert_error(
        manager.post(MERGE, json={"contactId": ada, "mergeWith": ["nobody"]}), 400, "error-contact-not-found"
    )
    assert missing["details"] == {"contactId": "nobody"}
    assert manager.post(MERGE, json={"contactId": ada, "mergeWith": [other]}).status_code == 200
    # A tombstone cannot be merged again; its id names the survivor in the error.
    again = assert_error(
        manager.post(MERGE, json={"contactId": other, "mergeWith": [ada]}), 400, "error-contact-not-found"
    )
    assert ada in again["error"]


def test_duplicates_are_suggested_by_shared_email_phone_or_name(manager: Persona) -> None:
    ada = create_contact(
        manager, name="Ada Lovelace", emails=["ada@example.com"], phones=["+44 20 7946 0958"]
    )
    same_email = create_contact(manager, name="A. L.", emails=["ada@example.com"], phones=[])
    same_phone = create_contact(manager, name="Countess", emails=[], phones=["+442079460958"])
    same_name = create_contact(manager, name="ada lovelace", emails=["other@example.com"], phones=[])
    longer_name = create_contact(manager, name="Ada Lovelace Byron", emails=[], phones=[])
    create_contact(manager, name="Charles Babbage", emails=["cb@example.com"], phones=[])
    response = manager.get("/api/v1/omnichannel/contacts.duplicates", params={"contactId": ada})
    assert response.status_code == 200, response.text
    found = {contact["_id"]: contact["matchedOn"] for contact in response.json()["contacts"]}
    assert found == {
        same_email: ["email: ada@example.com"],
        same_phone: ["phone: +442079460958"],
        same_name: ["name"],
        longer_name: ["name"],
    }


def _verify(services: Services, visitor: Guest, rid: str, email: str) -> None:
    request = {"token": visitor.token, "rid": rid, "email": email}
    assert visitor.client.post("/api/v1/livechat/verification.request", json=request).status_code == 200
    with services.transaction() as session:
        body = session.scalars(
            select(OutboundEmail.body_text).where(
                OutboundEmail.to_address == email, OutboundEmail.room_id == rid
            )
        ).first()
    match = re.search(r"Your verification code is (\d{6})\.", body or "")
    assert match, body
    confirm = {"token": visitor.token, "rid": rid, "code": match.group(1)}
    response = visitor.client.post("/api/v1/livechat/verification.confirm", json=confirm)
    assert response.status_code == 200, response.text


def test_two_contacts_that_verify_the_same_address_merge_into_the_known_one(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona
) -> None:
    set_available(services, agent)
    first = guest(anonymous, "token-verified-first-123456")
    first.register(name="Grace H")
    first_room = first.open_room()
    _verify(services, first, first_room["_id"], "grace@example.com")
    known = first_room["contactId"]
    update = {"contactId": known, "name": "Grace Hopper"}  # staff made her known
    assert manager.post("/api/v1/omnichannel/contacts.update", json=update).status_code == 200

    second = guest(anonymous, "token-verified-second-12345")
    second.register(name="Grace from the phone")
    second_room = second.open_room()
    stranger = second_room["contactId"]
    assert stranger != known
    _verify(services, second, second_room["_id"], "grace@example.com")

    assert _contact(manager, stranger)["_id"] == known
    merged = _contact(manager, known)
    assert merged["name"] == "Grace Hopper"
    assert {"field": "name", "value": "Grace from the phone"} in merged["conflictingFields"]
    assert len(merged["channels"]) == 2 and all(channel["verified"] for channel in merged["channels"])
    audit = manager.get("/api/v1/omnichannel/contacts.audit", params={"contactId": known}).json()["audit"]
    entry = next(entry for entry in audit if entry["action"] == "merged")
    assert entry["user"] is None and entry["changes"]["merge"]["new"]["reason"] == "verified"
    assert (
        manager.post(UNMERGE, json={"mergeId": entry["changes"]["merge"]["new"]["mergeId"]}).status_code
        == 200
    )
    assert _contact(manager, stranger)["_id"] == stranger


def test_crossed_merges_at_once_leave_one_survivor(manager: Persona) -> None:
    """Ada into Byron and Byron into Ada at the same moment: one merge wins, the other finds its
    contact gone, and exactly one of the two is left standing."""
    for _round in range(3):
        ada = create_contact(manager, name="Ada", emails=[], phones=[])
        byron = create_contact(manager, name="Byron", emails=[], phones=[])
        results = race(
            [
                lambda a=ada, b=byron: manager.post(MERGE, json={"contactId": a, "mergeWith": [b]}),
                lambda a=ada, b=byron: manager.post(MERGE, json={"contactId": b, "mergeWith": [a]}),
            ]
        )
        statuses = sorted(getattr(result, "status_code", repr(result)) for result in results)
        assert statuses == [200, 400], [getattr(result, "text", result) for result in results]
        standing = {_contact(manager, contact_id)["_id"] for contact_id in (ada, byron)}
        assert len(standing) == 1
