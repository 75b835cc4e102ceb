"""Helpers shared by the tests: personas and assertions on Rocket.Chat's envelopes."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from omnidesk.services import Services
from omnidesk.web.admin import PAGES
from omnidesk.web.install import PAGE_ROUTERS
from omnidesk.web.render import NAVIGATION

PASSWORD = "correct horse battery staple"


@dataclass
class Persona:
    """A logged-in user and a client that sends its credentials."""

    id: str
    username: str
    token: str
    client: TestClient

    @property
    def headers(self) -> dict[str, str]:
        return {"X-User-Id": self.id, "X-Auth-Token": self.token}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(path, json=json, headers=self.headers, **kwargs)


def with_fresh_cookies(client: TestClient) -> TestClient:
    """``client`` with a new, empty cookie jar: no cookie of an earlier test (or fixture) is sent."""
    client.cookies = type(client.cookies)()
    return client


def assert_error(response: Any, status: int, error_type: str, error: str | None = None) -> dict[str, Any]:
    """Assert Rocket.Chat's error envelope and return the body."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["success"] is False, body
    assert body["errorType"] == error_type, body
    if error is not None:
        assert body["error"] == error, body
    return body


def assert_bare_error(response: Any, status: int, error_id: str) -> None:
    """Rocket.Chat's ``throw new Error(id)``: the id is the whole text."""
    assert_error(response, status, error_id, error_id)


def database_dialect(services: Services) -> str:
    return services.db.dialect


def raw_rows(services: Services, sql: str) -> list[Any]:
    with services.db.engine.connect() as connection:
        return list(connection.execute(text(sql)))


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Runs every call at once, each on its own thread; returns what they returned (or raised)."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = calls[index]()
        except BaseException as error:  # reported by the caller
            results[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def create_contact(persona: Persona, **fields: Any) -> str:
    """A contact created by ``persona``; the defaults (Ada's email and phone) may repeat across calls."""
    body = {
        "name": "Ada Lovelace",
        "emails": ["ada@example.com"],
        "phones": ["+1 (555) 010-2233"],
        "allowDuplicate": True,
        **fields,
    }
    response = persona.post("/api/v1/omnichannel/contacts", json=body)
    assert response.status_code == 200, response.text
    contact_id: str = response.json()["contactId"]
    return contact_id


def page_paths() -> list[str]:
    """Every GET page of the web routers, each path parameter filled in, and every sidebar entry."""
    paths = {entry.href for entry in NAVIGATION} | {f"/admin/{page}" for page in PAGES}
    for module in PAGE_ROUTERS:
        for route in module.router.routes:
            if isinstance(route, APIRoute) and "GET" in route.methods:
                paths.add(re.sub(r"\{[^}]+\}", "agents" if "{page}" in route.path else "x1", route.path))
    return sorted(paths)


def database_dump(services: Services) -> str:
    """Every row of every table (on SQLite the FTS5 index's own tables too), as text."""
    lines: list[str] = []
    with services.db.engine.connect() as connection:
        if services.db.dialect == "sqlite":
            lines = list(connection.connection.driver_connection.iterdump())
        else:
            for table in inspect(connection).get_table_names():
                lines += [repr(tuple(row)) for row in connection.execute(text(f'SELECT * FROM "{table}"'))]
    return "\n".join(lines)
