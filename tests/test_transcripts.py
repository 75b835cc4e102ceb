"""Chat transcripts: emailed on a visitor's request, requested by staff for when the chat closes, sent
on close from ``room.closeByUser``, and downloaded as a PDF. Email goes to a real local SMTP server."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from omnidesk.models import OutboundEmail, PermissionRole
from omnidesk.queries import transcripts
from omnidesk.services import Services
from omnidesk.workers.mail_delivery import deliver_pending
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import Guest, guest, send_as_agent, set_available, set_setting
from tests.smtp_server import SmtpServer, running_smtp_server


@pytest.fixture
def smtp(services: Services) -> Iterator[SmtpServer]:
    with running_smtp_server() as server:
        set_setting(services, "SMTP_Host", server.host)
        set_setting(services, "SMTP_Port", server.port)
        yield server


@pytest.fixture
def ada(services: Services, anonymous: TestClient, agent: Persona) -> Guest:
    set_available(services, agent)
    visitor = guest(anonymous, "token-ada", widget=True)
    visitor.register(name="Ada Lovelace", email="ada@example.com")
    return visitor


def _chat(visitor: Guest, agent: Persona) -> str:
    rid: str = visitor.open_room()["_id"]
    assert visitor.say(rid, "Hello, my order is late").status_code == 200
    assert send_as_agent(agent, rid, "Sorry to hear that, let me check").status_code == 200
    return rid


def _close(agent: Persona, rid: str, **body: Any) -> Any:
    response = agent.post("/api/v1/livechat/room.closeByUser", json={"rid": rid, **body})
    assert response.status_code == 200, response.text
    return response


def _queued(services: Services) -> list[OutboundEmail]:
    with services.transaction() as session:
        rows = list(session.scalars(select(OutboundEmail).order_by(OutboundEmail.created_at)))
        session.expunge_all()
        return rows


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- the visitor asks ------------------------------------------------------------------------------


def test_a_visitor_gets_the_transcript_by_email_over_smtp(
    services: Services, anonymous: TestClient, agent: Persona, ada: Guest, smtp: SmtpServer
) -> None:
    rid = _chat(ada, agent)
    response = anonymous.post(
        "/api/v1/livechat/transcript",
        json={"rid": rid, "token": "token-ada", "email": "Ada@Example.com", "subject": "Our chat"},
    )
    assert response.json() == {"message": "Livechat transcript sent", "delivery": "sending", "success": True}
    assert smtp.messages == []  # queued in the request, delivered by the worker

    assert deliver_pending(services) == 1

    [received] = smtp.messages
    assert received.recipients == ["ada@example.com"]
    assert received.message["Subject"] == "Our chat"
    text = received.part("text/plain")
    assert "Ada Lovelace: Hello, my order is late" in text
    assert "Alex Agent: Sorry to hear that, let me check" in text
    assert "Contact: Ada Lovelace" in text and "Agent: Alex Agent" in text
    assert "Closed: still open" in text  # a visitor may ask while the chat goes on
    html = received.part("text/html")
    assert "Hello, my order is late" in html and "<strong>Ada Lovelace</strong>" in html
    assert _queued(services)[0].room_id == rid


def test_with_email_delivery_off_the_answer_says_the_transcript_is_queued(
    services: Services, anonymous: TestClient, agent: Persona, ada: Guest
) -> None:
    rid = _chat(ada, agent)
    body = {"rid": rid, "token": "token-ada", "email": "ada@example.com"}
    response = anonymous.post("/api/v1/livechat/transcript", json=body)
    assert response.json() == {
        "message": "Livechat transcript queued: email delivery is off",
        "delivery": "queued",
        "success": True,
    }
    assert [email.status for email in _queued(services)] == ["pending"]
    assert deliver_pending(services) == 0  # it waits for SMTP_Host

    with running_smtp_server() as server:
        set_setting(services, "SMTP_Host", server.host)
        set_setting(services, "SMTP_Port", server.port)
        assert deliver_pending(services) == 1
        assert server.messages[0].recipients == ["ada@example.com"]


def test_the_html_transcript_escapes_what_people_wrote(
    services: Services, anonymous: TestClient, agent: Persona, ada: Guest, smtp: SmtpServer
) -> None:
    rid = ada.open_room()["_id"]
    ada.say(rid, "<script>alert(1)</script> & more")
    anonymous.post("/api/v1/livechat/transcript", json={"rid": rid, "token": "token-ada", "email": "a@b.co"})
    deliver_pending(services)
    html = smtp.messages[0].part("text/html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert smtp.messages[0].message["Subject"] == "Transcript of your chat"


def test_a_visitor_transcript_is_refused_for_bad_input(
    services: Services, anonymous: TestClient, agent: Persona, ada: Guest
) -> None:
    rid = _chat(ada, agent)
    other = guest(anonymous, "token-other")
    other.register(name="Other")
    send = "/api/v1/livechat/transcript"
    body = {"rid": rid, "token": "token-ada", "email": "ada@example.com"}
    assert_error(anonymous.post(send, json={**body, "email": "not-an-email"}), 400, "error-invalid-email")
    # Rocket.Chat's sendTranscript words; another visitor's room is one that does not exist.
    wrong_token = anonymous.post(send, json={**body, "token": "nope"})
    assert_error(wrong_token, 400, "error-invalid-visitor", "error-invalid-visitor")
    assert_error(anonymous.post(send, json={**body, "token": "token-other"}), 400, "error-invalid-room")
    no_room = anonymous.post(send, json={**body, "rid": "NoSuchRoom"})
    assert_error(no_room, 400, "error-invalid-room", "error-invalid-room")
    missing = assert_error(
        anonymous.post(send, json={"rid": rid, "token": "token-ada"}), 400, "invalid-params"
    )
    assert missing["error"] == "must have required property 'email' [invalid-params]"
    assert_error(anonymous.post(send, json={**body, "extra": 1}), 400, "invalid-params")
    assert_error(anonymous.post(send, json={**body, "email": 7}), 400, "invalid-params")
    set_setting(services, "Livechat_enable_transcript", False)
    assert_error(anonymous.post(send, json=body), 400, "error-transcript-not-enabled")
    assert _queued(services) == []


# --- staff request it for when the chat closes -----------------------------------------------------


def test_an_agent_requests_the_transcript_and_it_is_sent_when_the_chat_closes(
    services: Services, agent: Persona, ada: Guest, smtp: SmtpServer
) -> None:
    rid = _chat(ada, agent)
    path = f"/api/v1/livechat/transcript/{rid}"
    requested = agent.post(path, json={"email": "Copy@Example.com", "subject": "Your chat"})
    assert requested.json() == {"success": True}
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": rid}).json()["room"]
    assert info["transcriptRequest"] == {"email": "copy@example.com"}
    assert _queued(services) == []
    again = agent.post(path, json={"email": "other@example.com", "subject": "Again"})
    assert_error(again, 400, "error-transcript-already-requested")

    _close(agent, rid, comment="Resolved")
    deliver_pending(services)

    [received] = smtp.messages
    assert received.recipients == ["copy@example.com"]
    assert received.message["Subject"] == "Transcript of your chat"  # the subject is not kept
    text = received.part("text/plain")
    assert "Ada Lovelace: Hello, my order is late" in text
    assert "-- Chat closed by Alex Agent: Resolved --" in text
    assert "Closed: still open" not in text
    assert_error(
        agent.post(path, json={"email": "late@example.com", "subject": "x"}), 400, "error-invalid-room"
    )


def test_a_requested_transcript_is_sent_when_the_visitor_closes_the_chat(
    services: Services, agent: Persona, ada: Guest
) -> None:
    rid = _chat(ada, agent)
    agent.post(f"/api/v1/livechat/transcript/{rid}", json={"email": "ada@example.com", "subject": "s"})
    assert ada.close(rid).status_code == 200
    [queued] = _queued(services)
    assert (queued.to_address, queued.room_id) == ("ada@example.com", rid)
    assert "Chat closed by Ada Lovelace: Closed by visitor" in queued.body_text


def test_a_transcript_request_can_be_withdrawn_while_the_chat_is_open(
    services: Services, agent: Persona, ada: Guest
) -> None:
    rid = _chat(ada, agent)
    path = f"/api/v1/livechat/transcript/{rid}"
    not_requested = agent.client.delete(path, headers=agent.headers)
    assert_error(
        not_requested,
        400,
        "error-transcript-not-requested",
        "Transcript not requested [error-transcript-not-requested]",
    )
    agent.post(path, json={"email": "ada@example.com", "subject": "s"})
    assert agent.client.delete(path, headers=agent.headers).json() == {"success": True}
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": rid}).json()["room"]
    assert "transcriptRequest" not in info
    _close(agent, rid)
    assert _queued(services) == []
    assert_error(agent.client.delete(path, headers=agent.headers), 400, "error-invalid-room")


def test_requesting_a_transcript_needs_the_permission_and_access_to_the_chat(
    services: Services, agent: Persona, agent2: Persona, ada: Guest, anonymous: TestClient
) -> None:
    rid = _chat(ada, agent)
    path = f"/api/v1/livechat/transcript/{rid}"
    body = {"email": "ada@example.com", "subject": "s"}
    assert_error(agent2.post(path, json=body), 403, "error-unauthorized")  # not bea's chat
    assert anonymous.post(path, json=body).status_code == 401
    assert_error(agent.post("/api/v1/livechat/transcript/NoSuchRoom", json=body), 400, "error-invalid-room")
    assert_error(agent.post(path, json={"email": "nope", "subject": "s"}), 400, "error-invalid-email")
    assert_error(agent.post(path, json={"email": "ada@example.com"}), 400, "invalid-params")
    _revoke(services, "send-omnichannel-chat-transcript", "livechat-agent")
    assert_error(agent.post(path, json=body), 403, "error-unauthorized")
    assert_error(agent.client.delete(path, headers=agent.headers), 403, "error-unauthorized")


def _revoke(services: Services, permission: str, role: str) -> None:
    with services.transaction() as session:
        grant = session.get(PermissionRole, (permission, role))
        assert grant is not None
        session.delete(grant)


# --- closing with transcriptEmail ------------------------------------------------------------------


def test_closing_with_transcript_email_sends_it_to_the_given_address(
    services: Services, agent: Persona, ada: Guest, smtp: SmtpServer
) -> None:
    rid = _chat(ada, agent)
    _close(
        agent,
        rid,
        transcriptEmail={
            "sendToVisitor": True,
            "requestData": {"email": "ada@work.example", "subject": "Chat"},
        },
    )
    deliver_pending(services)
    [received] = smtp.messages
    assert (received.recipients, received.message["Subject"]) == (["ada@work.example"], "Chat")
    assert "Alex Agent: Sorry to hear that, let me check" in received.part("text/plain")


def test_closing_with_send_to_visitor_and_no_address_uses_the_visitors_email(
    services: Services, agent: Persona, ada: Guest
) -> None:
    rid = _chat(ada, agent)
    _close(agent, rid, transcriptEmail={"sendToVisitor": True})
    assert [row.to_address for row in _queued(services)] == ["ada@example.com"]


def test_closing_without_send_to_visitor_sends_nothing(
    services: Services, agent: Persona, ada: Guest
) -> None:
    rid = _chat(ada, agent)
    _close(agent, rid, transcriptEmail={"sendToVisitor": False})
    assert _queued(services) == []


def test_closing_with_a_bad_transcript_address_keeps_the_chat_open(
    services: Services, agent: Persona, ada: Guest
) -> None:
    rid = _chat(ada, agent)
    bad = {"sendToVisitor": True, "requestData": {"email": "nope", "subject": "s"}}
    response = agent.post("/api/v1/livechat/room.closeByUser", json={"rid": rid, "transcriptEmail": bad})
    assert_error(response, 400, "error-invalid-email")
    assert agent.get("/api/v1/livechat/room.info", params={"roomId": rid}).json()["room"]["open"] is True
    missing = {"sendToVisitor": True, "requestData": {"email": "a@b.co"}}
    response = agent.post("/api/v1/livechat/room.closeByUser", json={"rid": rid, "transcriptEmail": missing})
    assert_error(response, 400, "invalid-params")
    _revoke(services, "send-omnichannel-chat-transcript", "livechat-agent")
    response = agent.post(
        "/api/v1/livechat/room.closeByUser", json={"rid": rid, "transcriptEmail": {"sendToVisitor": True}}
    )
    assert_error(response, 403, "error-unauthorized")
    assert _queued(services) == []


# --- PDF ---------------------------------------------------------------------------------------------


def test_a_closed_chat_downloads_as_a_pdf(services: Services, agent: Persona, ada: Guest) -> None:
    set_setting(services, "Site_Name", "Acme Support")
    rid = _chat(ada, agent)
    assert agent.post("/api/v1/livechat/room.onHold", json={"roomId": rid}).status_code == 200
    assert agent.post("/api/v1/livechat/room.resumeOnHold", json={"roomId": rid}).status_code == 200
    _close(agent, rid, comment="Resolved")

    response = agent.get(f"/api/v1/omnichannel/{rid}/transcript.pdf")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="transcript-{rid}.pdf"'
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    for expected in (
        "Acme Support",
        "Contact: Ada Lovelace",
        "Agent: Alex Agent",
        "Channel: Web widget (shop.example.com)",
        "Hello, my order is late",
        "Sorry to hear that, let me check",
        "Chat placed on hold by Alex Agent",
        "Chat resumed by Alex Agent",
        "Chat closed by Alex Agent: Resolved",
    ):
        assert expected in text, expected
    requested = agent.post(f"/api/v1/omnichannel/{rid}/request-transcript")
    assert requested.json() == {"success": True}


def test_an_open_chat_has_no_pdf_transcript(agent: Persona, ada: Guest) -> None:
    rid = _chat(ada, agent)
    assert_error(agent.get(f"/api/v1/omnichannel/{rid}/transcript.pdf"), 400, "room-still-open")
    assert_error(agent.post(f"/api/v1/omnichannel/{rid}/request-transcript"), 400, "room-still-open")


def test_the_pdf_transcript_needs_the_permission_and_access_to_the_chat(
    services: Services, agent: Persona, agent2: Persona, manager: Persona, ada: Guest, anonymous: TestClient
) -> None:
    rid = _chat(ada, agent)
    _close(agent, rid)
    path = f"/api/v1/omnichannel/{rid}/transcript.pdf"
    assert_error(agent2.get(path), 403, "error-unauthorized")  # not bea's chat
    assert anonymous.get(path).status_code == 401
    assert manager.get(path).status_code == 200  # managers see every chat
    assert_error(agent.get("/api/v1/omnichannel/NoSuchRoom/transcript.pdf"), 400, "error-invalid-room")
    _revoke(services, "request-pdf-transcript", "livechat-agent")
    assert_error(agent.get(path), 403, "error-unauthorized")
    assert_error(agent.post(f"/api/v1/omnichannel/{rid}/request-transcript"), 403, "error-unauthorized")


def test_the_pdf_transcript_prints_any_script(services: Services, agent: Persona, ada: Guest) -> None:
    rid = ada.open_room()["_id"]
    ada.say(rid, "Grüße aus Köln — Привет, 你好 😀\twith a tab")
    send_as_agent(agent, rid, "x" * 500)  # one long word wraps instead of overflowing
    _close(agent, rid)
    response = agent.get(f"/api/v1/omnichannel/{rid}/transcript.pdf")
    assert response.status_code == 200, response.text
    text = _pdf_text(response.content)
    assert "Grüße aus Köln" in text
    if transcripts._font_files() is not None:
        assert "Привет" in text


def test_without_a_unicode_font_the_pdf_falls_back_instead_of_failing(
    agent: Persona, ada: Guest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transcripts, "_font_files", lambda: None)
    rid = ada.open_room()["_id"]
    ada.say(rid, "Grüße — Привет 你好")
    _close(agent, rid)
    response = agent.get(f"/api/v1/omnichannel/{rid}/transcript.pdf")
    assert response.status_code == 200, response.text
    text = _pdf_text(response.content)
    assert "Grüße" in text and "Ada Lovelace" in text
