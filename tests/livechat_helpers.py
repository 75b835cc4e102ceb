"""Helpers for livechat tests: visitors that talk through the public API, agents made available."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from omnidesk.models import Department, DepartmentAgent, Setting, User
from omnidesk.services import Services
from tests.helpers import Persona


@dataclass
class Guest:
    """A livechat visitor using the public API with its token."""

    client: TestClient
    token: str
    headers: dict[str, str]

    def register(self, **fields: Any) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/livechat/visitor", json={"visitor": {"token": self.token, **fields}}
        )
        assert response.status_code == 200, response.text
        visitor: dict[str, Any] = response.json()["visitor"]
        return visitor

    def room(self, **params: Any) -> Any:
        return self.client.get(
            "/api/v1/livechat/room", params={"token": self.token, **params}, headers=self.headers
        )

    def open_room(self, **params: Any) -> dict[str, Any]:
        response = self.room(**params)
        assert response.status_code == 200, response.text
        room: dict[str, Any] = response.json()["room"]
        return room

    def say(self, rid: str, msg: str, **extra: Any) -> Any:
        body = {"token": self.token, "rid": rid, "msg": msg, **extra}
        return self.client.post("/api/v1/livechat/message", json=body, headers=self.headers)

    def history(self, rid: str) -> list[dict[str, Any]]:
        response = self.client.get(f"/api/v1/livechat/messages.history/{rid}", params={"token": self.token})
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    def close(self, rid: str) -> Any:
        return self.client.post("/api/v1/livechat/room.close", json={"token": self.token, "rid": rid})


def guest(client: TestClient, token: str, *, widget: bool = False) -> Guest:
    headers = {"Origin": "https://shop.example.com"} if widget else {}
    return Guest(client=client, token=token, headers=headers)


def set_available(services: Services, *personas: Persona, available: bool = True) -> None:
    with services.transaction() as session:
        for persona in personas:
            user = session.get(User, persona.id)
            assert user is not None
            user.livechat_status = "available" if available else "not-available"
            if available:
                user.status = "online"  # present, as an agent that serves is


def set_setting(services: Services, setting_id: str, value: Any) -> None:
    with services.transaction() as session:
        setting = session.get(Setting, setting_id)
        assert setting is not None
        setting.value = value


def make_department(services: Services, name: str, *agents: Persona, **fields: Any) -> str:
    with services.transaction() as session:
        department = Department(name=name, chat_closing_tags=[], **fields)
        session.add(department)
        session.flush()
        for agent in agents:
            session.add(DepartmentAgent(department_id=department.id, agent_id=agent.id))
        return department.id


def send_as_agent(agent: Persona, rid: str, msg: str) -> Any:
    return agent.post("/api/v1/chat.sendMessage", json={"message": {"rid": rid, "msg": msg}})


def served_chat(services: Services, client: TestClient, token: str, serving: Persona) -> tuple[Guest, str]:
    """A chat ``serving`` was given by automatic routing, the only agent available at that moment."""
    set_available(services, serving)
    visitor = guest(client, token)
    visitor.register(name=token.title())
    room = visitor.open_room()
    assert room["servedBy"]["_id"] == serving.id
    return visitor, room["_id"]
