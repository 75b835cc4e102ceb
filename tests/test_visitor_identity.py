"""The public edge, part 1: a customer's conversation is reachable only by that customer.

Each attack here worked on the code before migration 0013, tried as an outsider with nothing but a
customer's phone number or email address and no login; each is now refused with a 4xx and changes
nothing. Channel visitors (SMS, WhatsApp, email, voice) have random tokens and the visitor API does not
serve them at all; visitor names cannot be squatted; a block holds with or without ``Origin``; staff
answers carry no visitor token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omnidesk.actions import visitors as visitor_actions
from omnidesk.actions.email_intake import receive_email
from omnidesk.channels.email_imap import ImapAccount, parse_email
from omnidesk.channels.email_inbox import InboxConfig, store_inbox_config
from omnidesk.channels.email_smtp import SmtpAccount
from omnidesk.models import (
    Contact,
    ContactChannel,
    ContactVerification,
    EmailInbox,
    Message,
    OutboundEmail,
    Room,
    Visitor,
)
from omnidesk.services import Services
from tests.ddp_client import DDPClient, running_server, visitor_params
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import guest, set_available
from tests.messaging_helpers import CUSTOMER, TwilioSms, make_sms_channel

API = "/api/v1/livechat"
CUSTOMER_EMAIL = "ada@example.com"
CALLER = "+15550107788"
SECRET_TEXT = "my card ends in 4242"


@dataclass(frozen=True)
class ChannelCustomer:
    """A customer a channel brought in, and what an outsider knows of it."""

    kind: str
    visitor_id: str
    token: str  # its real token, read from the database
    room_id: str | None
    guessed_token: str  # what the token was before migration 0013


def _visitor(services: Services, **where: Any) -> Visitor:
    with services.transaction() as session:
        visitor = session.scalars(select(Visitor).filter_by(**where)).one()
        session.expunge(visitor)
        return visitor


def _open_room_of(services: Services, visitor_id: str) -> str | None:
    with services.transaction() as session:
        return session.scalar(select(Room.id).where(Room.visitor_id == visitor_id))


def sms_customer(services: Services, app_client: TestClient, text: str = SECRET_TEXT) -> ChannelCustomer:
    make_sms_channel(services)
    answer = TwilioSms(app_client, services.settings.public_url).incoming(text)
    assert answer.status_code == 200, answer.text
    visitor = _visitor(services, channel_type="sms")
    return ChannelCustomer(
        "sms", visitor.id, visitor.token, _open_room_of(services, visitor.id), f"sms:{CUSTOMER}"
    )


def _inbox(services: Services) -> EmailInbox:
    with services.transaction() as session:
        inbox = EmailInbox(
            name="Support",
            email="support@acme.example.com",
        )
        smtp = SmtpAccount(server="127.0.0.1", port=25)
        imap = ImapAccount(server="127.0.0.1", port=143, username="support@acme.example.com", password="x")
        store_inbox_config(inbox, InboxConfig(smtp=smtp, imap=imap))
        session.add(inbox)
        session.flush()
        session.expunge(inbox)
        return inbox


def _receive(services: Services, inbox: EmailInbox, text: str) -> None:
    email = EmailMessage()
    email["From"] = f"Ada Lovelace <{CUSTOMER_EMAIL}>"
    email["To"] = inbox.email
    email["Subject"] = "My order"
    email["Message-ID"] = make_msgid(domain="example.com")
    email.set_content(text)
    with services.transaction() as session:
        assert receive_email(session, inbox=session.merge(inbox), email=parse_email(bytes(email))) is not None


def email_customer(services: Services, app_client: TestClient) -> ChannelCustomer:
    _receive(services, _inbox(services), SECRET_TEXT)
    visitor = _visitor(services, channel_type="email")
    return ChannelCustomer(
        "email", visitor.id, visitor.token, _open_room_of(services, visitor.id), f"email:{CUSTOMER_EMAIL}"
    )


def voice_customer(services: Services, app_client: TestClient, manager: Persona) -> ChannelCustomer:
    event = {"externalId": "call-1", "event": "ringing", "from": CALLER, "to": "+15550100000"}
    assert manager.post("/api/v1/omnichannel/calls.event", json=event).status_code == 200
    visitor = _visitor(services, channel_type="voice")
    return ChannelCustomer("voice", visitor.id, visitor.token, None, f"voice:{CALLER}")


@pytest.fixture(params=["sms", "email", "voice"])
def customer(request: Any, services: Services, app_client: TestClient, manager: Persona) -> ChannelCustomer:
    if request.param == "sms":
        return sms_customer(services, app_client)
    if request.param == "email":
        return email_customer(services, app_client)
    return voice_customer(services, app_client, manager)


def _snapshot(services: Services, visitor_id: str) -> dict[str, Any]:
    """What an attacker could read or change of a channel visitor: its row, rooms, messages, contacts."""
    with services.transaction() as session:
        visitor = session.get(Visitor, visitor_id)
        assert visitor is not None
        rooms = session.execute(
            select(Room.id, Room.open, Room.verified).where(Room.visitor_id == visitor_id).order_by(Room.id)
        ).all()
        messages = session.execute(
            select(Message.id, Message.msg, Message.author_id)
            .join(Room, Room.id == Message.room_id)
            .where(Room.visitor_id == visitor_id)
            .order_by(Message.id)
        ).all()
        channels = session.execute(
            select(ContactChannel.id, ContactChannel.blocked, ContactChannel.verified, ContactChannel.value)
            .where(ContactChannel.visitor_id == visitor_id)
            .order_by(ContactChannel.id)
        ).all()
        contacts = [
            (
                contact.name,
                sorted(e.address for e in contact.emails),
                sorted(p.phone_number for p in contact.phones),
            )
            for contact in session.scalars(
                select(Contact).join(ContactChannel).where(ContactChannel.visitor_id == visitor_id)
            )
        ]
        return {
            "visitor": (visitor.token, visitor.name, visitor.email, visitor.phone, visitor.livechat_data),
            "rooms": [tuple(row) for row in rooms],
            "messages": [tuple(row) for row in messages],
            "channels": [tuple(row) for row in channels],
            "contacts": contacts,
            "verifications": session.scalar(select(func.count()).select_from(ContactVerification)),
            "emails": session.scalar(select(func.count()).select_from(OutboundEmail)),
        }


# --- channel visitors: random tokens, found by their address -----------------------------------------


def test_a_channel_visitor_has_a_random_token_and_is_found_by_its_address(
    services: Services, app_client: TestClient
) -> None:
    first = sms_customer(services, app_client)
    # The same number written another way is the same customer; another number is another one.
    twilio = TwilioSms(app_client, services.settings.public_url)
    assert twilio.incoming("again", sender="+1 (555) 010-2233").status_code == 200
    assert twilio.incoming("hello", sender="+15550109999").status_code == 200
    with services.transaction() as session:
        visitors = session.scalars(select(Visitor).where(Visitor.channel_type == "sms")).all()
        assert sorted(v.channel_address for v in visitors) == ["+15550102233", "+15550109999"]
        tokens = [v.token for v in visitors]
    assert first.token in tokens and len(set(tokens)) == 2
    for token in tokens:
        assert len(token) >= 43  # 256 bits, base64
        assert "555" not in token and "sms" not in token


def test_email_and_voice_visitors_are_found_by_their_address(
    services: Services, app_client: TestClient, manager: Persona
) -> None:
    inbox = _inbox(services)
    _receive(services, inbox, "first")
    _receive(services, inbox, "second")
    voice_customer(services, app_client, manager)
    event = {"externalId": "call-2", "event": "ringing", "from": "(555) 010-7788", "to": "+15550100000"}
    assert manager.post("/api/v1/omnichannel/calls.event", json=event).status_code == 200
    with services.transaction() as session:
        rows = session.execute(
            select(Visitor.channel_type, Visitor.channel_address).where(Visitor.channel_type.is_not(None))
        ).all()
    assert sorted(rows) == [("email", CUSTOMER_EMAIL), ("voice", CALLER)]


# --- the visitor API does not serve channel visitors --------------------------------------------------


def _visitor_api_calls(token: str, room_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every visitor API request an outsider holding ``token`` could try on the customer's room."""
    return [
        ("GET", f"{API}/visitor/{token}", {}),
        ("GET", f"{API}/room", {"params": {"token": token}}),
        ("GET", f"{API}/room", {"params": {"token": token, "rid": room_id}}),
        ("GET", f"{API}/messages.history/{room_id}", {"params": {"token": token}}),
        ("POST", f"{API}/message", {"json": {"token": token, "rid": room_id, "msg": "as the customer"}}),
        ("POST", f"{API}/room.close", {"json": {"token": token, "rid": room_id}}),
        (
            "POST",
            f"{API}/custom.field",
            {"json": {"token": token, "key": "k", "value": "v", "overwrite": True}},
        ),
        ("POST", f"{API}/custom.fields", {"json": {"token": token, "customFields": []}}),
        ("GET", f"{API}/agent.info/{room_id}/{token}", {}),
        ("POST", f"{API}/transcript", {"json": {"token": token, "rid": room_id, "email": "x@evil.example"}}),
        (
            "POST",
            f"{API}/verification.request",
            {"json": {"token": token, "rid": room_id, "email": "x@evil.example"}},
        ),
        ("POST", f"{API}/verification.confirm", {"json": {"token": token, "rid": room_id, "code": "123456"}}),
        ("GET", f"{API}/verification.status", {"params": {"token": token, "rid": room_id}}),
        ("PUT", f"{API}/message/m-1", {"json": {"token": token, "rid": room_id, "msg": "edited"}}),
        ("DELETE", f"{API}/message/m-1", {"json": {"token": token, "rid": room_id}}),
        ("DELETE", f"{API}/visitor/{token}", {}),
    ]


