"""The contact directory: omnichannel/contacts* as Rocket.Chat's API tests exercise it, and more."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from omnidesk.events import ContactChanged, Event
from omnidesk.models import Contact, ContactPhone, CustomField
from omnidesk.queries.driver_rows import DriverSelect
from omnidesk.services import Services
from tests.helpers import Persona, assert_error, create_contact
from tests.livechat_helpers import guest, set_available
from tests.voice_helpers import make_line

FORBIDDEN = "User does not have the permissions required for this action [error-unauthorized]"


def get(persona: Persona, contact_id: str) -> dict[str, Any]:
    response = persona.get("/api/v1/omnichannel/contacts.get", params={"contactId": contact_id})
    assert response.status_code == 200, response.text
    contact: dict[str, Any] = response.json()["contact"]
    return contact


def add_field(services: Services, key: str, **fields: Any) -> None:
    with services.transaction() as session:
        session.add(CustomField(id=key, label=fields.pop("label", key), scope="visitor", **fields))


def test_creating_a_contact_with_and_without_a_manager(agent: Persona, agent2: Persona) -> None:
    plain = get(agent, create_contact(agent))
    assert plain["name"] == "Ada Lovelace"
    assert plain["emails"] == [{"address": "ada@example.com"}]
    assert plain["phones"] == [{"phoneNumber": "+1 (555) 010-2233"}]
    assert plain["unknown"] is False and plain["channels"] == [] and "lastChat" not in plain
    assert "contactManager" not in plain
    managed = get(
        agent, create_contact(agent, name="Managed", emails=[], phones=[], contactManager=agent2.id)
    )
    # One contact names its manager by id, as Rocket.Chat's ILivechatContact; Omnidesk adds who it is.
    assert managed["contactManager"] == agent2.id
    assert managed["contactManagerInfo"] == {"_id": agent2.id, "name": "Bea Agent", "username": "bea"}
    listed = agent.get("/api/v1/omnichannel/contacts.search", params={"searchText": "Managed"}).json()
    assert listed["contacts"][0]["contactManager"] == managed["contactManagerInfo"]


def test_the_manager_must_be_a_livechat_agent(agent: Persona, manager: Persona) -> None:
    body = {"name": "X", "emails": [], "phones": []}
    for manager_id in ("nobody", manager.id):  # mona is a manager, not an agent
        response = agent.post("/api/v1/omnichannel/contacts", json={**body, "contactManager": manager_id})
        assert_error(response, 400, "error-contact-manager-not-found")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"emails": [], "phones": []}, "must have required property 'name'"),
        ({"name": "X", "phones": []}, "must have required property 'emails'"),
        ({"name": "X", "emails": []}, "must have required property 'phones'"),
        ({"name": "X", "emails": "a@b.c", "phones": []}, "must be array"),
        ({"name": "X", "emails": [1], "phones": []}, "must be string"),
        ({"name": "X", "emails": [], "phones": [5]}, "must be string"),
        ({"name": "X", "emails": [], "phones": [], "unknown": True}, "must NOT have additional properties"),
        (
            {"name": "X", "emails": ["a@b.co", "a@b.co"], "phones": []},
            "must NOT have duplicate items (items ## 1 and 0 are identical)",
        ),
    ],
)
def test_malformed_contacts_are_refused(agent: Persona, body: dict[str, Any], error: str) -> None:
    assert_error(
        agent.post("/api/v1/omnichannel/contacts", json=body),
        400,
        "invalid-params",
        f"{error} [invalid-params]",
    )


def test_invalid_emails_are_refused_and_emails_are_lower_cased(agent: Persona) -> None:
    bad = agent.post("/api/v1/omnichannel/contacts", json={"name": "X", "emails": ["nope"], "phones": []})
    assert_error(bad, 400, "error-invalid-email")
    contact = get(agent, create_contact(agent, emails=["Grace@Example.COM"]))
    assert contact["emails"] == [{"address": "grace@example.com"}]


def test_a_phone_that_cannot_be_dialled_is_refused_with_nothing_saved(
    services: Services, agent: Persona
) -> None:
    body = {"name": "Maybe", "emails": [], "phones": ["+44 20 7946 0958", "call me maybe"]}
    refused = agent.post("/api/v1/omnichannel/contacts", json=body)
    error = assert_error(refused, 400, "error-invalid-phone")
    assert "'call me maybe'" in error["error"] and "+44 20 7946 0958" in error["error"]
    assert (
        agent.get("/api/v1/omnichannel/contacts.search", params={"searchText": "Maybe"}).json()["total"] == 0
    )

    contact_id = create_contact(agent, phones=["(555) 010-2233"])  # national, in the workspace's region (US)
    update = {"contactId": contact_id, "phones": ["12"]}
    assert_error(agent.post("/api/v1/omnichannel/contacts.update", json=update), 400, "error-invalid-phone")
    assert get(agent, contact_id)["phones"] == [{"phoneNumber": "(555) 010-2233"}]


def stored_e164s(services: Services, contact_id: str) -> list[str | None]:
    with services.transaction() as session:
        query = select(ContactPhone.e164).where(ContactPhone.contact_id == contact_id)
        return list(session.scalars(query.order_by(ContactPhone.position)))


def test_the_country_setting_names_a_contact_custom_field_and_regions_are_codes(
    services: Services, admin: Persona
) -> None:
    add_field(services, "country", label="Country")
    with services.transaction() as session:
        session.add(CustomField(id="orderCountry", label="Order country", scope="room"))

    def post(setting_id: str, value: str) -> Any:
        return admin.post(f"/api/v1/settings/{setting_id}", json={"value": value})

    for wrong in ("nope", "orderCountry"):
        assert_error(
            post("Omnichannel_Contact_Country_Field", wrong),
            400,
            "error-invalid-setting-value",
            "The value of Omnichannel_Contact_Country_Field must be the key of a contact custom field"
            " (or empty) [error-invalid-setting-value]",
        )
    assert post("Omnichannel_Contact_Country_Field", "country").status_code == 200
    assert post("Omnichannel_Contact_Country_Field", "").status_code == 200
    assert_error(
        post("Omnichannel_Default_Phone_Region", "Britain"),
        400,
        "error-invalid-setting-value",
        "The value of Omnichannel_Default_Phone_Region must be a region's ISO 3166 code, such as US or GB"
        " [error-invalid-setting-value]",
    )
    assert post("Omnichannel_Default_Phone_Region", "uk").status_code == 200
    assert admin.get("/api/v1/settings/Omnichannel_Default_Phone_Region").json()["value"] == "GB"


def test_a_contacts_national_numbers_are_read_in_its_country_else_the_workspace_default(
    services: Services, admin: Persona, agent: Persona
) -> None:
    add_field(services, "country", label="Country")
    setting = admin.post("/api/v1/settings/Omnichannel_Contact_Country_Field", json={"value": "country"})
    assert setting.status_code == 200, setting.text
    # The workspace reads national numbers as US ones; a London line changes nothing for a German contact.
    make_line(services, number="+442071838750")
    berlin = create_contact(
        agent, name="Berlin", emails=[], phones=["030 123456"], customFields={"country": "de"}
    )
    assert stored_e164s(services, berlin) == ["+4930123456"]
    assert get(agent, berlin)["customFields"] == {"country": "DE"}  # kept as its code
    assert get(agent, berlin)["phones"] == [{"phoneNumber": "030 123456"}]  # and the number as typed

    # Without a country the number is read in the default region, where it is none: a clear 400.
    nowhere = {"name": "Nowhere", "emails": [], "phones": ["030 123456"]}
    error = assert_error(agent.post("/api/v1/omnichannel/contacts", json=nowhere), 400, "error-invalid-phone")
    assert error["error"] == (
        "Invalid phone number: '030 123456' (write it with its country code, such as +44 20 7946 0958,"
        " or as a national number of US) [error-invalid-phone]"
    )
    # An update reads the numbers in the country it leaves the contact with.
    later = create_contact(agent, name="Later", emails=[], phones=[])
    update = {"contactId": later, "phones": ["030 123456"], "customFields": {"country": "DE"}}
    moved = agent.post("/api/v1/omnichannel/contacts.update", json={**update, "allowDuplicate": True})
    assert moved.status_code == 200, moved.text
    assert stored_e164s(services, later) == ["+4930123456"]
    wrong = {"contactId": later, "phones": ["(555) 010-2233"], "customFields": {"country": "US"}}
    assert agent.post("/api/v1/omnichannel/contacts.update", json=wrong).status_code == 200
    assert stored_e164s(services, later) == ["+15550102233"]

    # A country is its ISO 3166 code; a value kept from before the setting stays editable.
    germany = {**nowhere, "customFields": {"country": "Germany"}}
    error = assert_error(
        agent.post("/api/v1/omnichannel/contacts", json=germany), 400, "error-invalid-custom-field-value"
    )
    assert "ISO 3166" in error["error"] and "'Germany'" in error["error"]
    with services.transaction() as session:
        stored = session.get(Contact, later)
        assert stored is not None
        stored.custom_fields = {"country": "Deutschland"}
    keep = {"contactId": later, "name": "Later Still", "customFields": {"country": "Deutschland"}}
    assert agent.post("/api/v1/omnichannel/contacts.update", json=keep).status_code == 200


def test_custom_field_rules(services: Services, agent: Persona) -> None:
    add_field(services, "cf1", label="Custom Field 1", required=True)
    add_field(services, "cf2", label="Code", regexp="^[0-9]{3}$")
    base = {"name": "Fields", "emails": [], "phones": []}
    missing = agent.post("/api/v1/omnichannel/contacts", json={**base, "customFields": {"cf2": "123"}})
    # Rocket.Chat's texts, alone (its validateCustomFields throws plain Errors).
    assert_error(missing, 400, "error-invalid-custom-field-value", "Invalid value for Custom Field 1 field")
    wrong = agent.post(
        "/api/v1/omnichannel/contacts", json={**base, "customFields": {"cf1": "a", "cf2": "12"}}
    )
    assert_error(wrong, 400, "error-invalid-custom-field-value", "Invalid value for Code field")
    unknown = agent.post(
        "/api/v1/omnichannel/contacts", json={**base, "customFields": {"cf1": "a", "cf3": "x"}}
    )
    assert_error(unknown, 400, "error-custom-field-not-allowed", "Custom field cf3 is not allowed")
    contact_id = create_contact(agent, customFields={"cf1": "a", "cf2": "123"})

    # A value whose field was later removed is kept, and cannot be changed.
    with services.transaction() as session:
        field = session.get(CustomField, "cf2")
        session.delete(field)
    update = {"contactId": contact_id, "customFields": {"cf1": "b", "cf2": "999"}}
    assert agent.post("/api/v1/omnichannel/contacts.update", json=update).status_code == 200
    assert get(agent, contact_id)["customFields"] == {"cf1": "b", "cf2": "123"}


def test_updating_replaces_lists_makes_the_contact_known_and_renames_its_rooms(
    services: Services, anonymous: TestClient, agent: Persona, published: list[Event]
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-rename")
    visitor.register(name="Guest Person", email="guest@example.com")
    room = visitor.open_room()
    contact_id = room["contactId"]
    assert get(agent, contact_id)["unknown"] is True

    body = {
        "contactId": contact_id,
        "name": "Real Name",
        "emails": ["real@example.com"],
        "phones": ["555-010-9999"],
        "contactManager": agent.id,
    }
    response = agent.post("/api/v1/omnichannel/contacts.update", json=body)
    assert response.status_code == 200, response.text
    contact = response.json()["contact"]
    assert contact["unknown"] is False
    assert contact["emails"] == [{"address": "real@example.com"}]
    assert contact["phones"] == [{"phoneNumber": "555-010-9999"}]
    assert contact["contactManager"] == agent.id
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert info["fname"] == "Real Name"
    assert ContactChanged(op="updated", contact_id=contact_id) in published

    cleared = agent.post(
        "/api/v1/omnichannel/contacts.update", json={"contactId": contact_id, "contactManager": ""}
    )
    assert "contactManager" not in cleared.json()["contact"]
    missing = agent.post("/api/v1/omnichannel/contacts.update", json={"contactId": "nope", "name": "x"})
    assert_error(missing, 400, "error-contact-not-found")
    extra = agent.post("/api/v1/omnichannel/contacts.update", json={"contactId": contact_id, "unknown": True})
    assert_error(extra, 400, "invalid-params")


def test_only_an_update_of_the_manager_still_makes_the_contact_known(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-manager-only")
    visitor.register(name="Unknown Uma")
    contact_id = visitor.open_room()["contactId"]
    agent.post(
        "/api/v1/omnichannel/contacts.update", json={"contactId": contact_id, "contactManager": agent.id}
    )
    assert get(agent, contact_id)["unknown"] is False


def test_get_channels_and_last_chat(services: Services, anonymous: TestClient, agent: Persona) -> None:
    assert_error(
        agent.get("/api/v1/omnichannel/contacts.get", params={"contactId": "missing"}),
        404,
        "error-not-found",
        "Resource not found",
    )
    assert_error(agent.get("/api/v1/omnichannel/contacts.get"), 400, "invalid-params")
    set_available(services, agent)
    visitor = guest(anonymous, "token-channels")
    visitor.register(name="Channel Chad")
    room = visitor.open_room()
    contact = get(agent, room["contactId"])
    assert contact["lastChat"]["_id"] == room["_id"]
    channels = agent.get(
        "/api/v1/omnichannel/contacts.channels", params={"contactId": room["contactId"]}
    ).json()
    assert channels["channels"] == [
        {
            "name": "api",
            "visitor": {"visitorId": room["v"]["_id"], "source": {"type": "api"}},
            "verified": False,
            "blocked": False,
            "details": {"type": "api"},
            "lastChat": {"_id": room["_id"], "ts": contact["lastChat"]["ts"]},
        }
    ]
    empty = agent.get("/api/v1/omnichannel/contacts.channels", params={"contactId": "missing"}).json()
    assert empty == {"channels": [], "success": True}


def test_check_existence(services: Services, agent: Persona) -> None:
    contact_id = create_contact(agent)
    create_contact(agent, name="Ada London", emails=[], phones=["+44 20 7946 0958"])

    def exists(**params: str) -> bool:
        response = agent.get("/api/v1/omnichannel/contacts.checkExistence", params=params)
        assert response.status_code == 200, response.text
        return bool(response.json()["exists"])

    assert exists(contactId=contact_id) and not exists(contactId="nope")
    assert exists(email="ADA@example.com") and not exists(email="other@example.com")
    for phone in ("+1 (555) 010-2233", "5550102233", "555-010-2233"):
        assert exists(phone=phone), phone
    assert not exists(phone="555-010-0000")
    # A national number is looked for in every region the workspace has: the default, its lines'.
    assert not exists(phone="020 7946 0958")
    make_line(services, number="+442071838750")
    assert exists(phone="020 7946 0958") and exists(phone="555-010-2233")
    none = agent.get("/api/v1/omnichannel/contacts.checkExistence")
    assert_error(none, 400, "invalid-params", "must match exactly one schema in oneOf [invalid-params]")
    two = agent.get("/api/v1/omnichannel/contacts.checkExistence", params={"email": "a@b.c", "phone": "1"})
    assert_error(two, 400, "invalid-params", "must match exactly one schema in oneOf [invalid-params]")


def test_search_by_name_email_phone_in_any_format_and_searchable_custom_field(
    services: Services, agent: Persona
) -> None:
    add_field(services, "loyalty", searchable=True)
    add_field(services, "secret", searchable=False)
    ada = create_contact(agent, customFields={"loyalty": "GOLD-7731", "secret": "hidden-value"})
    create_contact(agent, name="Grace Hopper", emails=["grace@navy.example"], phones=["(202) 555-0143"])

    def found(text: str, **params: Any) -> set[str]:
        response = agent.get("/api/v1/omnichannel/contacts.search", params={"searchText": text, **params})
        assert response.status_code == 200, response.text
        return {c["name"] for c in response.json()["contacts"]}

    assert found("lovel") == {"Ada Lovelace"}
    assert found("ADA@EXAMPLE") == {"Ada Lovelace"}
    assert found("navy") == {"Grace Hopper"}
    for phone in ("+1 (555) 010-2233", "5550102233", "555-010-2233", "010-22"):
        assert found(phone) == {"Ada Lovelace"}, phone
    assert found("202-555") == {"Grace Hopper"}
    assert found("gold-77") == {"Ada Lovelace"}
    assert found("hidden-value") == set()
    assert found("zz") == set()
    assert found("") == {"Ada Lovelace", "Grace Hopper"}
    assert ada


def test_search_lists_known_contacts_unless_asked_for_unknown_ones(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    create_contact(agent, name="Known Kim")
    set_available(services, agent)
    visitor = guest(anonymous, "token-unknown-search")
    visitor.register(name="Unknown Ulla")
    visitor.open_room()
    known = agent.get("/api/v1/omnichannel/contacts.search").json()
    assert [c["name"] for c in known["contacts"]] == ["Known Kim"]
    assert (known["count"], known["offset"], known["total"]) == (1, 0, 1)
    unknown = agent.get("/api/v1/omnichannel/contacts.search", params={"unknown": "true"}).json()
    assert [c["name"] for c in unknown["contacts"]] == ["Unknown Ulla"]
    # The visitor's username is searchable too.
    username = unknown["contacts"][0]["channels"][0]["visitor"]["visitorId"]
    assert username
    by_username = agent.get(
        "/api/v1/omnichannel/contacts.search", params={"searchText": "guest-", "unknown": "true"}
    )
    assert by_username.json()["total"] == 1


def test_search_pages_and_sorts(agent: Persona) -> None:
    for name in ("Cara", "Abel", "Bram"):
        create_contact(agent, name=name, emails=[], phones=[])
    page = agent.get("/api/v1/omnichannel/contacts.search", params={"count": 2, "offset": 1}).json()
    assert [c["name"] for c in page["contacts"]] == ["Bram", "Cara"] and page["total"] == 3
    desc = agent.get("/api/v1/omnichannel/contacts.search", params={"sort": '{"name": -1}'}).json()
    assert [c["name"] for c in desc["contacts"]] == ["Cara", "Bram", "Abel"]


def test_a_page_of_contacts_takes_the_same_statements_however_many_it_holds(
    services: Services, agent: Persona, agent2: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    executed: list[str] = []
    # The page's rows are read through the driver (driver_rows), which SQLAlchemy's events do not see.
    through_driver = DriverSelect.rows

    def counted_rows(statement: DriverSelect, session: Any, ids: Any) -> Any:
        executed.append(repr(statement.row._fields))
        return through_driver(statement, session, ids)

    monkeypatch.setattr(DriverSelect, "rows", counted_rows)

    def statements_for(count: int) -> int:
        executed.clear()

        def record(*args: Any) -> None:
            executed.append(args[2])

        event.listen(services.db.engine, "before_cursor_execute", record)
        try:
            page = agent.get("/api/v1/omnichannel/contacts.search", params={"count": count}).json()
        finally:
            event.remove(services.db.engine, "before_cursor_execute", record)
        assert len(page["contacts"]) == count
        return len(executed)

    for number in range(12):
        create_contact(
            agent, name=f"Page {number:02}", emails=[f"p{number}@example.com"], contactManager=agent2.id
        )
    # A contact's emails, phones, channels and manager come one statement per table for the whole
    # page, never one per contact.
    assert statements_for(2) == statements_for(12)


def test_history_lists_closed_chats_only_and_filters_by_source(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    api_visitor, widget_visitor = (
        guest(anonymous, "token-history"),
        guest(anonymous, "token-history", widget=True),
    )
    api_visitor.register(name="History Hal")
    first = api_visitor.open_room()
    agent.post("/api/v1/livechat/room.closeByUser", json={"rid": first["_id"], "comment": "done"})
    second = widget_visitor.open_room()
    agent.post("/api/v1/livechat/room.closeByUser", json={"rid": second["_id"]})
    open_room = api_visitor.open_room()
    contact_id = first["contactId"]

    history = agent.get("/api/v1/omnichannel/contacts.history", params={"contactId": contact_id}).json()
    assert [room["_id"] for room in history["history"]] == [second["_id"], first["_id"]]
    assert open_room["_id"] not in {room["_id"] for room in history["history"]}
    assert history["history"][1]["closer"] == "user" and history["history"][1]["closedBy"]["_id"] == agent.id
    widget_only = agent.get(
        "/api/v1/omnichannel/contacts.history", params={"contactId": contact_id, "source": "widget"}
    ).json()
    assert [room["_id"] for room in widget_only["history"]] == [second["_id"]]
    nothing = agent.get(
        "/api/v1/omnichannel/contacts.history", params={"contactId": create_contact(agent)}
    ).json()
    assert nothing["history"] == [] and nothing["total"] == 0
    missing = agent.get("/api/v1/omnichannel/contacts.history", params={"contactId": "nope"})
    assert_error(missing, 400, "error-contact-not-found")


def test_blocking_closes_the_open_chat_and_refuses_new_ones_until_unblocked(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-block")
    visitor.register(name="Blocked Bob")
    room = visitor.open_room()
    association = {"visitor": {"visitorId": room["v"]["_id"], "source": {"type": "api"}}}
    assert agent.post("/api/v1/omnichannel/contacts.block", json=association).json() == {"success": True}
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert "open" not in info and info["closedBy"]["_id"] == agent.id
    assert info["lastMessage"]["msg"] == "This channel has been blocked"
    assert_error(visitor.room(), 400, "error-contact-channel-blocked")
    assert_error(
        agent.post("/api/v1/omnichannel/contacts.block", json=association), 400, "error-contact-not-found"
    )
    # The same visitor from a page (Origin) is the same livechat channel: the block holds.
    assert_error(guest(anonymous, "token-block", widget=True).room(), 400, "error-contact-channel-blocked")

    assert agent.post("/api/v1/omnichannel/contacts.unblock", json=association).status_code == 200
    assert visitor.open_room()["contactId"] == room["contactId"]
    wrong = {"visitor": {"visitorId": "nobody", "source": {"type": "api"}}}
    assert_error(agent.post("/api/v1/omnichannel/contacts.block", json=wrong), 400, "error-contact-not-found")
    other_source = {"visitor": {"visitorId": room["v"]["_id"], "source": {"type": "sms"}}}
    assert_error(
        agent.post("/api/v1/omnichannel/contacts.block", json=other_source), 400, "error-contact-not-found"
    )
    for body, missing in (
        ({}, "visitor"),
        ({"visitor": {"source": {"type": "api"}}}, "visitorId"),
        ({"visitor": {"visitorId": "x"}}, "source"),
        ({"visitor": {"visitorId": "x", "source": {}}}, "type"),
    ):
        response = agent.post("/api/v1/omnichannel/contacts.block", json=body)
        assert_error(
            response, 400, "invalid-params", f"must have required property '{missing}' [invalid-params]"
        )


def test_conflicts_are_resolved_or_wiped(services: Services, anonymous: TestClient, agent: Persona) -> None:
    contact_id = create_contact(agent, name="Original", emails=["conflict@example.com"], phones=[])
    set_available(services, agent)
    visitor = guest(anonymous, "token-conflict")
    visitor.register(name="Other Name", email="conflict@example.com")
    visitor.open_room()
    assert get(agent, contact_id)["conflictingFields"] == [{"field": "name", "value": "Other Name"}]
    resolved = agent.post(
        "/api/v1/omnichannel/contacts.conflicts", json={"contactId": contact_id, "name": "Other Name"}
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["contact"]["name"] == "Other Name"
    assert resolved.json()["contact"]["conflictingFields"] == []
    again = agent.post(
        "/api/v1/omnichannel/contacts.conflicts", json={"contactId": contact_id, "wipeConflicts": True}
    )
    assert_error(again, 400, "error-contact-has-no-conflicts")


def test_delete_is_soft_and_refused_while_a_chat_is_open(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-delete")
    visitor.register(name="Deleted Dan")
    room = visitor.open_room()
    contact_id = room["contactId"]
    assert_error(
        agent.post("/api/v1/omnichannel/contacts.delete", json={"contactId": contact_id}),
        403,
        "error-unauthorized",
    )
    assert_error(
        manager.post("/api/v1/omnichannel/contacts.delete", json={"contactId": contact_id}),
        400,
        "error-contact-has-open-rooms",
    )
    agent.post("/api/v1/livechat/room.closeByUser", json={"rid": room["_id"]})
    assert manager.post("/api/v1/omnichannel/contacts.delete", json={"contactId": contact_id}).json() == {
        "success": True
    }
    assert_error(
        agent.get("/api/v1/omnichannel/contacts.get", params={"contactId": contact_id}),
        404,
        "error-not-found",
    )
    assert_error(
        manager.post("/api/v1/omnichannel/contacts.delete", json={"contactId": contact_id}),
        404,
        "error-contact-not-found",
    )
    # The closed chat stays in the Chats listing, the contact is gone from search.
    assert manager.get("/api/v1/omnichannel/contacts.search", params={"unknown": "true"}).json()["total"] == 0


def test_unknown_contacts_managers_and_conflicts_answer_rocket_chats_bare_error_ids(
    agent: Persona, manager: Persona
) -> None:
    """Rocket.Chat's contact functions throw plain Errors named by their id, and its routes answer
    the id alone: ``error-contact-not-found``, not ``Contact not found [error-contact-not-found]``."""
    base = "/api/v1/omnichannel"
    unknown = {"contactId": "nope", "name": "X"}
    for response in (
        agent.post(f"{base}/contacts.update", json=unknown),
        agent.post(f"{base}/contacts.conflicts", json=unknown),
        agent.get(f"{base}/contacts.history", params={"contactId": "nope"}),
        manager.post(
            f"{base}/contacts.block", json={"visitor": {"visitorId": "nope", "source": {"type": "api"}}}
        ),
        manager.post(
            f"{base}/contacts.unblock", json={"visitor": {"visitorId": "nope", "source": {"type": "sms"}}}
        ),
    ):
        assert_error(response, 400, "error-contact-not-found", "error-contact-not-found")
    deleted = manager.post(f"{base}/contacts.delete", json={"contactId": "nope"})
    assert_error(deleted, 404, "error-contact-not-found", "error-contact-not-found")
    body = {"name": "X", "emails": [], "phones": [], "contactManager": "nobody"}
    no_manager = agent.post(f"{base}/contacts", json=body)
    assert_error(no_manager, 400, "error-contact-manager-not-found", "error-contact-manager-not-found")
    contact_id = create_contact(agent)
    no_conflicts = agent.post(f"{base}/contacts.conflicts", json={"contactId": contact_id, "name": "Y"})
    assert_error(no_conflicts, 400, "error-contact-has-no-conflicts", "error-contact-has-no-conflicts")


def test_the_audit_trail_records_who_changed_what(manager: Persona, agent: Persona) -> None:
    contact_id = create_contact(agent, name="Audited")
    agent.post("/api/v1/omnichannel/contacts.update", json={"contactId": contact_id, "name": "Audited Again"})
    assert_error(
        agent.get("/api/v1/omnichannel/contacts.audit", params={"contactId": contact_id}),
        403,
        "error-unauthorized",
    )
    trail = manager.get("/api/v1/omnichannel/contacts.audit", params={"contactId": contact_id}).json()
    assert [entry["action"] for entry in trail["audit"]] == ["updated", "created"]
    assert trail["audit"][0]["changes"] == {"name": {"old": "Audited", "new": "Audited Again"}}
    assert trail["audit"][0]["user"] == {"_id": agent.id, "username": "alex"}
    assert trail["audit"][1]["changes"]["emails"] == {"old": None, "new": ["ada@example.com"]}


@pytest.mark.parametrize(
    ("method", "path", "permission", "payload"),
    [
        (
            "post",
            "/api/v1/omnichannel/contacts",
            "create-livechat-contact",
            {"name": "X", "emails": [], "phones": []},
        ),
        ("post", "/api/v1/omnichannel/contacts.update", "update-livechat-contact", {"contactId": "x"}),
        ("post", "/api/v1/omnichannel/contacts.conflicts", "update-livechat-contact", {"contactId": "x"}),
        ("get", "/api/v1/omnichannel/contacts.get", "view-livechat-contact", {"contactId": "x"}),
        ("get", "/api/v1/omnichannel/contacts.search", "view-livechat-contact", {}),
        ("get", "/api/v1/omnichannel/contacts.checkExistence", "view-livechat-contact", {"contactId": "x"}),
        ("get", "/api/v1/omnichannel/contacts.channels", "view-livechat-contact", {"contactId": "x"}),
        ("get", "/api/v1/omnichannel/contacts.history", "view-livechat-contact-history", {"contactId": "x"}),
        ("post", "/api/v1/omnichannel/contacts.delete", "delete-livechat-contact", {"contactId": "x"}),
        (
            "post",
            "/api/v1/omnichannel/contacts.block",
            "block-livechat-contact",
            {"visitor": {"visitorId": "x", "source": {"type": "api"}}},
        ),
        (
            "post",
            "/api/v1/omnichannel/contacts.unblock",
            "unblock-livechat-contact",
            {"visitor": {"visitorId": "x", "source": {"type": "api"}}},
        ),
    ],
)
def test_each_endpoint_is_refused_without_its_permission(
    admin: Persona, agent: Persona, method: str, path: str, permission: str, payload: dict[str, Any]
) -> None:
    grants = {"permissions": [{"_id": permission, "roles": ["admin"]}]}
    assert admin.post("/api/v1/permissions.update", json=grants).status_code == 200
    response = agent.post(path, json=payload) if method == "post" else agent.get(path, params=payload)
    assert_error(response, 403, "error-unauthorized", FORBIDDEN)


def test_block_unblock_conflicts_and_delete_are_audited(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona
) -> None:
    contact_id = create_contact(agent, name="Trail", emails=["trail@example.com"], phones=[])
    set_available(services, agent)
    visitor = guest(anonymous, "token-trail")
    visitor.register(name="Other Trail", email="trail@example.com")
    room = visitor.open_room()
    association = {"visitor": {"visitorId": room["v"]["_id"], "source": {"type": "api"}}}
    agent.post("/api/v1/omnichannel/contacts.block", json=association)
    agent.post("/api/v1/omnichannel/contacts.unblock", json=association)
    agent.post(
        "/api/v1/omnichannel/contacts.conflicts", json={"contactId": contact_id, "wipeConflicts": True}
    )
    manager.post("/api/v1/omnichannel/contacts.delete", json={"contactId": contact_id})
    trail = manager.get("/api/v1/omnichannel/contacts.audit", params={"contactId": contact_id}).json()[
        "audit"
    ]
    assert [entry["action"] for entry in trail] == [
        "deleted",
        "conflicts_resolved",
        "unblocked",
        "blocked",
        "channel-added",  # the visitor claimed the contact created in advance
        "created",
    ]
    assert trail[1]["changes"]["conflictingFields"]["new"] == []
    assert trail[3]["changes"]["channel"]["new"] == {"visitorId": room["v"]["_id"], "type": "api", "id": None}
    claimed = trail[4]
    assert claimed["user"] is None and claimed["changes"] == {
        "conflictingFields": {"old": [], "new": [{"field": "name", "value": "Other Trail"}]},
        "channel": {"old": None, "new": {"visitorId": room["v"]["_id"], "type": "api", "id": ""}},
    }
    assert trail[0]["user"]["username"] == "mona"
