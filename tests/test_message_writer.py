"""Visitors' messages through the group-commit writer: many sent at once form one batch, each is
answered as it was when every message was a transaction of its own — the plain ones and each unusual
case alike — and a message that fails fails alone.

The ``held`` fixture holds the writer's first batch until every other request is queued behind it,
so that those requests certainly arrive in one batch."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from omnidesk.actions.message_batches import VisitorMessage
from omnidesk.api import message_writer
from omnidesk.api.message_writer import MessageWriter
from omnidesk.events import Event, MessageSent
from omnidesk.models import ContactChannel, Message, Room, Visitor
from omnidesk.services import Services
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import Guest, guest, set_available


class Held:
    """The writer's batches, and a way to send requests so that they arrive in one."""

    def __init__(self, writer: MessageWriter) -> None:
        self.writer = writer
        self.sizes: list[int] = []
        self.release = threading.Event()
        self.release.set()
        self.holding = 0  # messages in the batch held

    def at_once(self, calls: Sequence[Callable[[], Any]]) -> list[Any]:
        """Run ``calls`` at once: the first alone in a batch the writer holds until all the others are
        queued behind it, so that they make the next batch."""
        self.release.clear()
        self.holding, first = 0, len(self.sizes)
        results: list[Any] = [None] * len(calls)

        def run(index: int) -> None:
            results[index] = calls[index]()

        threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
        threads[0].start()
        _wait_for(lambda: self.holding == 1)
        for thread in threads[1:]:
            thread.start()
        _wait_for(lambda: self.writer._queue.qsize() == len(calls) - 1)
        self.release.set()
        for thread in threads:
            thread.join()
        self.batches = self.sizes[first:]
        return results


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the requests did not reach the writer"
        time.sleep(0.002)