def test_the_visitor_api_answers_a_channel_visitors_tokens_as_unknown_ones(
    services: Services, anonymous: TestClient, customer: ChannelCustomer
) -> None:
    room_id = customer.room_id or "no-room"
    before = _snapshot(services, customer.visitor_id)
    unknown = [anonymous.request(m, p, **kw) for m, p, kw in _visitor_api_calls("never-issued", room_id)]
    for token in (customer.token, customer.guessed_token):
        for (method, path, kwargs), expected in zip(_visitor_api_calls(token, room_id), unknown, strict=True):
            answer = anonymous.request(method, path, **kwargs)
            # No oracle: exactly what a token nobody was given gets.
            assert (answer.status_code, answer.json()) == (expected.status_code, expected.json()), path
            assert 400 <= answer.status_code < 500, (path, answer.text)
            assert SECRET_TEXT not in answer.text and customer.visitor_id not in answer.text
        config = anonymous.get(f"{API}/config", params={"token": token}).json()["config"]
        assert "guest" not in config and "room" not in config
    assert _snapshot(services, customer.visitor_id) == before


def test_registering_a_guessed_token_cannot_redirect_the_customers_replies(
    services: Services, anonymous: TestClient, app_client: TestClient
) -> None:
    customer = email_customer(services, app_client)
    before = _snapshot(services, customer.visitor_id)
    body = {"visitor": {"token": customer.guessed_token, "email": "attacker@evil.example", "name": "Mallory"}}
    answer = anonymous.post(f"{API}/visitor", json=body)
    # A token is the widget's to choose: it registers a visitor of its own, nobody else's.
    assert answer.status_code == 200 and answer.json()["visitor"]["_id"] != customer.visitor_id
    assert _snapshot(services, customer.visitor_id) == before
    with services.transaction() as session:
        room = session.get(Room, customer.room_id)
        assert room is not None and room.visitor.email == CUSTOMER_EMAIL  # where the agent's reply goes


