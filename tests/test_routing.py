"""Routes: a handler, its commit and its JSON encoding run in one worker thread."""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Iterator
from typing import Any

import anyio.to_thread
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import event, select

import omnidesk.api
import omnidesk.web
from omnidesk.api.errors import install_error_handlers
from omnidesk.errors import ApiError
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Tag
from omnidesk.services import Services
from tests.helpers import Persona


def test_every_route_runs_in_one_thread() -> None:
    routes: list[APIRoute] = []
    for package in (omnidesk.api, omnidesk.web):
        for module_info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(module_info.name)
            for router in vars(module).values():
                if isinstance(router, APIRouter):
                    routes += [route for route in router.routes if isinstance(route, APIRoute)]
    assert len(routes) > 100
    assert [route.path for route in routes if not isinstance(route, OneThreadRoute)] == []


@pytest.fixture
def tags_client(services: Services) -> Iterator[tuple[TestClient, list[str]]]:
    """A small app of two handlers that write a tag, one of which then fails; ``threads`` lists
    where each handler ran and where each commit happened."""
    threads: list[str] = []
    router = APIRouter(route_class=OneThreadRoute)

    @router.post("/tags/{name}")
    def add_tag(name: str, session: SessionDep) -> dict[str, Any]:
        threads.append(f"handler {threading.get_ident()}")
        session.add(Tag(name=name))
        return {"tag": name, "success": True}

    @router.post("/tags/{name}/then-fail")
    def add_tag_then_fail(name: str, session: SessionDep) -> dict[str, Any]:
        session.add(Tag(name=name))
        session.flush()
        raise ApiError("error-on-purpose", "Failed after writing")

    app = FastAPI()
    app.state.services = services
    install_error_handlers(app)
    app.include_router(router)

    def on_commit(_connection: Any) -> None:
        threads.append(f"commit {threading.get_ident()}")

    event.listen(services.db.engine, "commit", on_commit)
    try:
        with TestClient(app) as client:
            yield client, threads
    finally:
        event.remove(services.db.engine, "commit", on_commit)


@pytest.fixture
def hand_offs(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every function a request hands from the event loop to a worker thread."""
    handed: list[Any] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(function: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(function)
        return await run_sync(function, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return handed


def test_the_handler_and_its_commit_share_a_worker_thread(
    services: Services, tags_client: tuple[TestClient, list[str]], hand_offs: list[Any]
) -> None:
    client, threads = tags_client
    response = client.post("/tags/vip")
    assert len(hand_offs) == 1  # a plain APIRoute takes three: handler, answer, commit
    assert response.status_code == 200
    assert response.json() == {"tag": "vip", "success": True}
    assert response.headers["content-type"] == "application/json"
    handler, commit = threads
    assert handler.split()[1] == commit.split()[1] != str(threading.get_ident())
    with services.transaction() as session:
        assert session.scalars(select(Tag.name)).all() == ["vip"]


def test_a_handler_that_fails_after_writing_leaves_nothing(
    services: Services, tags_client: tuple[TestClient, list[str]]
) -> None:
    client, threads = tags_client
    response = client.post("/tags/half/then-fail")
    assert response.status_code == 400
    assert response.json()["errorType"] == "error-on-purpose"
    assert threads == []  # no commit
    with services.transaction() as session:
        assert session.scalars(select(Tag.name)).all() == []


def test_an_authenticated_request_takes_one_hand_off_and_a_wrong_token_none(
    agent: Persona, hand_offs: list[Any]
) -> None:
    """The acting user is loaded on the handler's thread, not on a thread of its own."""
    answer = agent.get("/api/v1/me")
    assert answer.status_code == 200 and answer.json()["_id"] == agent.id
    assert len(hand_offs) == 1
    wrong = agent.client.get("/api/v1/me", headers={"X-User-Id": agent.id, "X-Auth-Token": "not-the-token"})
    assert wrong.status_code == 401
    missing = agent.client.get("/api/v1/me")
    assert missing.status_code == 401


def test_an_async_handler_cannot_ask_for_the_acting_user() -> None:
    router = APIRouter(route_class=OneThreadRoute)

    async def whoami(actor: CurrentActor) -> dict[str, Any]:
        return {"id": actor.id}

    with pytest.raises(TypeError, match="only a synchronous handler"):
        router.add_api_route("/whoami", whoami)
