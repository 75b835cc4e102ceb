"""Staff email the transcript of a chat, closed ones included (``POST omnichannel/{rid}/transcript.email``,
the Contact Center's quick action on closed chats)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from omnidesk.models import OutboundEmail, PermissionRole
from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import guest, send_as_agent, set_available, set_setting


def _closed_chat(services: Services, anonymous: TestClient, agent: Persona) -> str:
    set_available(services, agent)
    visitor = guest(anonymous, "token-grace", widget=True)
    visitor.register(name="Grace Hopper", email="grace@example.com")
    rid: str = visitor.open_room()["_id"]
    assert visitor.say(rid, "Where is my parcel?").status_code == 200
    assert send_as_agent(agent, rid, "On its way, it arrives tomorrow").status_code == 200
    closed = agent.post("/api/v1/livechat/room.closeByUser", json={"rid": rid, "comment": "Answered"})
    assert closed.status_code == 200, closed.text
    return rid


def _emails(services: Services) -> list[OutboundEmail]:
    with services.transaction() as session:
        rows = list(session.scalars(select(OutboundEmail)))
        session.expunge_all()
        return rows


def test_an_agent_emails_the_transcript_of_a_closed_chat(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    rid = _closed_chat(services, anonymous, agent)
    response = agent.post(
        f"/api/v1/omnichannel/{rid}/transcript.email",
        json={"email": "Boss@Example.com", "subject": "Parcel chat"},
    )
    # Email delivery is off (no SMTP_Host): the answer says the transcript waits.
    assert response.json() == {
        "message": "Livechat transcript queued: email delivery is off",
        "delivery": "queued",
        "success": True,
    }
    [email] = _emails(services)
    assert email.to_address == "boss@example.com" and email.subject == "Parcel chat"
    assert "Where is my parcel?" in email.body_text and "Chat closed by" in email.body_text

    agent.post(f"/api/v1/omnichannel/{rid}/transcript.email", json={"email": "boss@example.com"})
    subjects = {email.subject for email in _emails(services)}
    assert subjects == {"Parcel chat", "Transcript of your chat"}  # without a subject, the default one


def test_emailing_a_transcript_needs_the_permission_a_good_address_and_access(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    rid = _closed_chat(services, anonymous, agent)
    path = f"/api/v1/omnichannel/{rid}/transcript.email"
    assert_error(agent.post(path, json={"email": "not an address"}), 400, "error-invalid-email")
    assert_error(agent2.post(path, json={"email": "x@example.com"}), 403, "error-unauthorized")
    assert_error(agent.post(path, json={"email": "x@example.com", "cc": "y"}), 400, "invalid-params")
    missing = "/api/v1/omnichannel/no-such-room/transcript.email"
    assert_error(manager.post(missing, json={"email": "x@example.com"}), 400, "error-invalid-room")
    with services.transaction() as session:
        session.execute(
            delete(PermissionRole).where(PermissionRole.permission_id == "send-omnichannel-chat-transcript")
        )
    assert_error(manager.post(path, json={"email": "x@example.com"}), 403, "error-unauthorized")
    assert _emails(services) == []


def test_with_email_delivery_on_the_answer_says_the_transcript_is_being_sent(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    rid = _closed_chat(services, anonymous, agent)
    set_setting(services, "SMTP_Host", "smtp.example.com")
    response = agent.post(f"/api/v1/omnichannel/{rid}/transcript.email", json={"email": "pat@example.com"})
    assert response.json() == {"message": "Livechat transcript sent", "delivery": "sending", "success": True}
    assert [email.status for email in _emails(services)] == ["pending"]  # the mail worker sends it