def test_a_closed_channel_chat_cannot_be_deleted_from_outside(
    services: Services, anonymous: TestClient, app_client: TestClient, manager: Persona
) -> None:
    customer = email_customer(services, app_client)
    closed = manager.post(f"{API}/room.closeByUser", json={"rid": customer.room_id})
    assert closed.status_code == 200, closed.text
    before = _snapshot(services, customer.visitor_id)
    for token in (customer.guessed_token, customer.token):
        assert_error(anonymous.delete(f"{API}/visitor/{token}"), 400, "invalid-token")
    assert _snapshot(services, customer.visitor_id) == before and before["messages"]


def test_verifying_through_a_channel_visitors_token_is_refused(
    services: Services, anonymous: TestClient, app_client: TestClient
) -> None:
    customer = sms_customer(services, app_client)
    before = _snapshot(services, customer.visitor_id)
    for token in (customer.guessed_token, customer.token):
        request = {"token": token, "rid": customer.room_id, "email": "attacker@evil.example"}
        assert_error(anonymous.post(f"{API}/verification.request", json=request), 400, "invalid-token")
        confirm = {"token": token, "rid": customer.room_id, "code": "000000"}
        assert_error(anonymous.post(f"{API}/verification.confirm", json=confirm), 400, "invalid-token")
    after = _snapshot(services, customer.visitor_id)
    assert after == before and after["verifications"] == 0 and after["emails"] == 0


# --- guest names ----------------------------------------------------------------------------------------


