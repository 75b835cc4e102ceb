"""The event bus: events leave only after their transaction commits."""

from __future__ import annotations

import pytest

from omnidesk.actions.accounts import set_user_status
from omnidesk.events import Event, InProcessBus, UserChanged, UserStatusChanged
from omnidesk.models import User
from omnidesk.services import Services
from tests.helpers import Persona


def test_events_are_published_after_commit(services: Services, agent: Persona) -> None:
    seen_before_commit: list[Event] = []
    published: list[Event] = []
    unsubscribe = services.bus.subscribe(published.append)
    try:
        with services.transaction() as session:
            user = session.get(User, agent.id)
            assert user is not None
            set_user_status(session, user=user, status="busy", message="lunch")
            seen_before_commit.extend(published)
    finally:
        unsubscribe()
    assert seen_before_commit == []
    assert published == [
        UserStatusChanged(user_id=agent.id, username="alex", status="busy", status_text="lunch")
    ]


def test_events_are_dropped_on_rollback(services: Services, agent: Persona, published: list[Event]) -> None:
    with pytest.raises(RuntimeError), services.transaction() as session:
        user = session.get(User, agent.id)
        assert user is not None
        set_user_status(session, user=user, status="busy", message=None)
        raise RuntimeError("the request failed after the action ran")
    assert published == []
    # The next transaction on a pooled connection does not inherit the dropped events either.
    with services.transaction() as session:
        session.get(User, agent.id)
    assert published == []


def test_a_failed_request_writes_nothing_and_publishes_nothing(
    admin: Persona, agent: Persona, published: list[Event]
) -> None:
    # users.update queues UserChanged (and RolesChanged), then the status check fails in the same request.
    body = {"userId": agent.id, "data": {"name": "Half Written", "roles": ["user"], "status": "flying"}}
    response = admin.post("/api/v1/users.update", json=body)
    assert response.status_code == 400
    assert response.json()["errorType"] == "error-invalid-status"
    assert published == []
    info = admin.get("/api/v1/users.info", params={"userId": agent.id}).json()["user"]
    assert (info["name"], info["roles"]) == ("Alex Agent", ["livechat-agent", "user"])


def test_a_broken_subscriber_does_not_starve_the_others() -> None:
    bus = InProcessBus()
    received: list[Event] = []

    def broken(_event: Event) -> None:
        raise ValueError("boom")

    bus.subscribe(broken)
    unsubscribe = bus.subscribe(received.append)
    event = UserChanged(op="updated", user_id="u1")
    bus.publish(event)
    assert received == [event]
    unsubscribe()
    bus.publish(event)
    assert received == [event]
