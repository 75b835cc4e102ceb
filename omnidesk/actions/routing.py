"""The queue: inquiries, picking an agent, taking a chat, forwarding it.

Routing methods (setting ``Livechat_Routing_Method``): ``Auto_Selection`` gives a new chat at once to
the least busy available agent (of the room's department, when it has one); ``Manual_Selection`` leaves
it queued for an agent to take. Either way, when ``Omnichannel_contact_manager_routing`` is on and the
contact's manager is available, the chat goes to the manager.

An agent is *available* when it holds the ``livechat-agent`` role, is active and has set its livechat
status to ``available`` (``livechat/agent.status``).
"""

from __future__ import annotations

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from omnidesk.actions.messages import add_system_message
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.events import InquiryChanged, RoomChanged, send_event_on_commit
from omnidesk.models import Contact, Department, DepartmentAgent, Inquiry, Room, User, UserRole, Visitor
from omnidesk.models.accounts import AGENT_ROLE
from omnidesk.queries.settings import setting_value


def _available_agents_query(department_id: str | None):  # type: ignore[no-untyped-def]
    query = (
        select(User)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role_id == AGENT_ROLE))
        .where(User.active.is_(True), User.livechat_status == "available")
    )
    if department_id:
        query = query.join(
            DepartmentAgent,
            (DepartmentAgent.agent_id == User.id) & (DepartmentAgent.department_id == department_id),
        )
    return query


def is_available_agent(session: Session, user_id: str, *, department_id: str | None = None) -> bool:
    query = _available_agents_query(department_id).where(User.id == user_id)
    return session.scalar(select(exists(query.subquery()))) or False


def any_agent_available(session: Session, *, department_id: str | None) -> bool:
    return session.scalar(select(exists(_available_agents_query(department_id).subquery()))) or False


def least_busy_agent(
    session: Session, *, department_id: str | None, exclude: str | None = None
) -> User | None:
    # count(*), not count(id): with the id to read, SQLite (no statistics) walks every chat the agent
    # ever served through the listing's index (migration 0011) instead of (served_by_id, open).
    open_chats = (
        select(func.count())
        .where(Room.served_by_id == User.id, Room.open.is_(True))
        .correlate(User)
        .scalar_subquery()
    )
    query = _available_agents_query(department_id)
    if exclude:
        query = query.where(User.id != exclude)
    return session.scalar(
        query.order_by(open_chats, User.last_routed_at.asc().nulls_first(), User.id).limit(1)
    )


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


def check_someone_can_serve(session: Session, *, department_id: str | None, contact: Contact | None) -> None:
    """Refuse a new chat nobody could serve, unless chats may wait for agents to come online."""
    if accepts_chats_without_agents(session) or _manager_for(session, contact) is not None:
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
        queued_at=room.queued_at or utcnow(),
    )
    manager = _manager_for(session, contact)
    if manager is not None:
        inquiry.default_agent_id, inquiry.default_agent_username = manager.id, manager.username
    session.add(inquiry)
    session.flush()
    if verifying:
        return inquiry
    send_event_on_commit(session, _inquiry_event("queued", inquiry))
    route_inquiry(session, inquiry=inquiry, room=room)
    return inquiry


def release_verified_inquiry(session: Session, *, room: Room) -> None:
    """A chat whose contact just verified: it leaves ``verifying`` for the queue, and is routed (also
    when it waited in the queue behind ``Livechat_Block_Unverified_Contacts``)."""
    inquiry = session.scalar(
        select(Inquiry).where(Inquiry.room_id == room.id, Inquiry.status.in_(("verifying", "queued")))
    )
    if inquiry is None:
        return
    if inquiry.status == "verifying":
        inquiry.status = "queued"
        session.flush()
        send_event_on_commit(session, _inquiry_event("queued", inquiry))
    route_inquiry(session, inquiry=inquiry, room=room)