def _next_guest_number(services: Services) -> int:
    with services.transaction() as session:
        names = session.scalars(select(Visitor.username).where(Visitor.username.like("guest-%"))).all()
    return max((int(name.split("-")[1]) for name in names), default=0) + 1


def test_no_visitor_can_take_the_next_guest_name(
    services: Services, anonymous: TestClient, app_client: TestClient
) -> None:
    guest(anonymous, "tok-first").register()
    upcoming = f"guest-{_next_guest_number(services)}"
    for claim in (upcoming, upcoming.upper(), "guest-999999"):
        body = {"visitor": {"token": "tok-squatter", "username": claim}}
        assert_error(
            anonymous.post(f"{API}/visitor", json=body),
            400,
            "error-username-not-available",
            "This username is not available [error-username-not-available]",
        )
    # Every later visitor, and every SMS from a new number, still gets a name.
    assert guest(anonymous, "tok-next").register()["username"] == upcoming
    customer = sms_customer(services, app_client)
    assert _visitor(services, id=customer.visitor_id).username.startswith("guest-")


def test_a_guest_name_taken_before_the_rule_is_skipped(services: Services, anonymous: TestClient) -> None:
    guest(anonymous, "tok-first").register()
    upcoming = _next_guest_number(services)
    with services.transaction() as session:  # what a squatter could store before migration 0013
        session.add(Visitor(token="tok-old-squatter", username=f"guest-{upcoming}", livechat_data={}))
    assert guest(anonymous, "tok-new").register()["username"] == f"guest-{upcoming + 1}"


def test_a_visitor_cannot_claim_a_staff_or_another_visitors_username(
    anonymous: TestClient, agent: Persona
) -> None:
    assert guest(anonymous, "tok-first").register(username="ada-shopper")["username"] == "ada-shopper"
    for claim in (agent.username, agent.username.upper(), "ada-shopper", " ", "x" * 121):
        answer = anonymous.post(f"{API}/visitor", json={"visitor": {"token": "tok-claim", "username": claim}})
        assert answer.status_code == 400, (claim, answer.text)
        assert answer.json()["errorType"] in ("error-username-not-available", "error-invalid-username")
    # The refused registrations wrote nothing: the token is still free.
    assert guest(anonymous, "tok-claim").register(username="bob-shopper")["username"] == "bob-shopper"


