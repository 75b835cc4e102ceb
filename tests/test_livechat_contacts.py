"""The contact behind every chat: created unknown, reused, claimed, kept current, and blocked channels."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from omnidesk.db import utcnow
from omnidesk.models import Contact, ContactChannel, ContactEmail, ContactPhone, CustomField, Room
from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import guest, set_available, set_setting


def _contact(services: Services, contact_id: str) -> Contact:
    with services.transaction() as session:
        contact = session.get(Contact, contact_id)
        assert contact is not None
        session.expunge(contact)
        return contact


def _channels(services: Services, contact_id: str) -> list[ContactChannel]:
    with services.transaction() as session:
        rows = session.scalars(select(ContactChannel).where(ContactChannel.contact_id == contact_id)).all()
        session.expunge_all()
        return list(rows)


def test_an_unknown_contact_is_created_and_then_reused(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-unknown")
    visitor.register(name="Grace Hopper", email="grace@example.com", phone="(202) 555-0143")
    first = visitor.open_room()
    contact = _contact(services, first["contactId"])
    assert contact.unknown is True
    assert contact.name == "Grace Hopper"
    assert [e.address for e in contact.emails] == ["grace@example.com"]
    assert [(p.phone_number, p.e164) for p in contact.phones] == [("(202) 555-0143", "+12025550143")]
    assert contact.last_chat_room_id == first["_id"]

    agent.post("/api/v1/livechat/room.closeByUser", json={"rid": first["_id"]})
    second = visitor.open_room()
    assert second["_id"] != first["_id"]
    assert second["contactId"] == first["contactId"]
    channels = _channels(services, first["contactId"])
    assert len(channels) == 1  # the same visitor on the same source never adds a second channel
    assert (channels[0].name, channels[0].source_type, channels[0].blocked, channels[0].verified) == (
        "api",
        "api",
        False,
        False,
    )
    assert channels[0].last_chat_room_id == second["_id"]
    assert _contact(services, first["contactId"]).last_chat_room_id == second["_id"]


def test_the_same_visitor_on_another_source_adds_a_channel_to_the_same_contact(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    api_side, widget_side = (
        guest(anonymous, "token-two-sources"),
        guest(anonymous, "token-two-sources", widget=True),
    )
    api_side.register(name="Two Sources")
    api_room = api_side.open_room()
    widget_room = widget_side.open_room()
    assert widget_room["_id"] != api_room["_id"]
    assert widget_room["contactId"] == api_room["contactId"]
    assert sorted(c.source_type for c in _channels(services, api_room["contactId"])) == ["api", "widget"]


def _pre_register(
    services: Services, *, name: str, email: str | None = None, phone: str | None = None
) -> str:
    with services.transaction() as session:
        contact = Contact(
            name=name, pre_registration=True, unknown=False, custom_fields={}, conflicting_fields=[]
        )
        if email:
            contact.emails.append(ContactEmail(address=email))
        if phone:
            contact.phones.append(ContactPhone(phone_number=phone, e164="+15550102233"))
        session.add(contact)
        session.flush()
        return contact.id


def test_a_pre_created_contact_is_claimed_by_email(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    contact_id = _pre_register(services, name="Katherine Johnson", email="kj@example.com")
    visitor = guest(anonymous, "token-claim-email")
    visitor.register(name="katie", email="KJ@example.com")
    room = visitor.open_room()
    assert room["contactId"] == contact_id
    assert room["fname"] == "Katherine Johnson"  # the contact's name, not the visitor's
    contact = _contact(services, contact_id)
    assert contact.pre_registration is False
    assert contact.unknown is False
    assert contact.conflicting_fields == [{"field": "name", "value": "katie"}]


def test_a_pre_created_contact_is_claimed_by_phone_in_another_format(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    contact_id = _pre_register(services, name="Dorothy Vaughan", phone="+1 (555) 010-2233")
    visitor = guest(anonymous, "token-claim-phone")
    visitor.register(phone="555.010.2233")
    assert visitor.open_room()["contactId"] == contact_id


def test_a_visitors_national_phone_is_read_in_its_country_else_the_workspace_default(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    with services.transaction() as session:
        session.add(CustomField(id="country", label="Country", scope="visitor"))
    set_setting(services, "Omnichannel_Contact_Country_Field", "country")
    country = [{"key": "country", "value": "DE", "overwrite": True}]
    berliner = guest(anonymous, "token-berlin")
    berliner.register(name="Berliner", phone="030 123456", customFields=country)
    stranger = guest(anonymous, "token-stranger")
    stranger.register(name="Stranger", phone="(555) 010-2233")

    def e164s(room: dict[str, Any]) -> list[str | None]:
        return [phone.e164 for phone in _contact(services, room["contactId"]).phones]

    assert e164s(berliner.open_room()) == ["+4930123456"]
    assert e164s(stranger.open_room()) == ["+15550102233"]  # a widget has no line: the default region


def test_visitor_updates_overwrite_an_unknown_contact_and_conflict_with_a_known_one(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-updates")
    visitor.register(name="First Name")
    room = visitor.open_room()
    visitor.register(name="Second Name", email="second@example.com")
    contact = _contact(services, room["contactId"])
    assert contact.name == "Second Name"
    assert [e.address for e in contact.emails] == ["second@example.com"]
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": room["_id"]}).json()["room"]
    assert info["fname"] == "Second Name"  # renaming the contact renamed its room

    with services.transaction() as session:
        known = session.get(Contact, room["contactId"])
        assert known is not None
        known.unknown = False
    visitor.register(name="Third Name")
    contact = _contact(services, room["contactId"])
    assert contact.name == "Second Name"
    assert {"field": "name", "value": "Third Name"} in contact.conflicting_fields


def _block(services: Services, room: dict[str, Any]) -> None:
    with services.transaction() as session:
        channel = session.scalar(select(ContactChannel).where(ContactChannel.visitor_id == room["v"]["_id"]))
        assert channel is not None
        channel.blocked = True


def test_a_blocked_channel_cannot_open_rooms_or_send_messages(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-blocked")
    visitor.register(name="Spammer")
    room = visitor.open_room()
    _block(services, room)
    assert_error(visitor.say(room["_id"], "more spam"), 400, "error-contact-channel-blocked")
    agent.post("/api/v1/livechat/room.closeByUser", json={"rid": room["_id"]})
    assert_error(visitor.room(), 400, "error-contact-channel-blocked")
    # With or without Origin the visitor is on one livechat channel: leaving the header out (the "api"
    # source) or sending it (the "widget" source) does not get round the block.
    assert_error(guest(anonymous, "token-blocked", widget=True).room(), 400, "error-contact-channel-blocked")


def test_custom_fields_from_the_widget_reach_the_visitor_its_contacts_and_the_room(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    with services.transaction() as session:
        session.add(CustomField(id="plan", label="Plan", scope="visitor"))
        session.add(CustomField(id="orderId", label="Order", scope="room"))
    visitor = guest(anonymous, "token-fields")
    visitor.register(name="Fielded", customFields=[{"key": "plan", "value": "gold", "overwrite": True}])
    room = visitor.open_room()
    assert _contact(services, room["contactId"]).custom_fields == {"plan": "gold"}

    with services.transaction() as session:
        contact = session.get(Contact, room["contactId"])
        assert contact is not None
        contact.unknown = False
    response = anonymous.post(
        "/api/v1/livechat/custom.field",
        json={"token": "token-fields", "key": "plan", "value": "silver", "overwrite": False},
    )
    assert response.json()["field"] == {"key": "plan", "value": "silver", "overwrite": False}
    contact = _contact(services, room["contactId"])
    assert contact.custom_fields == {"plan": "gold"}
    assert {"field": "customFields.plan", "value": "silver"} in contact.conflicting_fields

    many = anonymous.post(
        "/api/v1/livechat/custom.fields",
        json={
            "token": "token-fields",
            "customFields": [
                {"key": "plan", "value": "platinum", "overwrite": True},
                {"key": "orderId", "value": "A-1001", "overwrite": True},
            ],
        },
    )
    assert many.json()["fields"][1] == {"Key": "orderId", "value": "A-1001", "overwrite": True}
    assert _contact(services, room["contactId"]).custom_fields == {"plan": "platinum"}
    with services.transaction() as session:
        stored = session.get(Room, room["_id"])
        assert stored is not None and stored.livechat_data == {"orderId": "A-1001"}
    unknown = anonymous.post(
        "/api/v1/livechat/custom.field",
        json={"token": "token-fields", "key": "nope", "value": "x", "overwrite": True},
    )
    assert_error(unknown, 400, "invalid-custom-field")


def test_contact_last_chat_follows_the_newest_room(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-last-chat")
    visitor.register(name="Regular")
    before = utcnow()
    room = visitor.open_room()
    contact = _contact(services, room["contactId"])
    assert contact.last_chat_at is not None and contact.last_chat_at >= before
