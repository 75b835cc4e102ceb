"""Contact verification: a one-time code by email, the verifying gate before routing, and the take gates
for unknown and unverified contacts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from omnidesk.db import utcnow
from omnidesk.models import ContactChannel, ContactVerification, Inquiry, Message, OutboundEmail
from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import Guest, guest, set_available, set_setting


def _codes_sent(services: Services, address: str) -> list[str]:
    with services.transaction() as session:
        emails = session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.to_address == address)
            .order_by(OutboundEmail.created_at)
        ).all()
        codes = []
        for email in emails:
            match = re.search(r"Your verification code is (\d{6})\.", email.body_text)
            assert match, email.body_text
            codes.append(match.group(1))
        return codes


def _inquiry_status(services: Services, rid: str) -> str | None:
    with services.transaction() as session:
        return session.scalar(select(Inquiry.status).where(Inquiry.room_id == rid))


def _status(visitor: Guest, rid: str) -> dict[str, Any]:
    response = visitor.client.get(
        "/api/v1/livechat/verification.status", params={"token": visitor.token, "rid": rid}
    )
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


def _request(visitor: Guest, rid: str, email: str) -> Any:
    return visitor.client.post(
        "/api/v1/livechat/verification.request", json={"token": visitor.token, "rid": rid, "email": email}
    )


def _confirm(visitor: Guest, rid: str, code: str) -> Any:
    return visitor.client.post(
        "/api/v1/livechat/verification.confirm", json={"token": visitor.token, "rid": rid, "code": code}
    )


def _allow_resend(services: Services, rid: str) -> None:
    with services.transaction() as session:
        session.execute(
            update(ContactVerification)
            .where(ContactVerification.room_id == rid)
            .values(created_at=utcnow() - timedelta(minutes=1))
        )


def test_a_chat_waits_until_the_visitor_confirms_the_emailed_code(
    services: Services, anonymous: TestClient, agent: Persona, manager: Persona
) -> None:
    set_setting(services, "Livechat_Require_Contact_Verification", "once")
    set_available(services, agent)
    visitor = guest(anonymous, "token-verify")
    visitor.register(name="Vera Verify")
    room = visitor.open_room()
    rid = room["_id"]
    assert "servedBy" not in room and room["verified"] is False
    assert _inquiry_status(services, rid) == "verifying"
    assert agent.get("/api/v1/livechat/inquiries.list").json()["total"] == 0  # not in the queue yet
    assert _status(visitor, rid)["required"] is True

    requested = _request(visitor, rid, " Vera@Example.COM ")
    assert requested.status_code == 200, requested.text
    assert requested.json()["verification"]["value"] == "vera@example.com"
    (code,) = _codes_sent(services, "vera@example.com")

    wrong = "000000" if code != "000000" else "111111"
    assert_error(_confirm(visitor, rid, wrong), 400, "error-invalid-verification-code")
    assert _status(visitor, rid)["pending"]["attemptsLeft"] == 4  # the failed attempt was kept

    confirmed = _confirm(visitor, rid, code)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["verified"] is True
    assert _inquiry_status(services, rid) == "taken"  # routed once verified
    status = _status(visitor, rid)
    assert (status["verified"], status["required"], status["pending"]) == (True, False, None)

    listed = manager.get("/api/v1/livechat/rooms", params={"roomName": "Vera"}).json()["rooms"]
    assert [(row["_id"], row["verified"], row["servedBy"]["_id"]) for row in listed] == [
        (rid, True, agent.id)
    ]
    contact = manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": room["contactId"]}).json()
    assert [email["address"] for email in contact["contact"]["emails"]] == ["vera@example.com"]
    (channel,) = contact["contact"]["channels"]
    assert (channel["verified"], channel["field"], channel["value"]) == (True, "email", "vera@example.com")
    with services.transaction() as session:
        types = session.scalars(select(Message.type).where(Message.room_id == rid)).all()
    assert "livechat-contact-verified" in types

    # "once": the next conversation on the verified channel is routed at once and shows verified.
    agent.post("/api/v1/livechat/room.closeByUser", json={"rid": rid})
    second = visitor.open_room()
    assert second["verified"] is True and second["servedBy"]["_id"] == agent.id


def test_always_asks_again_for_every_conversation(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Require_Contact_Verification", "always")
    set_available(services, agent)
    visitor = guest(anonymous, "token-always")
    visitor.register(name="Al Ways")
    first = visitor.open_room()["_id"]
    _request(visitor, first, "al@example.com")
    assert _confirm(visitor, first, _codes_sent(services, "al@example.com")[0]).status_code == 200
    agent.post("/api/v1/livechat/room.closeByUser", json={"rid": first})

    second = visitor.open_room()
    assert second["verified"] is False and "servedBy" not in second
    assert _inquiry_status(services, second["_id"]) == "verifying"
    with services.transaction() as session:
        channel = session.scalar(
            select(ContactChannel).where(ContactChannel.contact_id == second["contactId"])
        )
        assert channel is not None and channel.verified is False


def test_codes_expire_are_replaced_and_allow_only_a_few_attempts(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-attempts")
    visitor.register(name="Tess Tries")
    rid = visitor.open_room()["_id"]  # verification is optional here ("never"), and still works
    assert_error(_confirm(visitor, rid, "123456"), 400, "error-no-verification-requested")

    assert _request(visitor, rid, "tess@example.com").status_code == 200
    assert_error(_request(visitor, rid, "tess@example.com"), 400, "error-verification-too-soon")
    _allow_resend(services, rid)
    assert _request(visitor, rid, "tess@example.com").status_code == 200
    old, new = _codes_sent(services, "tess@example.com")
    if old != new:
        assert_error(_confirm(visitor, rid, old), 400, "error-invalid-verification-code")

    wrong = "999999" if new != "999999" else "888888"
    while _status(visitor, rid)["pending"]["attemptsLeft"] > 0:
        assert_error(_confirm(visitor, rid, wrong), 400, "error-invalid-verification-code")
    assert_error(_confirm(visitor, rid, new), 400, "error-too-many-attempts")  # even the right code

    _allow_resend(services, rid)
    _request(visitor, rid, "tess@example.com")
    latest = _codes_sent(services, "tess@example.com")[-1]
    with services.transaction() as session:
        session.execute(
            update(ContactVerification)
            .where(ContactVerification.room_id == rid, ContactVerification.verified_at.is_(None))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert_error(_confirm(visitor, rid, latest), 400, "error-verification-code-expired")


def test_verification_input_is_checked(services: Services, anonymous: TestClient, agent: Persona) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-checked")
    visitor.register(name="Chuck Checked")
    rid = visitor.open_room()["_id"]
    assert_error(_request(visitor, rid, "not-an-email"), 400, "error-invalid-email")
    stranger = guest(anonymous, "token-stranger")
    stranger.register(name="Stranger")
    assert_error(_request(stranger, rid, "s@example.com"), 400, "invalid-room")
    assert_error(_request(guest(anonymous, "no-such-token"), rid, "s@example.com"), 400, "invalid-token")
    missing = anonymous.post(
        "/api/v1/livechat/verification.confirm", json={"token": visitor.token, "rid": rid}
    )
    assert_error(missing, 400, "invalid-params", "must have required property 'code' [invalid-params]")
    visitor.close(rid)
    assert_error(_request(visitor, rid, "c@example.com"), 400, "room-closed")
    with services.transaction() as session:
        assert session.scalar(select(OutboundEmail.id)) is None  # nothing was sent for bad requests


def test_agents_cannot_take_unknown_or_unverified_contacts_when_the_settings_say_so(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    set_setting(services, "Livechat_Block_Unknown_Contacts", True)
    set_available(services, agent)
    visitor = guest(anonymous, "token-gated")
    visitor.register(name="Gus Gated")
    room = visitor.open_room()
    inquiry_id = agent.get("/api/v1/livechat/inquiries.list").json()["inquiries"][0]["_id"]
    take = {"inquiryId": inquiry_id}
    assert_error(agent.post("/api/v1/livechat/inquiries.take", json=take), 400, "error-unknown-contact")

    update_body = {"contactId": room["contactId"], "name": "Gus Gated"}
    assert agent.post("/api/v1/omnichannel/contacts.update", json=update_body).status_code == 200  # known
    set_setting(services, "Livechat_Block_Unverified_Contacts", True)
    assert_error(agent.post("/api/v1/livechat/inquiries.take", json=take), 400, "error-unverified-contact")

    _request(visitor, room["_id"], "gus@example.com")
    assert _confirm(visitor, room["_id"], _codes_sent(services, "gus@example.com")[0]).status_code == 200
    taken = agent.post("/api/v1/livechat/inquiries.take", json=take)
    assert taken.status_code == 200, taken.text


def test_auto_selection_leaves_a_gated_chat_in_the_queue_until_the_contact_is_added(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Block_Unknown_Contacts", True)
    set_available(services, agent)
    visitor = guest(anonymous, "token-gated-auto")
    visitor.register(name="Una Known")
    room = visitor.open_room()
    assert "servedBy" not in room
    assert _inquiry_status(services, room["_id"]) == "queued"

    # Once an agent adds the contact, the chat is routed without anyone taking it by hand.
    update_body = {"contactId": room["contactId"], "name": "Una Known"}
    assert agent.post("/api/v1/omnichannel/contacts.update", json=update_body).status_code == 200
    assert _inquiry_status(services, room["_id"]) == "taken"
    assert visitor.open_room()["servedBy"]["_id"] == agent.id


def test_auto_selection_routes_a_chat_held_for_verification_once_the_code_is_confirmed(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Block_Unverified_Contacts", True)
    set_available(services, agent)
    visitor = guest(anonymous, "token-held-unverified")
    visitor.register(name="Hal Held")
    room = visitor.open_room()
    assert "servedBy" not in room and _inquiry_status(services, room["_id"]) == "queued"
    _request(visitor, room["_id"], "hal@example.com")
    assert _confirm(visitor, room["_id"], _codes_sent(services, "hal@example.com")[0]).status_code == 200
    assert _inquiry_status(services, room["_id"]) == "taken"
