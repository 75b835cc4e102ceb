"""The verifying gate never strands a chat: SMS and WhatsApp chats are vouched for by their provider, an
email chat answers the code mailed to it, a relaxed setting releases what it no longer holds; codes go
by SMS as they go by email; verifications and new channels are in the contact audit."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from omnidesk.actions.email_intake import receive_email
from omnidesk.channels.email_imap import ImapAccount, parse_email
from omnidesk.channels.email_inbox import InboxConfig, store_inbox_config
from omnidesk.channels.email_smtp import SmtpAccount
from omnidesk.db import utcnow
from omnidesk.models import (
    ChannelMessage,
    ContactAudit,
    ContactChannel,
    ContactVerification,
    EmailInbox,
    Inquiry,
    Message,
    OutboundEmail,
    RateLimitHit,
    Room,
)
from omnidesk.services import Services
from omnidesk.workers.messaging_delivery import deliver_pending_messages
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import Guest, guest, set_available, set_setting
from tests.messaging_helpers import (
    CUSTOMER,
    SMS_NUMBER,
    WA_CUSTOMER,
    FakeProviders,
    TwilioSms,
    WhatsApp,
    make_sms_channel,
    make_whatsapp_channel,
    outbound_jobs,
    providers,
    whatsapp_notification,
)

__all__ = ["providers"]  # the fixture

REQUIRE = "Livechat_Require_Contact_Verification"
CODE = re.compile(r"Your verification code is (\d{6})\.")


@pytest.fixture(autouse=True)
def _an_agent_serves(services: Services, agent: Persona) -> None:
    set_available(services, agent)


def _inquiry_status(services: Services, rid: str) -> str | None:
    with services.transaction() as session:
        return session.scalar(select(Inquiry.status).where(Inquiry.room_id == rid))


def _only_room(services: Services) -> Room:
    with services.transaction() as session:
        (room,) = session.scalars(select(Room)).all()
        session.expunge(room)
        return room


def _channel(services: Services, contact_id: str) -> ContactChannel:
    with services.transaction() as session:
        (channel,) = session.scalars(
            select(ContactChannel).where(ContactChannel.contact_id == contact_id)
        ).all()
        session.expunge(channel)
        return channel


def _audit(manager: Persona, contact_id: str) -> list[dict[str, Any]]:
    response = manager.get("/api/v1/omnichannel/contacts.audit", params={"contactId": contact_id})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["audit"]
    return entries


def _request(visitor: Guest, rid: str, **to: str) -> Any:
    return visitor.client.post(
        "/api/v1/livechat/verification.request", json={"token": visitor.token, "rid": rid, **to}
    )


def _confirm(visitor: Guest, rid: str, code: str) -> Any:
    return visitor.client.post(
        "/api/v1/livechat/verification.confirm", json={"token": visitor.token, "rid": rid, "code": code}
    )


def _set_requirement(admin: Persona, value: str) -> None:
    """Through the settings API, as an administrator changes it."""
    response = admin.post(f"/api/v1/settings/{REQUIRE}", json={"value": value})
    assert response.status_code == 200, response.text


# --- vouched channels ---------------------------------------------------------------------------


@pytest.mark.parametrize("requirement", ["once", "always"])
def test_an_sms_chat_under_verification_is_never_stranded_and_its_channel_is_verified(
    services: Services, app_client: TestClient, agent: Persona, manager: Persona, requirement: str
) -> None:
    set_setting(services, REQUIRE, requirement)
    make_sms_channel(services)
    twilio = TwilioSms(app_client, services.settings.public_url)
    assert twilio.incoming("Where is my parcel?").status_code == 200

    room = _only_room(services)
    assert (room.verified, room.served_by_id) == (True, agent.id)
    assert _inquiry_status(services, room.id) == "taken"  # routed, never "verifying"
    channel = _channel(services, room.contact_id)
    assert (channel.verified, channel.field, channel.value) == (True, "phone", CUSTOMER)
    assert channel.verified_at is not None

    trail = _audit(manager, room.contact_id)
    assert [entry["action"] for entry in trail] == ["verified", "channel-added"]
    verified = trail[0]
    assert verified["user"] is None
    assert verified["changes"] == {
        "channel": {
            "old": None,
            "new": {
                "visitorId": room.visitor_id,
                "type": "sms",
                "id": room.source_id,
                "field": "phone",
                "value": CUSTOMER,
                "method": "provider",
            },
        }
    }
    assert trail[1]["changes"]["phones"] == {"old": None, "new": [CUSTOMER]}

    # The next chat on the channel is verified too, and the audit does not repeat itself.
    agent.post("/api/v1/livechat/room.closeByUser", json={"rid": room.id})
    assert twilio.incoming("One more thing").status_code == 200
    with services.transaction() as session:
        second = session.scalars(select(Room).where(Room.open.is_(True))).one()
        assert (second.verified, second.served_by_id) == (True, agent.id)
    assert len(_audit(manager, room.contact_id)) == 2


def test_a_whatsapp_chat_under_once_is_routed_with_its_channel_verified(
    services: Services, app_client: TestClient, agent: Persona, manager: Persona
) -> None:
    set_setting(services, REQUIRE, "once")
    channel_id = make_whatsapp_channel(services)
    meta = WhatsApp(app_client, channel_id)
    message = {"from": WA_CUSTOMER, "id": "wamid.IN-1", "timestamp": "1764500000", "type": "text"}
    response = meta.post(whatsapp_notification(messages=[{**message, "text": {"body": "Hi there"}}]))
    assert response.status_code == 200, response.text

    room = _only_room(services)
    assert (room.verified, room.served_by_id) == (True, agent.id)
    assert _inquiry_status(services, room.id) == "taken"
    channel = _channel(services, room.contact_id)
    assert (channel.verified, channel.field, channel.value) == (True, "phone", "+" + WA_CUSTOMER)
    assert [entry["action"] for entry in _audit(manager, room.contact_id)] == ["verified", "channel-added"]


def test_an_sms_chat_held_before_its_channel_was_vouched_for_is_released_by_its_next_message(
    services: Services, app_client: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    make_sms_channel(services)
    twilio = TwilioSms(app_client, services.settings.public_url)
    twilio.incoming("Hello?")
    room = _only_room(services)
    # As a chat that an earlier version held: unverified, waiting in "verifying".
    with services.transaction() as session:
        session.execute(update(Room).where(Room.id == room.id).values(verified=False))
        session.execute(
            update(ContactChannel).values(verified=False, verified_at=None, field=None, value=None)
        )
        session.execute(update(Inquiry).where(Inquiry.room_id == room.id).values(status="verifying"))
    set_setting(services, REQUIRE, "once")

    assert twilio.incoming("Anyone there?").status_code == 200
    assert _inquiry_status(services, room.id) == "queued"  # in the queue, for an agent to take
    with services.transaction() as session:
        reloaded = session.get(Room, room.id)
        assert reloaded is not None and reloaded.verified is True
    assert _channel(services, room.contact_id).value == CUSTOMER


# --- relaxing the setting -----------------------------------------------------------------------


def test_a_widget_chat_held_under_once_is_released_and_routed_when_the_setting_goes_to_never(
    services: Services, anonymous: TestClient, admin: Persona, agent: Persona
) -> None:
    _set_requirement(admin, "always")
    visitor = guest(anonymous, "token-held-widget", widget=True)
    visitor.register(name="Wendy Waits")
    rid = visitor.open_room()["_id"]
    assert _inquiry_status(services, rid) == "verifying"

    _set_requirement(admin, "once")  # still asked of a channel never verified: it keeps waiting
    assert _inquiry_status(services, rid) == "verifying"

    _set_requirement(admin, "never")
    assert _inquiry_status(services, rid) == "taken"
    room = visitor.open_room()
    assert room["_id"] == rid and room["servedBy"]["_id"] == agent.id
    assert room["verified"] is False  # released, not verified


def test_relaxing_always_to_once_releases_a_chat_whose_channel_is_verified(
    services: Services, anonymous: TestClient, admin: Persona, agent: Persona
) -> None:
    _set_requirement(admin, "always")
    visitor = guest(anonymous, "token-verified-earlier", widget=True)
    visitor.register(name="Vic Verified")
    rid = visitor.open_room()["_id"]
    with services.transaction() as session:  # verified since (by staff tooling, a migration, ...)
        session.execute(update(ContactChannel).values(verified=True))
    _set_requirement(admin, "once")
    assert _inquiry_status(services, rid) == "taken"


# --- codes by SMS -------------------------------------------------------------------------------


def _sms_jobs(services: Services) -> list[ChannelMessage]:
    return [job for job in outbound_jobs(services) if job.message_id is None]


def test_a_code_goes_by_sms_and_confirming_it_verifies_the_phone(
    services: Services, anonymous: TestClient, providers: FakeProviders, agent: Persona, manager: Persona
) -> None:
    set_setting(services, REQUIRE, "once")
    make_sms_channel(services)
    visitor = guest(anonymous, "token-sms-code", widget=True)
    visitor.register(name="Phil Phone")
    rid = visitor.open_room()["_id"]
    assert _inquiry_status(services, rid) == "verifying"

    requested = _request(visitor, rid, phone=" +1 (555) 010-7788 ")
    assert requested.status_code == 200, requested.text
    assert requested.json()["verification"]["field"] == "phone"
    assert requested.json()["verification"]["value"] == "+15550107788"
    status = visitor.client.get(
        "/api/v1/livechat/verification.status", params={"token": visitor.token, "rid": rid}
    ).json()
    assert (status["pending"]["field"], status["pending"]["value"]) == ("phone", "+15550107788")
    assert status["fields"] == ["email", "phone"]  # what the widget may offer
    with services.transaction() as session:
        stored = session.scalars(select(ContactVerification)).one()
        assert (stored.field, stored.value) == ("phone", "+15550107788")
        assert session.scalar(select(OutboundEmail.id)) is None  # nothing by email

    (job,) = _sms_jobs(services)
    assert (job.customer, job.room_id, job.status) == ("+15550107788", rid, "pending")
    assert deliver_pending_messages(services) == 1
    (sent,) = providers.requests
    assert "api.twilio.com" in sent.url
    form = dict(sent.form or [])
    assert (form["To"], form["From"]) == ("+15550107788", SMS_NUMBER)
    match = CODE.search(form["Body"])
    assert match, form["Body"]

    confirmed = _confirm(visitor, rid, match.group(1))
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["field"], confirmed.json()["value"]) == ("phone", "+15550107788")
    assert _inquiry_status(services, rid) == "taken"
    room = visitor.open_room()
    assert room["verified"] is True and room["servedBy"]["_id"] == agent.id
    contact = manager.get("/api/v1/omnichannel/contacts.get", params={"contactId": room["contactId"]}).json()
    assert [phone["phoneNumber"] for phone in contact["contact"]["phones"]] == ["+15550107788"]

    trail = _audit(manager, room["contactId"])
    assert [entry["action"] for entry in trail] == ["verified", "channel-added"]
    assert trail[0]["changes"]["phones"] == {"old": [], "new": ["+15550107788"]}
    assert trail[0]["changes"]["channel"]["new"] == {
        "visitorId": room["v"]["_id"],
        "type": "widget",
        "id": "",
        "field": "phone",
        "value": "+15550107788",
        "method": "code",
    }
    assert visitor.token not in json.dumps(trail)


def test_sms_codes_are_limited_per_number_like_emails(
    services: Services, anonymous: TestClient, providers: FakeProviders
) -> None:
    set_setting(services, "Livechat_verification_codes_per_address_per_hour", 1)
    make_sms_channel(services)
    first, second = (guest(anonymous, f"token-sms-limit-{n}", widget=True) for n in (1, 2))
    rooms = []
    for visitor in (first, second):
        visitor.register(name="Limited")
        rooms.append(visitor.open_room()["_id"])
    assert _request(first, rooms[0], phone="+15550107788").status_code == 200
    assert_error(_request(second, rooms[1], phone="+1 555 010 7788"), 429, "error-too-many-requests")
    with services.transaction() as session:
        keys = sorted(session.scalars(select(RateLimitHit.key)).all())
    assert keys[0] == "verification-code:phone:+15550107788" and len(keys) == 2
    assert len(_sms_jobs(services)) == 1


def test_bad_verification_requests_are_400_in_the_error_envelope_and_send_nothing(
    services: Services, anonymous: TestClient
) -> None:
    visitor = guest(anonymous, "token-bad-requests", widget=True)
    visitor.register(name="Bea Bad")
    rid = visitor.open_room()["_id"]
    status = visitor.client.get(
        "/api/v1/livechat/verification.status", params={"token": visitor.token, "rid": rid}
    ).json()
    assert status["fields"] == ["email"]  # no SMS channel: codes go by email only
    exactly_one = "must have exactly one of the properties 'email' and 'phone' [invalid-params]"
    assert_error(_request(visitor, rid), 400, "invalid-params", exactly_one)
    assert_error(
        _request(visitor, rid, email="bea@example.com", phone="+15550107788"),
        400,
        "invalid-params",
        exactly_one,
    )
    assert_error(
        _request(visitor, rid, phone="+15550107788"),
        400,
        "error-no-sms-channel",
        "No SMS channel is configured to send the code [error-no-sms-channel]",
    )
    make_sms_channel(services)
    assert_error(_request(visitor, rid, phone="not a number"), 400, "error-invalid-phone")
    assert_error(_request(visitor, rid, phone="12"), 400, "error-invalid-phone")
    assert_error(_request(visitor, rid, email="not-an-email"), 400, "error-invalid-email")
    with services.transaction() as session:
        assert session.scalar(select(ContactVerification.id)) is None
        assert session.scalar(select(RateLimitHit.id)) is None
        assert session.scalar(select(OutboundEmail.id)) is None
    assert outbound_jobs(services) == []


# --- email chats --------------------------------------------------------------------------------


def _inbox(services: Services) -> EmailInbox:
    with services.transaction() as session:
        inbox = EmailInbox(
            name="Support",
            email="support@acme.example.com",
            sender_info="Acme Support",
        )
        smtp = SmtpAccount(server="127.0.0.1", port=25)
        imap = ImapAccount(
            server="127.0.0.1", port=143, username="support@acme.example.com", password="secret"
        )
        store_inbox_config(inbox, InboxConfig(smtp=smtp, imap=imap))
        session.add(inbox)
        session.flush()
        session.expunge(inbox)
        return inbox


def _receive(services: Services, inbox: EmailInbox, text: str, **headers: str) -> str:
    """An email from Ada to the inbox, taken as the inbox reader takes it; returns its Message-ID."""
    message = EmailMessage()
    message["From"] = "Ada Lovelace <ada@example.com>"
    message["To"] = inbox.email
    message["Subject"] = headers.pop("Subject", "My order has not arrived")
    message["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    with services.transaction() as session:
        current = session.get(EmailInbox, inbox.id)
        assert current is not None
        assert receive_email(session, inbox=current, email=parse_email(bytes(message))) is not None
    return str(message["Message-ID"])


def _code_mails(services: Services) -> list[OutboundEmail]:
    with services.transaction() as session:
        mails = list(
            session.scalars(
                select(OutboundEmail)
                .where(OutboundEmail.to_address == "ada@example.com")
                .order_by(OutboundEmail.created_at)
            )
        )
        session.expunge_all()
        return mails


def test_an_email_chat_under_once_gets_a_code_and_a_reply_with_it_releases_it(
    services: Services, agent: Persona, manager: Persona
) -> None:
    set_setting(services, REQUIRE, "once")
    inbox = _inbox(services)
    first_id = _receive(services, inbox, "Hello, order 1234 is late.\n")
    room = _only_room(services)
    assert (room.source_type, room.verified) == ("email", False)
    assert _inquiry_status(services, room.id) == "verifying"

    (mail,) = _code_mails(services)
    assert mail.inbox_id == inbox.id  # through the inbox, in the chat's thread, so the answer comes back
    assert mail.in_reply_to == first_id and mail.subject == "Re: My order has not arrived"
    match = CODE.search(mail.body_text)
    assert match, mail.body_text
    code = match.group(1)

    # Another email before the customer read it sends no second code; one with a wrong code counts.
    _receive(services, inbox, "Any news?\n")
    wrong = "000000" if code != "000000" else "111111"
    _receive(services, inbox, f"My code is {wrong}\n", In_Reply_To=f"<{mail.message_id_header}>")
    assert len(_code_mails(services)) == 1
    with services.transaction() as session:
        assert session.scalars(select(ContactVerification.attempts)).one() == 1
    assert _inquiry_status(services, room.id) == "verifying"

    _receive(
        services,
        inbox,
        f"Here it is: {code}\n\nOn Mon, 30 Nov 2026, Acme Support wrote:\n> Your code is {code}.\n",
        Subject="Re: My order has not arrived",
        In_Reply_To=f"<{mail.message_id_header}>",
    )
    assert _inquiry_status(services, room.id) == "taken"
    released = _only_room(services)  # the reply joined the chat
    assert (released.verified, released.served_by_id) == (True, agent.id)
    channel = _channel(services, room.contact_id)
    assert (channel.verified, channel.field, channel.value) == (True, "email", "ada@example.com")
    trail = _audit(manager, room.contact_id)
    assert [entry["action"] for entry in trail] == ["verified", "channel-added"]
    assert trail[0]["changes"]["channel"]["new"]["method"] == "code"


def test_an_email_chat_gets_a_fresh_code_once_the_last_has_expired(services: Services) -> None:
    set_setting(services, REQUIRE, "always")
    inbox = _inbox(services)
    _receive(services, inbox, "Hello\n")
    room = _only_room(services)
    (old,) = _code_mails(services)
    with services.transaction() as session:
        earlier = utcnow() - timedelta(minutes=11)
        session.execute(update(ContactVerification).values(expires_at=earlier, created_at=earlier))
    old_code = CODE.search(old.body_text)
    assert old_code
    _receive(services, inbox, f"{old_code.group(1)}\n")  # too late: a new code is sent instead
    assert len(_code_mails(services)) == 2
    assert _inquiry_status(services, room.id) == "verifying"


def test_an_email_whose_code_a_rate_limit_refuses_is_kept_and_the_chat_waits(services: Services) -> None:
    set_setting(services, REQUIRE, "once")
    set_setting(services, "Livechat_verification_codes_per_address_per_hour", 1)
    inbox = _inbox(services)
    _receive(services, inbox, "Hello\n")
    room = _only_room(services)
    with services.transaction() as session:
        earlier = utcnow() - timedelta(minutes=11)
        session.execute(update(ContactVerification).values(expires_at=earlier, created_at=earlier))
    _receive(services, inbox, "Still there?\n")  # stored, though no second code may go this hour
    assert len(_code_mails(services)) == 1
    with services.transaction() as session:
        texts = session.scalars(select(Message.msg).where(Message.room_id == room.id, Message.type.is_(None)))
        assert list(texts) == ["Hello", "Still there?"]
    assert _inquiry_status(services, room.id) == "verifying"


# --- the rest of the audit ----------------------------------------------------------------------


def test_a_visitors_new_details_merged_into_its_contact_are_audited(
    services: Services, anonymous: TestClient, manager: Persona
) -> None:
    visitor = guest(anonymous, "token-merged", widget=True)
    visitor.register(name="Mia Merge")
    contact_id = visitor.open_room()["contactId"]
    visitor.register(name="Mia Merge", email="mia@example.com")
    trail = _audit(manager, contact_id)
    assert [entry["action"] for entry in trail] == ["visitor-details", "channel-added"]
    assert trail[0]["changes"] == {"emails": {"old": [], "new": ["mia@example.com"]}}
    with services.transaction() as session:
        stored = json.dumps([entry.changes for entry in session.scalars(select(ContactAudit))])
    assert visitor.token not in stored
