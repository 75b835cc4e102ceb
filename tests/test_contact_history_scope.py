"""omnichannel/contacts.history by role: every agent sees the contact, but only the closed chats it
served (the ones it may open); admins, managers and monitors (view-livechat-rooms) see them all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error
from tests.livechat_helpers import Guest, guest, set_available

HISTORY = "/api/v1/omnichannel/contacts.history"


@pytest.fixture
def agent3(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "cody", ["livechat-agent", "user"], "Cody Agent")


@pytest.fixture
def monitor(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "moe", ["livechat-monitor", "user"], "Moe Monitor")


def history(persona: Persona, contact_id: str, **params: Any) -> dict[str, Any]:
    response = persona.get(HISTORY, params={"contactId": contact_id, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def ids(page: dict[str, Any]) -> list[str]:
    return [room["_id"] for room in page["history"]]


def opened_by(services: Services, visitor: Guest, agent: Persona, *others: Persona) -> dict[str, Any]:
    """A chat of ``visitor`` routed to ``agent``: the only agent available when it opens."""
    set_available(services, *others, available=False)
    set_available(services, agent)
    room = visitor.open_room()
    assert room["servedBy"]["_id"] == agent.id
    return room


def close(agent: Persona, room_id: str) -> None:
    response = agent.post("/api/v1/livechat/room.closeByUser", json={"rid": room_id})
    assert response.status_code == 200, response.text


@dataclass
class Chats:
    contact_id: str
    alex: list[str]  # closed, newest first
    bea: list[str]
    alex_widget: str
    alex_open: str

    @property
    def closed(self) -> list[str]:
        return [*self.alex, *self.bea]


@pytest.fixture
def chats(services: Services, anonymous: TestClient, agent: Persona, agent2: Persona) -> Chats:
    """One contact (one visitor on the API and the widget): alex served three closed chats, one of
    them on the widget, and has one open; bea served two, one of them forwarded to her by alex."""
    api_visitor = guest(anonymous, "token-scope")
    widget_visitor = guest(anonymous, "token-scope", widget=True)
    api_visitor.register(name="Scoped Sam")
    closed_in_order: list[tuple[str, Persona]] = []

    def closed_chat(visitor: Guest, by: Persona, other: Persona) -> dict[str, Any]:
        room = opened_by(services, visitor, by, other)
        close(by, room["_id"])
        closed_in_order.append((room["_id"], by))
        return room

    first = closed_chat(api_visitor, agent, agent2)
    closed_chat(api_visitor, agent2, agent)
    widget = closed_chat(widget_visitor, agent, agent2)

    # Forwarded: served by alex at first, by bea when it closes, so it is hers.
    forwarded = opened_by(services, api_visitor, agent, agent2)
    set_available(services, agent2)
    response = agent.post(
        "/api/v1/livechat/room.forward", json={"roomId": forwarded["_id"], "userId": agent2.id}
    )
    assert response.status_code == 200, response.text
    close(agent2, forwarded["_id"])
    closed_in_order.append((forwarded["_id"], agent2))

    closed_chat(api_visitor, agent, agent2)
    still_open = opened_by(services, api_visitor, agent, agent2)

    newest_first = list(reversed(closed_in_order))
    return Chats(
        contact_id=first["contactId"],
        alex=[room_id for room_id, by in newest_first if by is agent],
        bea=[room_id for room_id, by in newest_first if by is agent2],
        alex_widget=widget["_id"],
        alex_open=still_open["_id"],
    )


def test_an_agent_sees_only_the_closed_chats_it_served(chats: Chats, agent: Persona, agent2: Persona) -> None:
    mine = history(agent, chats.contact_id)
    assert ids(mine) == chats.alex
    assert mine["total"] == 3 and mine["count"] == 3 and mine["offset"] == 0
    assert {room["servedBy"]["_id"] for room in mine["history"]} == {agent.id}
    assert chats.alex_open not in ids(mine)

    hers = history(agent2, chats.contact_id)
    assert ids(hers) == chats.bea
    assert hers["total"] == 2 and hers["count"] == 2


def test_an_agents_history_pages_over_its_own_chats(chats: Chats, agent: Persona) -> None:
    first = history(agent, chats.contact_id, count=2)
    assert ids(first) == chats.alex[:2]
    assert (first["total"], first["count"], first["offset"]) == (3, 2, 0)
    second = history(agent, chats.contact_id, count=2, offset=2)
    assert ids(second) == chats.alex[2:]
    assert (second["total"], second["count"], second["offset"]) == (3, 1, 2)
    past_the_end = history(agent, chats.contact_id, count=2, offset=3)
    assert (past_the_end["history"], past_the_end["total"], past_the_end["count"]) == ([], 3, 0)


def test_the_source_filter_applies_within_the_agents_own_chats(
    chats: Chats, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    assert ids(history(agent, chats.contact_id, source="widget")) == [chats.alex_widget]
    none_of_hers = history(agent2, chats.contact_id, source="widget")
    assert (none_of_hers["history"], none_of_hers["total"]) == ([], 0)
    assert ids(history(manager, chats.contact_id, source="widget")) == [chats.alex_widget]


def test_every_listed_chat_opens_and_the_others_are_refused(
    chats: Chats, agent: Persona, agent2: Persona
) -> None:
    for persona in (agent, agent2):
        listed = ids(history(persona, chats.contact_id))
        assert listed
        for room_id in listed:
            opened = persona.get("/api/v1/livechat/room.info", params={"roomId": room_id})
            assert opened.status_code == 200, opened.text
        for room_id in set(chats.closed) - set(listed):
            refused = persona.get("/api/v1/livechat/room.info", params={"roomId": room_id})
            assert_error(refused, 403, "error-unauthorized")


def test_managers_admins_and_monitors_see_every_closed_chat(
    chats: Chats, manager: Persona, admin: Persona, monitor: Persona
) -> None:
    everything = sorted(chats.closed)
    for persona in (manager, admin, monitor):
        page = history(persona, chats.contact_id)
        assert sorted(ids(page)) == everything, persona.username
        assert page["total"] == 5 and page["count"] == 5
        assert chats.alex_open not in ids(page)
    paged = [history(manager, chats.contact_id, count=2, offset=offset) for offset in (0, 2, 4)]
    assert [page["count"] for page in paged] == [2, 2, 1]
    assert {page["total"] for page in paged} == {5}
    assert [room_id for page in paged for room_id in ids(page)] == ids(history(manager, chats.contact_id))


def test_an_agent_without_chats_of_the_contact_gets_an_empty_history(chats: Chats, agent3: Persona) -> None:
    page = history(agent3, chats.contact_id)
    assert page == {"history": [], "count": 0, "offset": 0, "total": 0, "success": True}
    # The contact itself stays visible to every agent.
    contact = agent3.get("/api/v1/omnichannel/contacts.get", params={"contactId": chats.contact_id})
    assert contact.status_code == 200, contact.text


def test_seeing_every_chat_follows_view_livechat_rooms(
    chats: Chats, admin: Persona, agent: Persona, monitor: Persona
) -> None:
    def grant(*roles: str) -> None:
        update = {"permissions": [{"_id": "view-livechat-rooms", "roles": list(roles)}]}
        response = admin.post("/api/v1/permissions.update", json=update)
        assert response.status_code == 200, response.text

    grant("admin", "livechat-manager", "livechat-agent")
    assert sorted(ids(history(agent, chats.contact_id))) == sorted(chats.closed)
    # The monitor, without the permission now, served none of these chats.
    assert history(monitor, chats.contact_id)["total"] == 0
    assert history(admin, chats.contact_id)["total"] == 5
