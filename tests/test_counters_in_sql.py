"""Counters are incremented in SQL: a transaction that read a counter before another one committed its
own increment still adds to it, where writing back its read plus one would lose that increment
(PostgreSQL's READ COMMITTED lets the second UPDATE overwrite the first). Each test plays the other
transaction with a statement that changes the row behind the session's back, between its read and
its write."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from omnidesk.actions.messages import add_message, delete_message
from omnidesk.actions.verification import MAX_ATTEMPTS, WrongCode, confirm_verification
from omnidesk.models import ContactVerification, Message, Room
from omnidesk.queries.verification import pending_verification
from omnidesk.services import Services
from tests.helpers import Persona
from tests.livechat_helpers import guest, set_available, set_setting


def _count(services: Services, rid: str) -> int:
    with services.transaction() as session:
        count = session.scalar(select(Room.message_count).where(Room.id == rid))
        assert count is not None
        return count


def test_a_message_adds_to_the_rooms_count_as_it_is_when_written(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-counter")
    visitor.register(name="Cole Counter")
    rid = visitor.open_room()["_id"]
    assert visitor.say(rid, "first").status_code == 200
    before = _count(services, rid)

    with services.transaction() as session:
        room = session.get(Room, rid)
        assert room is not None and room.message_count == before
        session.execute(
            text("UPDATE rooms SET message_count = message_count + 5 WHERE id = :id"), {"id": rid}
        )
        add_message(
            session,
            room=room,
            author_kind="visitor",
            author_id=room.visitor_id,
            author_username="guest",
            author_name=None,
            msg="second",
        )
        assert room.message_count == before + 6  # read back from the row, not kept from before
    assert _count(services, rid) == before + 6


def test_a_deleted_message_takes_one_from_the_count_as_it_is_when_written(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_available(services, agent)
    visitor = guest(anonymous, "token-counter-delete")
    visitor.register(name="Dora Delete")
    rid = visitor.open_room()["_id"]
    message_id = visitor.say(rid, "to delete").json()["message"]["_id"]
    before = _count(services, rid)

    with services.transaction() as session:
        room = session.get(Room, rid)
        message = session.get(Message, message_id)
        assert room is not None and message is not None
        session.execute(
            text("UPDATE rooms SET message_count = message_count + 5 WHERE id = :id"), {"id": rid}
        )
        delete_message(session, room=room, message=message)
    assert _count(services, rid) == before + 4

    with services.transaction() as session:
        session.execute(text("UPDATE rooms SET message_count = 0 WHERE id = :id"), {"id": rid})
    second = visitor.say(rid, "another").json()["message"]["_id"]
    with services.transaction() as session:
        room, message = session.get(Room, rid), session.get(Message, second)
        assert room is not None and message is not None
        session.execute(text("UPDATE rooms SET message_count = 0 WHERE id = :id"), {"id": rid})
        delete_message(session, room=room, message=message)
    assert _count(services, rid) == 0  # never below zero


def test_a_wrong_code_counts_on_top_of_the_attempts_made_meanwhile(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    set_setting(services, "Livechat_Require_Contact_Verification", "once")
    set_available(services, agent)
    visitor = guest(anonymous, "token-counter-code")
    visitor.register(name="Cora Counter")
    rid = visitor.open_room()["_id"]
    requested = visitor.client.post(
        "/api/v1/livechat/verification.request",
        json={"token": visitor.token, "rid": rid, "email": "cora@example.com"},
    )
    assert requested.status_code == 200, requested.text

    with services.transaction() as session:
        room = session.get(Room, rid)
        pending = pending_verification(session, rid)
        assert room is not None and pending is not None and pending.attempts == 0
        session.execute(
            text("UPDATE contact_verifications SET attempts = attempts + 2 WHERE id = :id"),
            {"id": pending.id},
        )
        with pytest.raises(WrongCode) as refused:
            confirm_verification(session, room=room, code="not-the-code")
        assert refused.value.attempts_left == MAX_ATTEMPTS - 3
    with services.transaction() as session:
        attempts = session.scalar(
            select(ContactVerification.attempts).where(ContactVerification.room_id == rid)
        )
    assert attempts == 3
