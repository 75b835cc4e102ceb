"""Every write to omnichannel staff: making users agents or managers, and agents' availability."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from omnidesk.actions.accounts import add_user_to_role, remove_user_from_role
from omnidesk.actions.departments import queue_department_agents_changed
from omnidesk.actions.routing import route_waiting_chats
from omnidesk.errors import ApiError, Failure
from omnidesk.events import AgentStatusChanged, DepartmentAgentChange, send_event_on_commit
from omnidesk.models import DepartmentAgent, Role, User
from omnidesk.models.accounts import AGENT_ROLE
from omnidesk.queries.business_hours import agent_within_hours

AGENT_STATUSES = ("available", "not-available")


def _role(session: Session, role_id: str) -> Role:
    role = session.get(Role, role_id)
    if role is None:  # the defaults seed both livechat roles; an admin cannot delete protected roles
        raise ApiError("error-invalid-role", f"Role {role_id} does not exist")
    return role


def add_staff_role(session: Session, *, user: User, role_id: str) -> User:
    """Make ``user`` an agent or a manager. Adding a role the user already holds changes nothing."""
    if role_id in user.role_ids:
        return user
    add_user_to_role(session, user=user, role=_role(session, role_id))
    if role_id == AGENT_ROLE:
        # As Rocket.Chat: a new agent is available; it takes chats as soon as it is present.
        set_agent_status(session, user=user, status="available")
    return user


def remove_staff_role(session: Session, *, user: User, role_id: str) -> None:
    """Take the role away; a former agent also leaves every department and stops taking chats.

    Removing a role the user does not hold succeeds, as in Rocket.Chat.
    """
    if role_id in user.role_ids:
        remove_user_from_role(session, user=user, role=_role(session, role_id))
    if role_id != AGENT_ROLE:
        return
    memberships = session.scalars(select(DepartmentAgent).where(DepartmentAgent.agent_id == user.id)).all()
    left = [
        (membership.department_id, DepartmentAgentChange("removed", membership.id, user.id))
        for membership in memberships
    ]
    session.execute(delete(DepartmentAgent).where(DepartmentAgent.agent_id == user.id))
    for department_id, change in left:
        queue_department_agents_changed(session, department_id, "agents", [change])
    set_agent_status(session, user=user, status="not-available")


def set_agent_status(session: Session, *, user: User, status: str) -> str:
    if status not in AGENT_STATUSES:
        raise ApiError("error-invalid-status", "Invalid status")
    user.livechat_status_by_hours = False  # a status set now is nobody's but the setter's
    if user.livechat_status != status:
        user.livechat_status = status
        session.flush()
        send_event_on_commit(
            session, AgentStatusChanged(user_id=user.id, username=user.username, status=status)
        )
        if status == "available":
            route_waiting_chats(session)
    return status


def set_agent_chat_limit(session: Session, *, user: User, max_chats: int | None) -> None:
    """The most chats the agent serves at once (None or 0: the workspace's limit). A raised limit may
    make room for waiting chats."""
    if max_chats is not None and max_chats < 0:
        raise ApiError("error-invalid-value", "The maximum number of simultaneous chats cannot be negative")
    previous = user.livechat_max_chats
    user.livechat_max_chats = max_chats or None
    session.flush()
    if user.livechat_max_chats != previous:
        route_waiting_chats(session)


def toggle_agent_status(session: Session, *, user: User, status: str | None, by: User) -> str:
    """Set the agent's status, or flip it when ``status`` is None (the agent's own on/off switch).
    Outside its business hours an agent cannot make itself available (Rocket.Chat's
    error-business-hours-are-closed); a manager's attempt leaves the status as it is, as there."""
    if not user.active:
        raise Failure("error-user-deactivated")  # Rocket.Chat's answer: the id alone
    if status is None:
        status = "not-available" if user.livechat_status == "available" else "available"
    if status == user.livechat_status:
        return status
    if status == "available" and not agent_within_hours(session, user.id):
        if by.id != user.id:
            return user.livechat_status
        raise ApiError("error-business-hours-are-closed")
    return set_agent_status(session, user=user, status=status)