@pytest.fixture
def commit_meanwhile(services: Services, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Commits a visitor from another connection while a registration is between its checks and its
    INSERT (when it checks the claimed username, or allocates a guest name), as a concurrent request
    would. Only PostgreSQL has that window: SQLite serialises write transactions."""
    if services.db.dialect == "sqlite":
        pytest.skip("SQLite serialises write transactions: no concurrent commit can happen in between")

    def arrange(visitor: Visitor, *, during: str = "new_guest_username") -> None:
        real = getattr(visitor_actions, during)

        def after_a_concurrent_commit(*args: Any) -> Any:
            answer = real(*args)
            with services.transaction() as other:
                other.add(visitor)
            monkeypatch.setattr(visitor_actions, during, real)
            return answer

        monkeypatch.setattr(visitor_actions, during, after_a_concurrent_commit)

    return arrange


def test_a_username_claimed_by_a_concurrent_registration_is_a_400(
    anonymous: TestClient, commit_meanwhile: Callable[..., None]
) -> None:
    guest(anonymous, "tok-first").register()
    winner = Visitor(token="tok-winner", username="popular", livechat_data={})
    commit_meanwhile(winner, during="_claimable_username")
    body = {"visitor": {"token": "tok-loser", "username": "popular", "name": "Late"}}
    assert_error(anonymous.post(f"{API}/visitor", json=body), 400, "error-username-not-available")


def test_a_token_registered_by_a_concurrent_request_is_the_same_visitor(
    services: Services, anonymous: TestClient, commit_meanwhile: Callable[..., None]
) -> None:
    commit_meanwhile(Visitor(token="tok-same", username="guest-900", livechat_data={}))
    answer = anonymous.post(f"{API}/visitor", json={"visitor": {"token": "tok-same", "name": "Second"}})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["visitor"]["username"], answer.json()["visitor"]["name"]) == ("guest-900", "Second")
    with services.transaction() as session:
        assert session.scalar(select(func.count()).where(Visitor.token == "tok-same")) == 1


def test_an_address_a_concurrent_intake_filed_is_the_same_visitor(
    services: Services, app_client: TestClient, commit_meanwhile: Callable[..., None]
) -> None:
    make_sms_channel(services)
    winner = Visitor(
        token="random-enough-for-a-test", username="guest-901", channel_type="sms", channel_address=CUSTOMER
    )
    commit_meanwhile(winner)
    answer = TwilioSms(app_client, services.settings.public_url).incoming("hello")
    assert answer.status_code == 200, answer.text
    with services.transaction() as session:
        room = session.scalars(select(Room)).one()
        assert room.visitor.username == "guest-901"


def test_over_long_registration_fields_are_refused_on_both_engines(anonymous: TestClient) -> None:
    for field, length, limit in (("token", 256, 255), ("name", 201, 200), ("phone", 61, 60)):
        visitor = {"token": "tok-long", field: "x" * length}
        assert_error(
            anonymous.post(f"{API}/visitor", json={"visitor": visitor}),
            400,
            "invalid-params",
            f"must NOT have more than {limit} characters [invalid-params]",
        )
    assert guest(anonymous, "tok-long").register(name="x" * 200)["name"] == "x" * 200


# --- blocking a widget visitor holds with or without Origin ---------------------------------------------


def test_a_blocked_widget_channel_stays_blocked_without_origin(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    page = guest(anonymous, "tok-blocked-page", widget=True)
    page.register(name="Spammer")
    room = page.open_room()
    block = {"visitor": {"visitorId": room["v"]["_id"], "source": {"type": "widget"}}}
    assert agent.post("/api/v1/omnichannel/contacts.block", json=block).status_code == 200
    headless = guest(anonymous, "tok-blocked-page")  # the same token, no Origin: the "api" source
    assert_error(headless.room(), 400, "error-contact-channel-blocked")
    assert_error(headless.say("a-new-room-id-0001", "spam"), 400, "error-contact-channel-blocked")
    assert_error(page.room(), 400, "error-contact-channel-blocked")
    with services.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Room)) == 1


# --- staff answers carry no visitor token ----------------------------------------------------------------


def test_staff_answers_and_realtime_pushes_carry_no_visitor_token(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    with running_server(anonymous.app) as url, DDPClient(url) as ddp:
        assert ddp.login(agent.token)["msg"] == "result"
        for event in ("rooms-changed", "subscriptions-changed", "notification"):
            ddp.subscribe("stream-notify-user", f"{agent.id}/{event}")
        ddp.subscribe("stream-room-messages", "__my_messages__")
        visitor = guest(anonymous, "tok-secret-widget-token", widget=True)
        visitor.register(name="Grace")
        room = visitor.open_room()
        assert visitor.say(room["_id"], "hello").status_code == 200
        pushed = [
            ddp.event("stream-notify-user", f"{agent.id}/subscriptions-changed"),
            ddp.event("stream-room-messages", "__my_messages__"),
            *ddp.stream_frames(),
        ]
    assert all("tok-secret-widget-token" not in str(frame) for frame in pushed), pushed
    for path, params in (
        ("/api/v1/livechat/rooms", {}),
        ("/api/v1/livechat/room.info", {"roomId": room["_id"]}),
        ("/api/v1/livechat/inquiries.queuedForUser", {}),
        (f"/api/v1/livechat/{room['_id']}/messages", {}),
        ("/api/v1/omnichannel/contacts.get", {"contactId": room["contactId"]}),
        ("/api/v1/omnichannel/contacts.channels", {"contactId": room["contactId"]}),
    ):
        answer = agent.get(path, params=params)
        assert answer.status_code < 500 and "tok-secret-widget-token" not in answer.text, path


def test_realtime_refuses_a_channel_visitors_tokens(
    services: Services, anonymous: TestClient, app_client: TestClient
) -> None:
    customer = sms_customer(services, app_client)
    assert customer.room_id is not None
    with running_server(anonymous.app) as url, DDPClient(url) as ddp:
        for token in (customer.token, customer.guessed_token):
            for name, key in (
                ("stream-room-messages", customer.room_id),
                ("stream-livechat-room", customer.room_id),
                ("stream-notify-room", f"{customer.room_id}/user-activity"),
            ):
                answer = ddp.subscribe(name, *visitor_params(key, token))
                assert answer["msg"] == "nosub" and answer["error"]["error"] == "not-allowed", (name, answer)
            typing = ddp.call(
                "stream-notify-room",
                f"{customer.room_id}/user-activity",
                "x",
                ["user-typing"],
                {"token": token},
            )
            assert typing["error"]["error"] == "not-allowed", typing