def route_inquiry(session: Session, *, inquiry: Inquiry, room: Room) -> User | None:
    agent: User | None = None
    if contact_gate_error(session, room=room) is not None:
        return None  # it waits in the queue until the contact is added or verified
    if inquiry.default_agent_id and is_available_agent(session, inquiry.default_agent_id):
        agent = session.get(User, inquiry.default_agent_id)
    elif setting_value(session, "Livechat_Routing_Method") == "Auto_Selection":
        agent = least_busy_agent(session, department_id=room.department_id)
    if agent is not None:
        _claim(session, inquiry=inquiry, room=room, agent=agent)
    return agent


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
    _claim(session, inquiry=inquiry, room=room, agent=agent)
    return room


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


def _claim(session: Session, *, inquiry: Inquiry, room: Room, agent: User) -> None:
    now = utcnow()
    # The conditional UPDATE is the lock: a second taker finds the inquiry no longer queued.
    taken = session.execute(
        update(Inquiry)
        .where(Inquiry.id == inquiry.id, Inquiry.status == "queued")
        .values(status="taken", taken_by_id=agent.id, taken_at=now, updated_at=now),
        execution_options={"synchronize_session": "fetch"},
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise ApiError("error-inquiry-taken", "Inquiry already taken")
    _serve(session, room=room, agent=agent)
    send_event_on_commit(session, _inquiry_event("taken", inquiry))


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
    to_agent: User | None = None,
    to_department: Department | None = None,
    comment: str | None = None,
) -> None:
    if not room.open:
        raise ApiError("error-room-closed", "This conversation is already closed")
    previous_agent_id = room.served_by_id
    transfer: dict[str, object] = {
        "comment": comment or "",
        "transferredBy": {"_id": by.id, "username": by.username, "name": by.name},
    }
    if to_agent is not None:
        if to_agent.id == room.served_by_id:
            raise ApiError(
                "error-selected-agent-room-agent-are-same",
                "The selected agent and the room agent are the same",
            )
        if not is_available_agent(session, to_agent.id):
            raise ApiError("error-agent-offline", "The selected agent is not available")
        inquiry = session.scalar(select(Inquiry).where(Inquiry.room_id == room.id))
        if inquiry is not None and inquiry.status == "queued":
            _claim(session, inquiry=inquiry, room=room, agent=to_agent)
        else:
            _serve(session, room=room, agent=to_agent)
        transfer |= {
            "transferredTo": {"username": to_agent.username, "name": to_agent.name},
            "scope": "agent",
        }
    elif to_department is not None:
        if not to_department.enabled or to_department.archived:
            raise ApiError("error-invalid-department", "The selected department is invalid")
        if not accepts_chats_without_agents(session) and not any_agent_available(
            session, department_id=to_department.id
        ):
            raise ApiError("error-no-agents-online-in-department", "No agents online in the department")
        _requeue(session, room=room, department=to_department)
        transfer |= {
            "nextDepartment": {"_id": to_department.id, "name": to_department.name},
            "scope": "department",
        }
    else:
        raise ApiError("error-invalid-transfer", "Give an agent or a department to forward to")
    add_system_message(
        session, room=room, type="livechat_transfer_history", by=by, extra={"transferData": transfer}
    )
    # To an agent, the "served" event told the previous one; to a department, the room was taken from
    # it first (and maybe served anew), so this event tells it.
    lost_by = previous_agent_id if to_agent is None else None
    send_event_on_commit(session, room_event("transferred", room, previous_agent_id=lost_by))


def _requeue(session: Session, *, room: Room, department: Department) -> None:
    room.department_id = department.id
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
    inquiry.status, inquiry.department_id = "queued", department.id
    inquiry.taken_by_id = inquiry.taken_at = None
    inquiry.default_agent_id = inquiry.default_agent_username = None
    inquiry.queued_at = room.queued_at
    session.flush()
    send_event_on_commit(session, _inquiry_event("queued", inquiry))
    route_inquiry(session, inquiry=inquiry, room=room)


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
