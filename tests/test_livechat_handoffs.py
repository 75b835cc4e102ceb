"""Closing, holding, resuming, forwarding and returning a chat to the queue: Rocket.Chat's refusals
(bare ids, its order, its status codes), the on-hold and visitor-close settings, and returnAsInquiry."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from omnidesk.browser_session import SESSION_COOKIE
from omnidesk.events import Event, InquiryChanged, RoomChanged
from omnidesk.models import Inquiry, PermissionRole, Room
from omnidesk.services import Services
from tests.conftest import make_persona
from tests.helpers import Persona, assert_error
from tests.helpers import assert_bare_error as bare
from tests.livechat_helpers import (
    guest,
    make_department,
    send_as_agent,
    served_chat,
    set_available,
    set_setting,
)

CLOSE = "/api/v1/livechat/room.closeByUser"
HOLD = "/api/v1/livechat/room.onHold"
RESUME = "/api/v1/livechat/room.resumeOnHold"
FORWARD = "/api/v1/livechat/room.forward"
RETURN = "/api/v1/livechat/inquiries.returnAsInquiry"


def _room(services: Services, rid: str) -> Room:
    with services.transaction() as session:
        room = session.get(Room, rid)
        assert room is not None
        session.expunge(room)
        return room


def _revoke(services: Services, permission: str, role: str) -> None:
    with services.transaction() as session:
        grant = session.get(PermissionRole, (permission, role))
        assert grant is not None
        session.delete(grant)


@pytest.fixture
def plain_user(services: Services, app_client: TestClient) -> Persona:
    return make_persona(services, app_client, "uma", ["user"], "Uma User")


# --- closing ---------------------------------------------------------------------------------------


def test_close_by_user_refuses_as_rocket_chat_does(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona
) -> None:
    visitor, rid = served_chat(services, anonymous, "t-close", agent)
    bare(agent.post(CLOSE, json={"rid": "no-such-room"}), 400, "error-invalid-room")
    # Someone else's chat without close-others-livechat-room: Rocket.Chat's 400, not a 403.
    bare(agent2.post(CLOSE, json={"rid": rid}), 400, "error-not-authorized")
    assert _room(services, rid).open is True

    tagged = make_department(services, "Billing", agent, request_tag_before_closing=True)
    with services.transaction() as session:
        room = session.get(Room, rid)
        assert room is not None
        room.department_id = tagged
    bare(agent.post(CLOSE, json={"rid": rid}), 400, "error-tags-must-be-assigned-before-closing-chat")
    assert agent.post(CLOSE, json={"rid": rid, "tags": ["refund"]}).status_code == 200
    # Closed is said before the missing tags.
    bare(agent.post(CLOSE, json={"rid": rid}), 400, "error-room-already-closed")
    bare(visitor.close(rid), 400, "room-closed")


def test_close_by_user_asks_its_permission_before_looking_the_room_up(
    services: Services, agent: Persona
) -> None:
    _revoke(services, "close-livechat-room", "livechat-agent")
    assert_error(agent.post(CLOSE, json={"rid": "no-such-room"}), 403, "error-unauthorized")


def test_visitors_close_only_while_the_setting_allows_it(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = served_chat(services, anonymous, "t-visitor-close", agent)
    set_setting(services, "Omnichannel_allow_visitors_to_close_conversation", False)
    config = anonymous.get("/api/v1/livechat/config", params={"token": visitor.token}).json()["config"]
    assert config["settings"]["visitorsCanCloseChat"] is False
    bare(visitor.close(rid), 400, "error-not-allowed-to-close-conversation")
    # Rocket.Chat asks the setting first: a wrong token gets the same answer.
    stranger = guest(anonymous, "nobody-has-this-token")
    bare(stranger.close(rid), 400, "error-not-allowed-to-close-conversation")
    assert _room(services, rid).open is True
    # Staff still close it.
    assert agent.post(CLOSE, json={"rid": rid}).status_code == 200

    set_setting(services, "Omnichannel_allow_visitors_to_close_conversation", True)
    _, other = served_chat(services, anonymous, "t-visitor-close-2", agent)
    bare(visitor.close(other), 400, "invalid-room")  # another visitor's chat
    closed = guest(anonymous, "t-visitor-close-2").close(other)
    assert closed.json() == {"rid": other, "comment": "Closed by visitor", "success": True}


# --- on hold and resume ----------------------------------------------------------------------------


def test_hold_refuses_as_rocket_chat_does(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    _, rid = served_chat(services, anonymous, "t-hold", agent)
    bare(agent.post(HOLD, json={"roomId": "no-such-room"}), 400, "error-invalid-room")
    bare(agent2.post(HOLD, json={"roomId": rid}), 400, "Not_authorized")
    assert send_as_agent(agent, rid, "One moment, I am checking").status_code == 200
    assert agent.post(HOLD, json={"roomId": rid}).status_code == 200
    bare(agent.post(HOLD, json={"roomId": rid}), 400, "error-room-is-already-on-hold")
    assert agent.post(RESUME, json={"roomId": rid}).status_code == 200
    assert manager.post(CLOSE, json={"rid": rid}).status_code == 200
    bare(agent.post(HOLD, json={"roomId": rid}), 400, "error-room-already-closed")


def test_hold_asks_its_permission_before_looking_the_room_up(services: Services, agent: Persona) -> None:
    _revoke(services, "on-hold-livechat-room", "livechat-agent")
    assert_error(agent.post(HOLD, json={"roomId": "no-such-room"}), 403, "error-unauthorized")


def test_a_chat_waiting_for_the_agents_answer_is_not_put_on_hold(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    visitor, rid = served_chat(services, anonymous, "t-engaged", agent)
    assert visitor.say(rid, "Are you there?").status_code == 200
    bare(agent.post(HOLD, json={"roomId": rid}), 400, "error-cannot-place-chat-on-hold")
    assert _room(services, rid).on_hold is False
    assert send_as_agent(agent, rid, "Yes, one moment").status_code == 200
    assert agent.post(HOLD, json={"roomId": rid}).status_code == 200

    assert agent.post(RESUME, json={"roomId": rid}).status_code == 200
    assert visitor.say(rid, "Thanks").status_code == 200
    set_setting(services, "Livechat_allow_manual_on_hold_upon_agent_engagement_only", False)
    assert agent.post(HOLD, json={"roomId": rid}).status_code == 200


def test_manual_on_hold_can_be_turned_off(services: Services, anonymous: TestClient, agent: Persona) -> None:
    _, rid = served_chat(services, anonymous, "t-no-hold", agent)
    set_setting(services, "Livechat_allow_manual_on_hold", False)
    assert_error(
        agent.post(HOLD, json={"roomId": rid}),
        400,
        "error-cannot-place-chat-on-hold",
        "Placing chats on hold is turned off [error-cannot-place-chat-on-hold]",
    )
    assert _room(services, rid).on_hold is False


def test_the_on_hold_settings_are_shown_and_readable_by_agents(
    app_client: TestClient, agent: Persona, manager: Persona
) -> None:
    for setting_id in (
        "Livechat_allow_manual_on_hold",
        "Livechat_allow_manual_on_hold_upon_agent_engagement_only",
    ):
        assert agent.get(f"/api/v1/settings/{setting_id}").json() == {
            "_id": setting_id,
            "value": True,
            "success": True,
        }
    app_client.cookies.set(SESSION_COOKIE, f"{manager.id}:{manager.token}")
    try:
        page = app_client.get("/admin/settings")
    finally:
        app_client.cookies.clear()
    assert page.status_code == 200
    assert 'data-setting="Livechat_allow_manual_on_hold_upon_agent_engagement_only"' in page.text


def test_resume_refuses_as_rocket_chat_does(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    _, rid = served_chat(services, anonymous, "t-resume", agent)
    bare(agent.post(RESUME, json={"roomId": "   "}), 400, "invalid-param")
    bare(agent.post(RESUME, json={"roomId": "no-such-room"}), 400, "error-invalid-room")
    bare(agent.post(RESUME, json={"roomId": rid}), 400, "error-room-not-on-hold")
    assert agent.post(HOLD, json={"roomId": rid}).status_code == 200
    bare(agent2.post(RESUME, json={"roomId": rid}), 400, "Not_authorized")
    # Rocket.Chat asks only view-l-room to resume one's own chat.
    _revoke(services, "on-hold-livechat-room", "livechat-agent")
    assert agent.post(RESUME, json={"roomId": rid}).status_code == 200
    assert manager.post(CLOSE, json={"rid": rid}).status_code == 200
    bare(agent.post(RESUME, json={"roomId": rid}), 400, "This_conversation_is_already_closed")


# --- forwarding ------------------------------------------------------------------------------------


def test_forward_refuses_as_rocket_chat_does(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona, manager: Persona
) -> None:
    _, rid = served_chat(services, anonymous, "t-forward", agent)
    bare(agent.post(FORWARD, json={"roomId": "no-such-room", "userId": agent2.id}), 400, "error-invalid-room")
    bare(agent.post(FORWARD, json={"roomId": rid}), 400, "error-forwarding-chat")
    bare(agent.post(FORWARD, json={"roomId": rid, "userId": "nobody"}), 400, "error-user-is-offline")
    set_available(services, agent2, available=False)
    bare(agent.post(FORWARD, json={"roomId": rid, "userId": agent2.id}), 400, "error-user-is-offline")
    bare(
        agent.post(FORWARD, json={"roomId": rid, "userId": agent.id}),
        400,
        "error-selected-agent-room-agent-are-same",
    )
    bare(agent.post(FORWARD, json={"roomId": rid, "departmentId": "nope"}), 400, "error-invalid-department")

    assert send_as_agent(agent, rid, "Let me check").status_code == 200
    assert agent.post(HOLD, json={"roomId": rid}).status_code == 200
    set_available(services, agent2)
    bare(agent.post(FORWARD, json={"roomId": rid, "userId": agent2.id}), 400, "error-room-onHold")
    assert agent.post(RESUME, json={"roomId": rid}).status_code == 200

    assert manager.post(CLOSE, json={"rid": rid}).status_code == 200
    bare(
        manager.post(FORWARD, json={"roomId": rid, "userId": agent2.id}),
        400,
        "This_conversation_is_already_closed",
    )
    assert _room(services, rid).served_by_id == agent.id


def test_forward_asks_its_permissions_before_looking_the_room_up(services: Services, agent: Persona) -> None:
    _revoke(services, "transfer-livechat-guest", "livechat-agent")
    assert_error(agent.post(FORWARD, json={"roomId": "no-such-room"}), 403, "error-unauthorized")


def test_forward_to_a_department_and_one_of_its_agents(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona
) -> None:
    sales = make_department(services, "Sales", agent)
    _, rid = served_chat(services, anonymous, "t-to-support", agent)
    with services.transaction() as session:
        room = session.get(Room, rid)
        assert room is not None
        room.department_id = sales
    bare(
        agent.post(FORWARD, json={"roomId": rid, "departmentId": sales}),
        400,
        "error-forwarding-chat-same-department",
    )
    support = make_department(services, "Support")
    set_available(services, agent2)
    bare(
        agent.post(FORWARD, json={"roomId": rid, "departmentId": support, "userId": agent2.id}),
        400,
        "error-user-not-belong-to-department",
    )
    billing = make_department(services, "Billing", agent2)
    forwarded = agent.post(
        FORWARD, json={"roomId": rid, "departmentId": billing, "userId": agent2.id, "comment": "invoice"}
    )
    assert forwarded.json() == {"success": True}
    info = agent2.get("/api/v1/livechat/room.info", params={"roomId": rid}).json()["room"]
    assert (info["departmentId"], info["servedBy"]["_id"]) == (billing, agent2.id)
    transfer = info["lastMessage"]["transferData"]
    assert transfer["scope"] == "department"
    assert transfer["nextDepartment"]["_id"] == billing
    assert transfer["transferredTo"]["username"] == agent2.username


def test_forward_to_a_department_nobody_serves_waits_there_under_manual_routing(
    services: Services, anonymous: TestClient, agent: Persona
) -> None:
    _, rid = served_chat(services, anonymous, "t-manual", agent)
    empty = make_department(services, "Night shift")
    bare(
        agent.post(FORWARD, json={"roomId": rid, "departmentId": empty}),
        400,
        "error-no-agents-online-in-department",
    )
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    assert agent.post(FORWARD, json={"roomId": rid, "departmentId": empty}).status_code == 200
    room = _room(services, rid)
    assert (room.served_by_id, room.department_id) == (None, empty)
    with services.transaction() as session:
        inquiry = session.scalars(select(Inquiry).where(Inquiry.room_id == rid)).one()
        assert (inquiry.status, inquiry.department_id) == ("queued", empty)


# --- returning a chat to the queue -----------------------------------------------------------------


def test_return_as_inquiry_puts_the_chat_back_in_the_queue(
    services: Services, anonymous: TestClient, agent: Persona, published: list[Event]
) -> None:
    _, rid = served_chat(services, anonymous, "t-return", agent)
    set_setting(services, "Livechat_Routing_Method", "Manual_Selection")
    published.clear()
    returned = agent.post(RETURN, json={"roomId": rid})
    assert returned.json() == {"result": True, "success": True}
    room = _room(services, rid)
    assert room.served_by_id is None and room.open is True
    queued = agent.get("/api/v1/livechat/inquiries.queuedForUser").json()["inquiries"]
    assert [inquiry["rid"] for inquiry in queued] == [rid]
    info = agent.get("/api/v1/livechat/room.info", params={"roomId": rid}).json()["room"]
    transfer = info["lastMessage"]["transferData"]
    assert (transfer["scope"], transfer["transferredBy"]["_id"]) == ("queue", agent.id)
    # The agent hears it lost the chat; the queue hears a chat waits.
    rooms = [e for e in published if isinstance(e, RoomChanged) and e.room_id == rid]
    assert [(e.op, e.agent_id, e.previous_agent_id) for e in rooms] == [("transferred", None, agent.id)]
    inquiries = [e for e in published if isinstance(e, InquiryChanged) and e.room_id == rid]
    assert [e.op for e in inquiries] == ["queued"]
    # Nobody serves it now: Rocket.Chat's result false, nothing changes.
    published.clear()
    assert agent.post(RETURN, json={"roomId": rid}).json() == {"result": False, "success": True}
    assert not [e for e in published if isinstance(e, RoomChanged | InquiryChanged)]


def test_return_as_inquiry_routes_the_chat_again_and_may_change_its_department(
    services: Services, anonymous: TestClient, agent: Persona, agent2: Persona
) -> None:
    _, rid = served_chat(services, anonymous, "t-reroute", agent)
    support = make_department(services, "Support", agent2)
    set_available(services, agent2)
    bare(agent.post(RETURN, json={"roomId": rid, "departmentId": "nope"}), 400, "error-invalid-department")
    returned = agent.post(RETURN, json={"roomId": rid, "departmentId": support})
    assert returned.json() == {"result": True, "success": True}
    room = _room(services, rid)
    assert (room.department_id, room.served_by_id) == (support, agent2.id)  # automatic routing


def test_return_as_inquiry_refuses_as_rocket_chat_does(
    services: Services,
    anonymous: TestClient,
    agent: Persona,
    agent2: Persona,
    manager: Persona,
    plain_user: Persona,
) -> None:
    _, rid = served_chat(services, anonymous, "t-return-errors", agent)
    assert_error(plain_user.post(RETURN, json={"roomId": rid}), 403, "error-unauthorized")
    bare(agent.post(RETURN, json={"roomId": "no-such-room"}), 400, "error-room-not-found")
    assert_error(agent2.post(RETURN, json={"roomId": rid}), 403, "error-unauthorized")  # not bea's to see
    assert_error(agent.post(RETURN, json={"roomId": rid, "extra": 1}), 400, "invalid-params")
    assert send_as_agent(agent, rid, "Hold on").status_code == 200
    assert agent.post(HOLD, json={"roomId": rid}).status_code == 200
    bare(agent.post(RETURN, json={"roomId": rid}), 400, "error-room-onHold")
    assert manager.post(CLOSE, json={"rid": rid}).status_code == 200
    bare(manager.post(RETURN, json={"roomId": rid}), 400, "room-closed")
