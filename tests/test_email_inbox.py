"""Email as a channel: inboxes read from a real Dovecot over IMAP become chats, and agents' replies leave
through the inbox's SMTP server (a real aiosmtpd), threaded so the customer's answer finds the chat."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from omnidesk.channels.email_imap import html_to_text, parse_email, strip_quoted_reply
from omnidesk.channels.email_inbox import inbox_config_of, store_inbox_config
from omnidesk.models import Contact, ContactEmail, EmailInbox, Message, OutboundEmail, Room
from omnidesk.services import Services
from omnidesk.workers.inbox_reader import read_all_inboxes, read_inbox
from omnidesk.workers.mail_delivery import deliver_pending
from tests.helpers import Persona, assert_error, create_contact
from tests.imap_server import ImapServer, running_imap_server
from tests.livechat_helpers import guest, send_as_agent, set_available
from tests.smtp_server import SmtpServer, running_smtp_server

PASSWORD = "mailbox-secret"
_mailboxes = itertools.count(1)


@pytest.fixture(scope="module")
def imap() -> Iterator[ImapServer]:
    with running_imap_server(PASSWORD) as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        yield server


def _inbox_body(imap: ImapServer, smtp: SmtpServer, address: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Support",
        "email": address,
        "active": True,
        "senderInfo": "Acme Support",
        "smtp": {"server": smtp.host, "port": smtp.port, "username": "", "password": "", "secure": False},
        "imap": {
            "server": imap.host,
            "port": imap.port,
            "username": address,
            "password": PASSWORD,
            "secure": False,
            "maxRetries": 2,
        },
        **extra,
    }


def _new_inbox(admin: Persona, imap: ImapServer, smtp: SmtpServer, **extra: Any) -> tuple[str, str]:
    """A fresh mailbox on the IMAP server and an inbox reading it; returns (inbox id, address)."""
    address = f"support{next(_mailboxes)}@acme.example.com"
    response = admin.post("/api/v1/email-inbox", json=_inbox_body(imap, smtp, address, **extra))
    assert response.status_code == 200, response.text
    return response.json()["_id"], address


def _email(
    *,
    to: str,
    sender: str = "Ada Lovelace <ada@example.com>",
    subject: str = "My order has not arrived",
    text: str = "Hello, order 1234 is late.\n",
    message_id: str | None = None,
    **headers: str,
) -> tuple[bytes, str]:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return bytes(message), str(message["Message-ID"]).strip("<>")


def _rooms(services: Services) -> list[Room]:
    with services.transaction() as session:
        rooms = list(session.scalars(select(Room).order_by(Room.created_at)))
        session.expunge_all()
        return rooms


def _texts(services: Services, room_id: str) -> list[tuple[str, str]]:
    with services.transaction() as session:
        rows = session.execute(
            select(Message.author_kind, Message.msg)
            .where(Message.room_id == room_id, Message.type.is_(None))
            .order_by(Message.created_at)
        ).all()
        return [(kind, msg) for kind, msg in rows]


def test_an_admin_configures_an_inbox_and_passwords_never_come_back(
    services: Services, admin: Persona, agent: Persona, imap: ImapServer, smtp: SmtpServer
) -> None:
    inbox_id, address = _new_inbox(admin, imap, smtp)
    shown = admin.get(f"/api/v1/email-inbox/{inbox_id}").json()
    assert (shown["email"], shown["name"], shown["active"]) == (address, "Support", True)
    assert shown["imap"]["password"] == shown["smtp"]["password"] == "********"
    listed = admin.get("/api/v1/email-inbox.list", params={"query": "support"}).json()
    assert (listed["total"], listed["emailInboxes"][0]["_id"]) == (1, inbox_id)
    found = admin.get("/api/v1/email-inbox.search", params={"email": address.upper()}).json()
    assert found["emailInbox"]["_id"] == inbox_id

    # Saving the form back as it was shown keeps the passwords.
    shown["name"] = "Support desk"
    resave = {key: shown[key] for key in ("name", "email", "active", "senderInfo", "smtp", "imap")}
    assert admin.post("/api/v1/email-inbox", json={"_id": inbox_id, **resave}).status_code == 200
    with services.transaction() as session:
        inbox = session.get(EmailInbox, inbox_id)
        assert inbox is not None
        config = inbox_config_of(inbox)
        assert (inbox.name, config.imap.password, config.smtp.password) == ("Support desk", PASSWORD, "")

    taken = admin.post("/api/v1/email-inbox", json=_inbox_body(imap, smtp, address.upper()))
    assert_error(taken, 400, "error-email-inbox-exists")
    missing = _inbox_body(imap, smtp, "x@acme.example.com")
    del missing["smtp"]
    assert_error(admin.post("/api/v1/email-inbox", json=missing), 400, "invalid-params")
    assert_error(agent.get("/api/v1/email-inbox.list"), 403, "error-unauthorized")
    assert_error(
        agent.post("/api/v1/email-inbox", json=_inbox_body(imap, smtp, "y@acme.example.com")),
        403,
        "error-unauthorized",
    )
    assert admin.get("/api/v1/email-inbox/nope").status_code == 404

    assert admin.client.delete(f"/api/v1/email-inbox/{inbox_id}", headers=admin.headers).json() == {
        "_id": inbox_id,
        "success": True,
    }
    assert admin.get("/api/v1/email-inbox.list").json()["total"] == 0


def test_an_email_becomes_a_chat_and_the_reply_goes_back_in_the_same_thread(
    services: Services, admin: Persona, agent: Persona, imap: ImapServer, smtp: SmtpServer
) -> None:
    set_available(services, agent)
    inbox_id, address = _new_inbox(admin, imap, smtp)
    raw, first_id = _email(to=address)
    imap.deliver(address, PASSWORD, raw)

    assert read_inbox(services, inbox_id) == 1
    assert imap.unseen(address, PASSWORD) == 0  # marked seen once stored
    (room,) = _rooms(services)
    assert (room.source_type, room.source_id, room.source["alias"]) == ("email", inbox_id, "email-inbox")
    assert (room.fname, room.topic, room.served_by_id) == (
        "Ada Lovelace",
        "My order has not arrived",
        agent.id,
    )
    assert _texts(services, room.id) == [("visitor", "Hello, order 1234 is late.")]
    with services.transaction() as session:
        contact = session.get(Contact, room.contact_id)
        assert contact is not None and contact.unknown is True
        assert [email.address for email in contact.emails] == ["ada@example.com"]

    assert send_as_agent(agent, room.id, "Sorry! It ships today.").status_code == 200
    assert deliver_pending(services) == 1  # through the inbox's SMTP server, though SMTP_Host is empty
    (sent,) = smtp.messages
    assert sent.recipients == ["ada@example.com"]
    reply = sent.message
    assert reply["From"] == f"Acme Support <{address}>"
    assert reply["Subject"] == "Re: My order has not arrived"
    assert reply["In-Reply-To"] == f"<{first_id}>"
    assert f"<{first_id}>" in reply["References"]
    assert sent.part("text/plain").strip() == "Sorry! It ships today."

    # The customer answers our reply: the email joins the same chat.
    answer, _ = _email(
        to=address,
        subject="Re: My order has not arrived",
        text="Thanks!\n\nOn Mon, 30 Nov 2026 at 10:02, Acme Support <support@acme.example.com> wrote:\n"
        "> Sorry! It ships today.\n",
        In_Reply_To=reply["Message-ID"],
        References=f"<{first_id}> {reply['Message-ID']}",
    )
    imap.deliver(address, PASSWORD, answer)
    assert read_all_inboxes(services) == 1
    assert len(_rooms(services)) == 1
    assert _texts(services, room.id)[-1] == ("visitor", "Thanks!")  # without the quotation


def test_an_email_fetched_twice_is_stored_once_and_machine_mail_is_ignored(
    services: Services, admin: Persona, imap: ImapServer, smtp: SmtpServer
) -> None:
    inbox_id, address = _new_inbox(admin, imap, smtp)
    raw, _ = _email(to=address, message_id="<same@example.com>")
    imap.deliver(address, PASSWORD, raw)
    imap.deliver(address, PASSWORD, raw)  # a server that delivered it twice
    auto, _ = _email(to=address, subject="Out of office", Auto_Submitted="auto-replied")
    bounce, _ = _email(to=address, sender="MAILER-DAEMON@example.com", subject="Undelivered")
    imap.deliver(address, PASSWORD, auto)
    imap.deliver(address, PASSWORD, bounce)

    assert read_inbox(services, inbox_id) == 1  # no agent online: the chat waits in the queue anyway
    assert imap.unseen(address, PASSWORD) == 0
    (room,) = _rooms(services)
    assert room.open and room.served_by_id is None
    assert len(_texts(services, room.id)) == 1


def test_a_known_contact_is_found_by_email_and_a_blocked_channel_takes_nothing(
    services: Services, admin: Persona, manager: Persona, imap: ImapServer, smtp: SmtpServer
) -> None:
    created = manager.post(
        "/api/v1/omnichannel/contacts",
        json={"name": "Grace Hopper", "emails": ["grace@example.com"], "phones": []},
    )
    contact_id = created.json()["contactId"]
    inbox_id, address = _new_inbox(admin, imap, smtp)
    raw, _ = _email(to=address, sender="G. Hopper <Grace@Example.com>", subject="Invoice")
    imap.deliver(address, PASSWORD, raw)
    assert read_inbox(services, inbox_id) == 1
    (room,) = _rooms(services)
    assert (room.contact_id, room.fname) == (contact_id, "Grace Hopper")

    channels = manager.get("/api/v1/omnichannel/contacts.channels", params={"contactId": contact_id}).json()
    (channel,) = channels["channels"]
    block = {
        "visitor": {"visitorId": channel["visitor"]["visitorId"], "source": {"type": "email", "id": inbox_id}}
    }
    assert manager.post("/api/v1/omnichannel/contacts.block", json=block).status_code == 200
    again, _ = _email(to=address, sender="grace@example.com", subject="Hello again")
    imap.deliver(address, PASSWORD, again)
    assert read_inbox(services, inbox_id) == 0
    assert imap.unseen(address, PASSWORD) == 0  # read and dropped
    assert all(not room.open for room in _rooms(services))


def test_an_email_joins_the_known_contact_that_has_the_address(
    services: Services,
    admin: Persona,
    manager: Persona,
    agent: Persona,
    anonymous: TestClient,
    imap: ImapServer,
    smtp: SmtpServer,
) -> None:
    set_available(services, agent)
    # Grace is a known contact who has chatted through the visitor API (no longer a pre-registration);
    # an unknown contact that happens to list the same address comes second.
    contact_id = create_contact(
        manager, name="Grace Hopper", emails=["grace@example.com"], phones=["+15550104477"]
    )
    visitor = guest(anonymous, "token-grace-widget")
    visitor.register(name="Grace", phone="+1 555 010 4477")
    assert visitor.open_room()["contactId"] == contact_id
    with services.transaction() as session:
        assert session.get(Contact, contact_id).pre_registration is False  # type: ignore[union-attr]
        session.add(
            Contact(
                name="someone",
                unknown=True,
                custom_fields={},
                conflicting_fields=[],
                emails=[ContactEmail(address="grace@example.com")],
            )
        )
    inbox_id, address = _new_inbox(admin, imap, smtp)
    raw, _ = _email(to=address, sender="Grace <GRACE@example.com>", subject="Invoice")
    imap.deliver(address, PASSWORD, raw)
    assert read_inbox(services, inbox_id) == 1

    (room,) = [room for room in _rooms(services) if room.source_type == "email"]
    assert room.contact_id == contact_id
    channels = manager.get("/api/v1/omnichannel/contacts.channels", params={"contactId": contact_id}).json()
    sources = sorted(channel["visitor"]["source"]["type"] for channel in channels["channels"])
    assert sources == ["api", "email"]
    with services.transaction() as session:  # no second, unknown "grace" contact
        assert session.scalar(select(func.count()).select_from(Contact)) == 2


def test_writing_again_after_the_chat_closed_opens_a_new_one(
    services: Services, admin: Persona, agent: Persona, imap: ImapServer, smtp: SmtpServer
) -> None:
    set_available(services, agent)
    inbox_id, address = _new_inbox(admin, imap, smtp)
    raw, first_id = _email(to=address)
    imap.deliver(address, PASSWORD, raw)
    read_inbox(services, inbox_id)
    (first,) = _rooms(services)
    agent.post("/api/v1/livechat/room.closeByUser", json={"rid": first.id})

    later, _ = _email(to=address, subject="Re: My order has not arrived", In_Reply_To=f"<{first_id}>")
    imap.deliver(address, PASSWORD, later)
    assert read_inbox(services, inbox_id) == 1
    first_again, second = _rooms(services)
    assert not first_again.open and second.open
    assert second.contact_id == first.contact_id


def test_an_inbox_that_cannot_be_read_turns_itself_off(
    services: Services, admin: Persona, imap: ImapServer, smtp: SmtpServer
) -> None:
    inbox_id, _ = _new_inbox(admin, imap, smtp)
    with services.transaction() as session:
        inbox = session.get(EmailInbox, inbox_id)
        assert inbox is not None
        config = inbox_config_of(inbox)
        wrong = config.imap.model_copy(update={"password": "wrong"})
        store_inbox_config(inbox, config.model_copy(update={"imap": wrong}))
    read_inbox(services, inbox_id)
    shown = admin.get(f"/api/v1/email-inbox/{inbox_id}").json()
    assert shown["active"] is True and shown["status"]["failedReads"] == 1
    assert "AUTHENTICATIONFAILED" in shown["status"]["lastError"] or "failed" in shown["status"]["lastError"]
    read_inbox(services, inbox_id)  # maxRetries is 2
    assert admin.get(f"/api/v1/email-inbox/{inbox_id}").json()["active"] is False


def test_a_reply_waits_for_the_inbox_smtp_server_and_is_retried(
    services: Services, admin: Persona, agent: Persona, imap: ImapServer, smtp: SmtpServer
) -> None:
    set_available(services, agent)
    inbox_id, address = _new_inbox(admin, imap, smtp)
    imap.deliver(address, PASSWORD, _email(to=address)[0])
    read_inbox(services, inbox_id)
    (room,) = _rooms(services)
    smtp.handler.reply = "451 Try again later"
    send_as_agent(agent, room.id, "On it.")
    assert deliver_pending(services) == 0
    with services.transaction() as session:
        (row,) = session.scalars(select(OutboundEmail)).all()
        assert (row.status, row.attempts, row.inbox_id) == ("pending", 1, inbox_id)
        assert "451" in (row.last_error or "")


def test_mime_parsing_html_encoded_words_and_attachments() -> None:
    message = EmailMessage()
    message["From"] = "=?utf-8?q?Jos=C3=A9_Mar=C3=ADa?= <jose@example.es>"
    message["To"] = "support@acme.example.com"
    message["Subject"] = "=?utf-8?b?wr9Ew7NuZGUgZXN0w6EgbWkgcGVkaWRvPw==?="
    message["Message-ID"] = "<abc@example.es>"
    message["Reply-To"] = "Billing <billing@example.es>"
    message.set_content(
        "<html><head><style>p{}</style></head><body><p>Hola,</p><p>¿y mi <b>pedido</b>?</p>"
        "<script>alert(1)</script></body></html>",
        subtype="html",
    )
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="factura.pdf")
    parsed = parse_email(bytes(message))
    assert (parsed.from_name, parsed.from_address, parsed.reply_to) == (
        "José María",
        "jose@example.es",
        "billing@example.es",
    )
    assert parsed.subject == "¿Dónde está mi pedido?"
    assert parsed.text == "Hola,\n\n¿y mi pedido?"
    assert parsed.attachments == ["factura.pdf"]
    assert parsed.message_id == "abc@example.es" and not parsed.automatic
    assert html_to_text("<div>a<br>b</div>") == "a\nb"


def test_only_the_new_part_of_a_reply_is_kept() -> None:
    outlook = "Fine, thanks.\n\n-----Original Message-----\nFrom: Support\nSent: Monday"
    assert strip_quoted_reply(outlook) == "Fine, thanks."
    assert strip_quoted_reply("Yes.\n> Did it arrive?\n>\n> Ada") == "Yes."
    assert (
        strip_quoted_reply("Le lun. 30 nov. 2026, Ada a écrit :\n> x")
        == "Le lun. 30 nov. 2026, Ada a écrit :\n> x"
    )
    assert strip_quoted_reply("I wrote 2 > 1\nand more") == "I wrote 2 > 1\nand more"


def test_the_send_test_endpoint_uses_the_inbox_server(
    services: Services, admin: Persona, imap: ImapServer, smtp: SmtpServer
) -> None:
    inbox_id, address = _new_inbox(admin, imap, smtp)
    assert admin.post(f"/api/v1/email-inbox.send-test/{inbox_id}").status_code == 200
    assert deliver_pending(services) == 1
    (sent,) = smtp.messages
    assert sent.message["From"] == f"Acme Support <{address}>"