@pytest.fixture
def held(anonymous: TestClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    holder = Held(anonymous.app.state.message_writer)  # type: ignore[attr-defined]
    write = message_writer.write_plain_messages

    def holding(session: Any, messages: Sequence[VisitorMessage]) -> Any:
        if not holder.release.is_set():
            holder.holding = len(messages)
            holder.release.wait(10)
        holder.sizes.append(len(messages))
        return write(session, messages)

    monkeypatch.setattr(message_writer, "write_plain_messages", holding)
    yield holder
    holder.release.set()


def _visitor(client: TestClient, token: str, name: str) -> tuple[Guest, str]:
    visitor = guest(client, token, widget=True)
    visitor.register(name=name)
    return visitor, visitor.open_room()["_id"]


def _stored(services: Services, room_id: str) -> list[Message]:
    with services.transaction() as session:
        return list(
            session.scalars(
                select(Message).where(Message.room_id == room_id).order_by(Message.created_at, Message.id)
            )
        )


def _room(services: Services, room_id: str) -> Room:
    with services.transaction() as session:
        room = session.get(Room, room_id)
        assert room is not None
        return room


def test_fifty_visitors_writing_at_once_are_written_in_one_batch_and_each_answered(
    services: Services, anonymous: TestClient, agent: Persona, held: Held, published: list[Event]
) -> None:
    set_available(services, agent)
    chats = [_visitor(anonymous, f"token-batch-{n}", f"Batch Visitor {n}") for n in range(50)]
    counts = {rid: _room(services, rid).message_count for _, rid in chats}

    answers = held.at_once([lambda v=v, rid=rid: v.say(rid, f"hello from {rid}") for v, rid in chats])

    assert held.batches == [1, 49]  # the other 49 in one batch behind the one held
    for (_, rid), answer in zip(chats, answers, strict=True):
        assert answer.status_code == 200, answer.text
        message = answer.json()["message"]
        assert (message["rid"], message["msg"]) == (rid, f"hello from {rid}")
        assert message["u"]["name"].startswith("Batch Visitor")
        (stored,) = [row for row in _stored(services, rid) if row.author_kind == "visitor"]
        assert stored.id == message["_id"]
        room = _room(services, rid)
        assert room.message_count == counts[rid] + 1
        assert (room.last_message_id, room.waiting_response, room.awaiting_visitor_since) == (
            stored.id,
            True,
            None,
        )
    sent = [event for event in published if isinstance(event, MessageSent)]
    assert len(sent) == 50
    assert all(event.message is not None and event.message["id"] == event.message_id for event in sent)
    assert all(event.agent_id == agent.id for event in sent)


def test_one_visitors_messages_in_one_batch_keep_their_order_and_all_count(
    services: Services, anonymous: TestClient, agent: Persona, held: Held
) -> None:
    set_available(services, agent)
    visitor, rid = _visitor(anonymous, "token-batch-order", "Orla Order")
    before = _room(services, rid).message_count

    answers = held.at_once([lambda n=n: visitor.say(rid, f"part {n}") for n in range(10)])

    assert held.batches == [1, 9]
    assert all(answer.status_code == 200 for answer in answers)
    stored = [row for row in _stored(services, rid) if row.author_kind == "visitor"]
    assert len(stored) == 10
    moments = [row.created_at for row in stored]
    assert moments == sorted(moments) and len(set(moments)) == 10  # a strict order, no tie
    room = _room(services, rid)
    assert room.message_count == before + 10
    assert room.last_message_id == stored[-1].id
    # The history shows them in the order they were stored.
    assert [m["_id"] for m in visitor.history(rid)] == [row.id for row in reversed(stored)]


def test_every_unusual_message_in_a_batch_is_answered_as_when_sent_alone(
    services: Services, anonymous: TestClient, agent: Persona, held: Held
) -> None:
    set_available(services, agent)
    plain, plain_rid = _visitor(anonymous, "token-u-plain", "Uma Plain")
    opener = guest(anonymous, "token-u-opener", widget=True)
    opener.register(name="Otto Opener")
    held_chat, held_rid = _visitor(anonymous, "token-u-held", "Hilda Held")
    assert agent.post("/api/v1/livechat/room.onHold", json={"roomId": held_rid}).status_code == 200
    closed, closed_rid = _visitor(anonymous, "token-u-closed", "Clara Closed")
    assert closed.close(closed_rid).status_code == 200
    retrying, retry_rid = _visitor(anonymous, "token-u-retry", "Remy Retry")
    first_send = retrying.say(retry_rid, "sent once", _id="retriedMessageId01").json()["message"]
    other, other_rid = _visitor(anonymous, "token-u-other", "Olga Other")
    blocked, blocked_rid = _visitor(anonymous, "token-u-blocked", "Bob Blocked")
    with services.transaction() as session:
        visitor_id = session.scalar(select(Visitor.id).where(Visitor.token == "token-u-blocked"))
        channel = session.scalar(select(ContactChannel).where(ContactChannel.visitor_id == visitor_id))
        assert channel is not None
        channel.blocked = True
    lead, lead_rid = _visitor(anonymous, "token-u-lead", "Lena Lead")
    new_rid = "roomNamedByItsFirst1"

    calls: dict[str, Callable[[], Any]] = {
        "plain": lambda: plain.say(plain_rid, "just a message"),
        "opens": lambda: opener.say(new_rid, "hello, new room"),
        "on hold": lambda: held_chat.say(held_rid, "back again"),
        "closed": lambda: closed.say(closed_rid, "anyone?"),
        "retried": lambda: retrying.say(retry_rid, "sent once", _id="retriedMessageId01"),
        "twice 1": lambda: other.say(other_rid, "twice", _id="sentTwiceInABatch1"),
        "twice 2": lambda: other.say(other_rid, "twice", _id="sentTwiceInABatch1"),
        "id of another room": lambda: plain.say(plain_rid, "mine?", _id="retriedMessageId01"),
        "bad token": lambda: guest(anonymous, "token-nobody").say(plain_rid, "who am I"),
        "another visitor's room": lambda: other.say(plain_rid, "not my room"),
        "empty": lambda: plain.say(plain_rid, "   "),
        "too long": lambda: plain.say(plain_rid, "x" * 5001),
        "blocked": lambda: blocked.say(blocked_rid, "spam"),
        "lead": lambda: lead.say(lead_rid, "write to lena@example.com please"),
    }
    names = list(calls)
    answers = dict(zip(names, held.at_once([calls[name] for name in names]), strict=True))
    assert held.batches == [1, len(calls) - 1]

    for name in ("plain", "opens", "on hold", "retried", "twice 1", "twice 2", "lead"):
        assert answers[name].status_code == 200, (name, answers[name].text)
    assert_error(answers["closed"], 400, "room-closed", "room-closed")
    assert_error(answers["id of another room"], 400, "error-message-already-exists")
    assert_error(answers["bad token"], 400, "invalid-token")
    assert_error(answers["another visitor's room"], 400, "invalid-room")
    assert_error(answers["empty"], 400, "error-invalid-message")
    assert_error(answers["too long"], 400, "error-message-size-exceeded")
    assert_error(answers["blocked"], 400, "error-contact-channel-blocked")

    opened = _room(services, new_rid)  # the first message opened the room it named
    assert opened.open and [m.msg for m in _stored(services, new_rid)] == ["hello, new room"]
    assert _room(services, held_rid).on_hold is False
    assert "omnichannel_on_hold_chat_resumed" in [m.type for m in _stored(services, held_rid)]
    assert answers["retried"].json()["message"] == first_send
    twice = [row for row in _stored(services, other_rid) if row.author_kind == "visitor"]
    assert [row.id for row in twice] == ["sentTwiceInABatch1"]
    assert answers["twice 1"].json()["message"] == answers["twice 2"].json()["message"]
    with services.transaction() as session:
        assert (
            session.scalar(select(Visitor.email).where(Visitor.token == "token-u-lead")) == "lena@example.com"
        )
    assert [m.msg for m in _stored(services, closed_rid) if m.author_kind == "visitor"] == []
    assert [m.msg for m in _stored(services, plain_rid) if m.author_kind == "visitor"] == ["just a message"]


@pytest.fixture
def refuses_boom(services: Services) -> Iterator[None]:
    """A database that refuses to store the message "boom", as it might refuse any one row."""
    if services.db.dialect == "sqlite":
        create = [
            "CREATE TRIGGER test_refuse_boom BEFORE INSERT ON messages WHEN NEW.msg = 'boom' "
            "BEGIN SELECT RAISE(ABORT, 'boom refused'); END"
        ]
        drop = ["DROP TRIGGER test_refuse_boom"]
    else:
        create = [
            "CREATE FUNCTION test_refuse_boom() RETURNS trigger AS $$ BEGIN IF NEW.msg = 'boom' THEN "
            "RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER test_refuse_boom BEFORE INSERT ON messages FOR EACH ROW "
            "EXECUTE FUNCTION test_refuse_boom()",
        ]
        drop = ["DROP TRIGGER test_refuse_boom ON messages", "DROP FUNCTION test_refuse_boom()"]
    with services.db.engine.begin() as connection:
        for statement in create:
            connection.execute(text(statement))
    try:
        yield
    finally:
        with services.db.engine.begin() as connection:
            for statement in drop:
                connection.execute(text(statement))


def test_a_message_that_fails_in_a_batch_fails_alone(
    services: Services, anonymous: TestClient, agent: Persona, held: Held, refuses_boom: None
) -> None:
    set_available(services, agent)
    chats = [_visitor(anonymous, f"token-boom-{n}", f"Boom Neighbour {n}") for n in range(8)]

    texts = ["fine"] * 4 + ["boom"] + ["fine"] * 3
    answers = held.at_once(
        [lambda v=v, rid=rid, t=t: v.say(rid, t) for (v, rid), t in zip(chats, texts, strict=True)]
    )

    assert held.batches == [1, 7]  # "boom" in a batch of seven
    for ((_, rid), words), answer in zip(zip(chats, texts, strict=True), answers, strict=True):
        visitor_messages = [m.msg for m in _stored(services, rid) if m.author_kind == "visitor"]
        if words == "boom":
            assert answer.status_code == 500, answer.text
            assert answer.json()["success"] is False
            assert visitor_messages == []
        else:
            assert answer.status_code == 200, answer.text
            assert visitor_messages == ["fine"]


def test_the_writer_keeps_its_bound_and_writes_what_is_queued_before_it_stops(
    services: Services, anonymous: TestClient, agent: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_available(services, agent)
    visitor, rid = _visitor(anonymous, "token-drain", "Dana Drain")
    monkeypatch.setattr(message_writer, "MAX_WAITING", 4)
    sizes: list[int] = []
    release = threading.Event()
    write = message_writer.write_plain_messages

    def holding(session: Any, messages: Sequence[VisitorMessage]) -> Any:
        release.wait(10)
        sizes.append(len(messages))
        return write(session, messages)

    monkeypatch.setattr(message_writer, "write_plain_messages", holding)
    writer = MessageWriter(services)

    async def scenario() -> list[dict[str, Any]]:
        async with writer.running():
            sends = [
                asyncio.create_task(
                    writer.send(VisitorMessage(visitor.token, rid, f"queued {n}", None, {"type": "widget"}))
                )
                for n in range(10)
            ]
            await asyncio.sleep(0.2)
            assert writer._queue.qsize() <= 3  # one held in the writer, three waiting: four places
            release.set()
            await asyncio.sleep(0)
        # The app has stopped: every message that had a place was written, the others sent alone.
        return list(await asyncio.gather(*sends))

    shapes = asyncio.run(scenario())
    assert sorted(shape["msg"] for shape in shapes) == sorted(f"queued {n}" for n in range(10))
    assert max(sizes) <= 4
    with services.transaction() as session:
        count = session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.room_id == rid, Message.msg.like("queued %"))
        )
    assert count == 10
