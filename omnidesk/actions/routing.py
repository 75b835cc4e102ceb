"""The queue: inquiries, picking an agent, taking a chat, forwarding it, and routing the waiting ones.

Routing methods (setting ``Livechat_Routing_Method``): ``Auto_Selection`` gives a new chat at once to
the least busy agent who serves (of the room's department, when it has one) and has room for it;
``Manual_Selection`` leaves it queued for an agent to take. Either way, when
``Omnichannel_contact_manager_routing`` is on and the contact's manager serves and has room, the chat
goes to the manager.

An agent *serves* when it holds the ``livechat-agent`` role, is active, has set its livechat status to
``available`` (``livechat/agent.status``) and is present: its status is not ``offline``, nor ``away``
when ``Livechat_enabled_when_agent_idle`` is off (Rocket.Chat's rule; ``busy`` agents serve).

*Room for a chat* (``Livechat_waiting_queue`` on, as in Rocket.Chat): fewer open chats than its own limit
(``livechat_max_chats``), else the workspace's ``Livechat_maximum_chats_per_agent``, and fewer of the
department's chats than the department's ``max_chats_per_agent``; a zero limit is none, and chats on
hold do not count. With limits on, every routing decision takes one lock (``key_locks``), so two
requests, or two processes, never both give an agent its last free place.

Whenever room may have appeared (an agent starts serving, a chat closes, is forwarded or put on hold, a
limit is raised or lifted), ``route_waiting_chats`` gives the queued chats out in queue order: priority,
then the SLA due soonest (chats without an SLA after those with one), then arrival
(``queries/inquiries.QUEUE_ORDER``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from omnidesk.actions import key_locks, webhooks
from omnidesk.actions.messages import add_system_message
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.events import InquiryChanged, RoomChanged, send_event_on_commit
from omnidesk.models import Contact, Department, DepartmentAgent, Inquiry, Room, User, UserRole, Visitor
from omnidesk.models.accounts import AGENT_ROLE
from omnidesk.queries.business_hours import department_open
from omnidesk.queries.inquiries import QUEUE_ORDER, average_chat_seconds, estimated_wait_seconds, queue_spots
from omnidesk.queries.settings import setting_value

ROUTING_LOCK = "routing"


@dataclass(frozen=True)
class ChatLimits:
    """The limits in force for a chat of one department; 0 is no limit."""

    workspace: int
    department: int


def chat_limits(session: Session, *, department_id: str | None) -> ChatLimits | None:
    """The limits a chat of ``department_id`` is routed under; None when the waiting queue is off."""
    if not setting_value(session, "Livechat_waiting_queue"):
        return None
    workspace = max(int(setting_value(session, "Livechat_maximum_chats_per_agent") or 0), 0)
    department = session.get(Department, department_id) if department_id else None
    return ChatLimits(
        workspace=workspace, department=max(department.max_chats_per_agent or 0, 0) if department else 0
    )


def _open_chats(department_id: str | None = None):  # type: ignore[no-untyped-def]
    """The number of chats the agent of the enclosing query serves and counts against its limits."""
    query = select(func.count()).where(
        Room.served_by_id == User.id, Room.open.is_(True), Room.on_hold.is_(False)
    )
    if department_id:
        query = query.where(Room.department_id == department_id)
    return query.correlate(User).scalar_subquery()


def _serving_agents_query(session: Session, department_id: str | None) -> Select[Any]:
    query = (
        select(User)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role_id == AGENT_ROLE))
        .where(User.active.is_(True), User.livechat_status == "available", User.status != "offline")
    )
    if not setting_value(session, "Livechat_enabled_when_agent_idle"):
        query = query.where(User.status != "away")
    if department_id:
        query = query.join(
            DepartmentAgent,
            (DepartmentAgent.agent_id == User.id) & (DepartmentAgent.department_id == department_id),
        )
    return query


def _with_room(query: Select[Any], limits: ChatLimits | None, department_id: str | None) -> Select[Any]:
    """Narrow ``query`` to agents with room for one more chat of ``department_id``."""
    if limits is None:
        return query
    own = func.coalesce(User.livechat_max_chats, 0)
    total = case((own > 0, own), else_=literal(limits.workspace))
    query = query.where(or_(total <= 0, _open_chats() < total))
    if limits.department > 0 and department_id:
        query = query.where(_open_chats(department_id) < limits.department)
    return query


def is_available_agent(session: Session, user_id: str, *, department_id: str | None = None) -> bool:
    """Whether the agent serves now (of ``department_id``, when given); its limits aside."""
    query = _serving_agents_query(session, department_id).where(User.id == user_id)
    return session.scalar(select(exists(query.subquery()))) or False


def has_room_for(session: Session, user_id: str, *, department_id: str | None) -> bool:
    """Whether the agent may take one more chat of ``department_id`` under the limits in force."""
    limits = chat_limits(session, department_id=department_id)
    if limits is None:
        return True
    query = _with_room(select(User).where(User.id == user_id), limits, department_id)
    return session.scalar(select(exists(query.subquery()))) or False


def serving_agent_count(session: Session, *, department_id: str | None) -> int:
    query = _serving_agents_query(session, department_id).with_only_columns(func.count(User.id.distinct()))
    return session.scalar(query) or 0


def queue_places(session: Session, room_ids: set[str]) -> dict[str, dict[str, Any]]:
    """What a waiting visitor is told (Rocket.Chat's queueInfo): its place in the queue and the
    estimated wait in seconds (None until chats have been served and closed)."""
    spots = queue_spots(session, room_ids)
    if not spots:
        return {}
    average = average_chat_seconds(session)
    serving = serving_agent_count(session, department_id=None)
    return {
        room_id: {
            "spot": spot,
            "estimatedWaitTimeSeconds": estimated_wait_seconds(spot, average=average, serving=serving),
        }
        for room_id, spot in spots.items()
    }


def any_agent_available(session: Session, *, department_id: str | None) -> bool:
    return session.scalar(select(exists(_serving_agents_query(session, department_id).subquery()))) or False


def least_busy_agent(
    session: Session, *, department_id: str | None, exclude: str | None = None
) -> User | None:
    """The serving agent with room for the chat and the fewest chats; of equals, the one routed to
    longest ago."""
    limits = chat_limits(session, department_id=department_id)
    query = _with_room(_serving_agents_query(session, department_id), limits, department_id)
    if exclude:
        query = query.where(User.id != exclude)
    return session.scalar(
        query.order_by(_open_chats(), User.last_routed_at.asc().nulls_first(), User.id).limit(1)
    )


def next_agent(session: Session, *, department_id: str | None) -> User | None:
    """The agent routing would give a new chat now (Rocket.Chat's getNextAgent): none under manual
    selection, where nobody is given chats. Nothing is claimed."""
    if setting_value(session, "Livechat_Routing_Method") != "Auto_Selection":
        return None
    return least_busy_agent(session, department_id=department_id)


def lock_routing(session: Session) -> None:
    """One routing decision at a time while limits are in force (see the module's docstring)."""
    if setting_value(session, "Livechat_waiting_queue"):
        key_locks.lock(session, [ROUTING_LOCK])


def accepts_chats_without_agents(session: Session) -> bool:
    return bool(setting_value(session, "Livechat_accept_chats_with_no_agents"))


def _manager_for(session: Session, contact: Contact | None) -> User | None:
    if contact is None or not contact.contact_manager_id:
        return None
    if not setting_value(session, "Omnichannel_contact_manager_routing"):
        return None
    if not is_available_agent(session, contact.contact_manager_id):
        return None
    return session.get(User, contact.contact_manager_id)


def _manager_with_room(session: Session, inquiry: Inquiry, room: Room) -> User | None:
    if not inquiry.default_agent_id or not is_available_agent(session, inquiry.default_agent_id):
        return None
    if not has_room_for(session, inquiry.default_agent_id, department_id=room.department_id):
        return None
    return session.get(User, inquiry.default_agent_id)


def check_someone_can_serve(session: Session, *, department_id: str | None, contact: Contact | None) -> None:
    """Refuse a new chat nobody could serve, unless chats may wait for agents to come online."""
    if accepts_chats_without_agents(session):
        return
    if not department_open(session, department_id):  # out of hours nobody serves, managers neither
        raise ApiError("no-agent-online", "Sorry, no online agents")
    if _manager_for(session, contact) is not None:
        return
    if not any_agent_available(session, department_id=department_id):
        raise ApiError("no-agent-online", "Sorry, no online agents")


def queue_room(
    session: Session, *, room: Room, visitor: Visitor, contact: Contact | None, verifying: bool = False
) -> Inquiry:
    """Create the room's inquiry and route it; a chat whose contact must first verify its identity
    waits as ``verifying`` (``actions/verification.py``) and is routed once verified."""
    inquiry = Inquiry(
        room_id=room.id,
        status="verifying" if verifying else "queued",
        name=room.fname,
        visitor_id=visitor.id,
        department_id=room.department_id,
        source_type=room.source_type,
        priority_weight=room.priority_weight,
        sla_id=room.sla_id,
        sla_due_at=room.sla_due_at,
        sla_minutes=room.sla_minutes,
        queued_at=room.queued_at or utcnow(),
    )
    manager = _manager_for(session, contact)
    if manager is not None:
        inquiry.default_agent_id, inquiry.default_agent_username = manager.id, manager.username
    session.add(inquiry)
    session.flush()
    if verifying:
        return inquiry
    _enter_queue(session, inquiry=inquiry, room=room)
    return inquiry


def _enter_queue(session: Session, *, inquiry: Inquiry, room: Room) -> None:
    """A chat joins the queue (new, verified, or forwarded to a department) and is routed."""
    send_event_on_commit(session, _inquiry_event("queued", inquiry))
    route_inquiry(session, inquiry=inquiry, room=room)
    webhooks.chat_queued(session, room=room)


def release_verified_inquiry(session: Session, *, room: Room) -> None:
    """A chat whose contact just verified: it leaves ``verifying`` for the queue, and is routed (also
    when it waited in the queue behind ``Livechat_Block_Unverified_Contacts``)."""
    inquiry = session.scalar(
        select(Inquiry).where(Inquiry.room_id == room.id, Inquiry.status.in_(("verifying", "queued")))
    )
    if inquiry is None:
        return
    if inquiry.status == "queued":
        route_inquiry(session, inquiry=inquiry, room=room)
        return
    inquiry.status = "queued"
    session.flush()
    _enter_queue(session, inquiry=inquiry, room=room)


def route_inquiry(session: Session, *, inquiry: Inquiry, room: Room) -> User | None:
    """Give a queued chat to the contact's manager or, with automatic routing, the least busy agent
    with room for it; None when it stays queued."""
    if contact_gate_error(session, room=room) is not None:
        return None  # it waits in the queue until the contact is added or verified
    if not department_open(session, room.department_id):
        return None  # it waits for the business hours to open
    lock_routing(session)
    agent = _manager_with_room(session, inquiry, room)
    if agent is None and setting_value(session, "Livechat_Routing_Method") == "Auto_Selection":
        agent = least_busy_agent(session, department_id=room.department_id)
    if agent is None or not _claim(session, inquiry=inquiry, room=room, agent=agent):
        return None
    return agent


def route_waiting_chats(session: Session) -> int:
    """Route the queued chats in queue order while agents have room; returns how many were given out.

    A department no agent has room for is passed over for the rest of the round (its chats cannot be
    routed either), and a chat of no department that finds nobody ends it: no agent has room at all.
    Each chat is claimed with a conditional update, so two rounds at once give each chat out once."""
    automatic = setting_value(session, "Livechat_Routing_Method") == "Auto_Selection"
    waiting = session.execute(
        select(Inquiry.id, Inquiry.department_id, Inquiry.default_agent_id)
        .join(Room, Room.id == Inquiry.room_id)
        .where(Inquiry.status == "queued", Room.open.is_(True))
        .order_by(*QUEUE_ORDER)
    ).all()
    full: set[str | None] = set()
    routed = 0
    for inquiry_id, department_id, default_agent_id in waiting:
        if None in full:
            break
        if department_id in full or not (automatic or default_agent_id):
            continue
        inquiry = session.get(Inquiry, inquiry_id)
        room = session.get(Room, inquiry.room_id) if inquiry is not None else None
        if inquiry is None or room is None or inquiry.status != "queued":
            continue
        if contact_gate_error(session, room=room) is not None:
            continue
        if route_inquiry(session, inquiry=inquiry, room=room) is not None:
            routed += 1
        elif automatic and not default_agent_id:
            full.add(department_id)
    return routed


def take_inquiry(session: Session, *, inquiry: Inquiry, agent: User) -> Room:
    """An agent takes a queued chat. Of two agents taking the same inquiry at once, exactly one wins."""
    if not is_available_agent(session, agent.id):
        raise ApiError(
            "error-agent-status-service-offline",
            "Agent status is offline or Omnichannel service is not active",
        )
    room = session.get(Room, inquiry.room_id)
    if room is None or not room.open:
        raise ApiError("error-room-closed", "This conversation is already closed")
    gate = contact_gate_error(session, room=room)
    if gate is not None:
        raise gate
    require_room_for(session, agent, department_id=room.department_id)
    if not _claim(session, inquiry=inquiry, room=room, agent=agent):
        raise ApiError("error-inquiry-taken", "Inquiry already taken")
    return room


def require_room_for(session: Session, agent: User, *, department_id: str | None) -> None:
    """Refuse, as Rocket.Chat does, a chat the agent has no room for under the limits in force."""
    lock_routing(session)
    if not has_room_for(session, agent.id, department_id=department_id):
        raise ApiError("error-max-number-simultaneous-chats-reached")


def route_waiting_chats_of_contact(session: Session, *, contact_id: str) -> None:
    """A contact just became known: its queued chats that waited behind ``Livechat_Block_Unknown_Contacts``
    are routed now."""
    if not setting_value(session, "Livechat_Block_Unknown_Contacts"):
        return
    waiting = session.execute(
        select(Inquiry, Room)
        .join(Room, Room.id == Inquiry.room_id)
        .where(Room.contact_id == contact_id, Room.open.is_(True), Inquiry.status == "queued")
    ).all()
    for inquiry, room in waiting:
        route_inquiry(session, inquiry=inquiry, room=room)


def contact_gate_error(session: Session, *, room: Room) -> ApiError | None:
    """Why no agent may take this chat yet, with ``Livechat_Block_Unknown_Contacts`` or
    ``Livechat_Block_Unverified_Contacts`` on (Rocket.Chat's take gate); None when it may be taken."""
    if setting_value(session, "Livechat_Block_Unknown_Contacts"):
        contact = session.get(Contact, room.contact_id) if room.contact_id else None
        if contact is None:
            return ApiError("error-invalid-contact", "The contact of this chat does not exist")
        if contact.unknown:
            return ApiError("error-unknown-contact", "The contact of this chat is unknown; add it first")
    if setting_value(session, "Livechat_Block_Unverified_Contacts") and not room.verified:
        return ApiError("error-unverified-contact", "The contact of this chat has not been verified")
    return None


def _claim(session: Session, *, inquiry: Inquiry, room: Room, agent: User) -> bool:
    """Give the inquiry to ``agent``; False when someone else took it first."""
    now = utcnow()
    # The conditional UPDATE is the lock: a second taker finds the inquiry no longer queued.
    taken = session.execute(
        update(Inquiry)
        .where(Inquiry.id == inquiry.id, Inquiry.status == "queued")
        .values(status="taken", taken_by_id=agent.id, taken_at=now, updated_at=now),
        execution_options={"synchronize_session": "fetch"},
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return False
    _serve(session, room=room, agent=agent)
    send_event_on_commit(session, _inquiry_event("taken", inquiry))
    webhooks.chat_taken(session, room=room)
    return True


def _serve(session: Session, *, room: Room, agent: User) -> None:
    previous_agent_id = room.served_by_id
    room.served_by_id, room.served_by_username = agent.id, agent.username
    room.served_at = utcnow()
    agent.last_routed_at = utcnow()
    visitor = room.visitor
    visitor.last_agent_id, visitor.last_agent_username, visitor.last_agent_at = (
        agent.id,
        agent.username,
        utcnow(),
    )
    session.flush()
    send_event_on_commit(session, room_event("served", room, previous_agent_id=previous_agent_id))


def forward_room(
    session: Session,
    *,
    room: Room,
    by: User,
    to_agent_id: str | None = None,
    to_department_id: str | None = None,
    comment: str | None = None,
) -> None:
    """Rocket.Chat's forward: to a department (to one of its agents when ``to_agent_id`` names one too),
    else to an agent. Refusals are Rocket.Chat's bare ids, in its order."""
    if not room.open:
        raise ApiError("This_conversation_is_already_closed")  # Rocket.Chat's id, as it spells it
    if room.on_hold:
        raise ApiError("error-room-onHold")
    department = session.get(Department, to_department_id) if to_department_id else None
    if to_department_id and (department is None or not department.enabled or department.archived):
        raise ApiError("error-invalid-department")
    if department is None and not to_agent_id:
        raise ApiError("error-forwarding-chat")
    previous_agent_id = room.served_by_id
    before = webhooks.before_forward(room)
    transfer: dict[str, object] = {
        "comment": comment or "",
        "transferredBy": {"_id": by.id, "username": by.username, "name": by.name},
    }
    if department is not None:
        agent = _forward_to_department(session, room=room, department=department, agent_id=to_agent_id)
        transfer |= {"nextDepartment": {"_id": department.id, "name": department.name}, "scope": "department"}
    else:
        assert to_agent_id is not None
        agent = _forward_to_agent(session, room=room, agent_id=to_agent_id)
        transfer["scope"] = "agent"
    if agent is not None:
        transfer["transferredTo"] = {"username": agent.username, "name": agent.name}
    add_system_message(
        session, room=room, type="livechat_transfer_history", by=by, extra={"transferData": transfer}
    )
    # Handed to an agent, the "served" event told the previous one; put back in a department's queue,
    # the room was taken from it first (and maybe served anew), so this event tells it.
    lost_by = previous_agent_id if agent is None else None
    send_event_on_commit(session, room_event("transferred", room, previous_agent_id=lost_by))
    webhooks.chat_forwarded(session, room=room, before=before, to_department=department is not None)
    if previous_agent_id is not None:
        route_waiting_chats(session)  # the previous agent has room for one more now


def _serving_agent(session: Session, agent_id: str) -> User:
    """The agent a chat is forwarded to, who must serve now (an unknown id is refused alike)."""
    agent = session.get(User, agent_id)
    if agent is None or not is_available_agent(session, agent.id):
        raise ApiError("error-user-is-offline")
    return agent


def _forward_to_agent(session: Session, *, room: Room, agent_id: str) -> User:
    agent = _serving_agent(session, agent_id)
    if agent.id == room.served_by_id:
        raise ApiError("error-selected-agent-room-agent-are-same")
    _hand_to(session, room=room, agent=agent)
    return agent


def _forward_to_department(
    session: Session, *, room: Room, department: Department, agent_id: str | None
) -> User | None:
    """Move the chat to ``department``: to the agent named, who must serve there, else to the
    department's queue, routed there. The agent handed the chat is returned (None: it waits)."""
    if department.id == room.department_id:
        raise ApiError("error-forwarding-chat-same-department")
    if agent_id:
        agent = _serving_agent(session, agent_id)
        if not is_available_agent(session, agent.id, department_id=department.id):
            raise ApiError("error-user-not-belong-to-department")
        room.department_id = department.id
        _hand_to(session, room=room, agent=agent)
        return agent
    # Automatic routing must find someone now (Rocket.Chat's rule); manual routing queues the chat
    # for the department's agents to take.
    automatic = setting_value(session, "Livechat_Routing_Method") == "Auto_Selection"
    if (
        automatic
        and not accepts_chats_without_agents(session)
        and not any_agent_available(session, department_id=department.id)
    ):
        raise ApiError("error-no-agents-online-in-department")
    _requeue(session, room=room, department=department)
    return None


def _hand_to(session: Session, *, room: Room, agent: User) -> None:
    """Give a chat being forwarded to ``agent``, within its limits: a queued one is claimed from the
    queue, a served one changes hands."""
    require_room_for(session, agent, department_id=room.department_id)
    inquiry = session.scalar(select(Inquiry).where(Inquiry.room_id == room.id))
    if inquiry is not None:
        inquiry.department_id = room.department_id
    if inquiry is not None and inquiry.status == "queued":
        if not _claim(session, inquiry=inquiry, room=room, agent=agent):
            raise ApiError("error-inquiry-taken", "Inquiry already taken")
    else:
        _serve(session, room=room, agent=agent)


def auto_transfer(session: Session, *, room: Room, after_seconds: int) -> bool:
    """An unanswered chat leaves its agent: to the least busy other agent with room (automatic
    routing), else back to the queue (manual routing); with automatic routing and nobody else, it
    stays. Returns whether it moved."""
    agent = session.get(User, room.served_by_id) if room.served_by_id else None
    if agent is None:
        return False
    transfer: dict[str, object] = {
        "comment": str(after_seconds),
        "transferredBy": {"_id": agent.id, "username": agent.username, "name": agent.name},
    }
    if setting_value(session, "Livechat_Routing_Method") == "Auto_Selection":
        lock_routing(session)
        other = least_busy_agent(session, department_id=room.department_id, exclude=agent.id)
        if other is None:
            return False
        _serve(session, room=room, agent=other)
        transfer |= {
            "transferredTo": {"username": other.username, "name": other.name},
            "scope": "autoTransferUnansweredChatsToAgent",
        }
    else:
        department = session.get(Department, room.department_id) if room.department_id else None
        _requeue(session, room=room, department=department)
        transfer["scope"] = "autoTransferUnansweredChatsToQueue"
    add_system_message(
        session, room=room, type="livechat_transfer_history", by=agent, extra={"transferData": transfer}
    )
    send_event_on_commit(session, room_event("transferred", room, previous_agent_id=agent.id))
    route_waiting_chats(session)  # the agent it left has room again
    return True


def requeue_room(session: Session, *, room: Room, by: User, department: Department | None = None) -> None:
    """Put a chat ``by`` served back in the queue of ``department``, by default its own (the agent left,
    or gave it back), and route it."""
    if department is None and room.department_id:
        department = session.get(Department, room.department_id)
    _requeue(session, room=room, department=department)
    transfer = {
        "comment": "",
        "transferredBy": {"_id": by.id, "username": by.username, "name": by.name},
        "scope": "queue",
    }
    add_system_message(
        session, room=room, type="livechat_transfer_history", by=by, extra={"transferData": transfer}
    )
    send_event_on_commit(session, room_event("transferred", room, previous_agent_id=by.id))


def return_room_to_queue(session: Session, *, room: Room, department_id: str | None = None) -> bool:
    """Rocket.Chat's returnAsInquiry: a served chat leaves its agent for the queue of ``department_id``
    (its own by default) and is routed as any waiting chat; the transfer is recorded as the serving
    agent's, as Rocket.Chat does. False, changing nothing, when nobody serves it."""
    if not room.open:
        raise ApiError("room-closed")
    if room.on_hold:
        raise ApiError("error-room-onHold")
    department = session.get(Department, department_id) if department_id else None
    if department_id and (department is None or not department.enabled or department.archived):
        raise ApiError("error-invalid-department")
    agent = session.get(User, room.served_by_id) if room.served_by_id else None
    if agent is None:
        return False
    requeue_room(session, room=room, by=agent, department=department)
    route_waiting_chats(session)  # the agent it left has room for one more now
    return True


def _requeue(session: Session, *, room: Room, department: Department | None) -> None:
    room.department_id = department.id if department is not None else None
    room.served_by_id = room.served_by_username = None
    room.served_at = None
    room.on_hold = False
    room.queued_at = utcnow()
    inquiry = session.scalar(select(Inquiry).where(Inquiry.room_id == room.id))
    if inquiry is None:
        inquiry = Inquiry(
            room_id=room.id, name=room.fname, visitor_id=room.visitor_id, source_type=room.source_type
        )
        session.add(inquiry)
    inquiry.status, inquiry.department_id = "queued", room.department_id
    inquiry.priority_weight, inquiry.sla_id, inquiry.sla_due_at = (
        room.priority_weight,
        room.sla_id,
        room.sla_due_at,
    )
    inquiry.sla_minutes = room.sla_minutes
    inquiry.taken_by_id = inquiry.taken_at = None
    inquiry.default_agent_id = inquiry.default_agent_username = None
    inquiry.queued_at = room.queued_at
    session.flush()
    _enter_queue(session, inquiry=inquiry, room=room)


def remove_inquiry(session: Session, *, room: Room) -> None:
    inquiry = session.scalar(select(Inquiry).where(Inquiry.room_id == room.id))
    if inquiry is not None:
        send_event_on_commit(session, _inquiry_event("removed", inquiry))
        session.delete(inquiry)


def room_event(op: str, room: Room, *, previous_agent_id: str | None = None) -> RoomChanged:
    return RoomChanged(
        op=op,
        room_id=room.id,
        visitor_id=room.visitor_id,
        agent_id=room.served_by_id,
        department_id=room.department_id,
        previous_agent_id=previous_agent_id if previous_agent_id != room.served_by_id else None,
    )


def _inquiry_event(op: str, inquiry: Inquiry) -> InquiryChanged:
    return InquiryChanged(
        op=op, inquiry_id=inquiry.id, room_id=inquiry.room_id, department_id=inquiry.department_id
    )
