"""Read paths for omnichannel staff: the users holding the livechat-agent or livechat-manager role."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import UnaryExpression

from omnidesk.models import DepartmentAgent, Room, User, UserRole
from omnidesk.models.accounts import AGENT_ROLE, MANAGER_ROLE

# The ``{type}`` of ``livechat/users/{type}`` and the role it stands for.
ROLE_OF_TYPE = {"agent": AGENT_ROLE, "manager": MANAGER_ROLE}

SORTABLE_STAFF_FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "name": User.name,
    "username": User.username,
    "status": User.status,
    "statusLivechat": User.livechat_status,
    "emails.address": User.email,
    "active": User.active,
}


def is_agent(user: User) -> bool:
    return AGENT_ROLE in user.role_ids


def user_with_role(session: Session, user_id: str, role_id: str) -> User | None:
    return session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(User.id == user_id, UserRole.role_id == role_id)
    )


def list_users_with_role(
    session: Session,
    *,
    role_id: str,
    text: str | None = None,
    only_available: bool = False,
    exclude_id: str | None = None,
    show_idle: bool = True,
    sort: Sequence[tuple[str, int]] = (),
    offset: int = 0,
    count: int = 50,
) -> tuple[list[User], int]:
    """Rocket.Chat's ``findAgents``/``findManagers``: text matches username, name or email."""
    query = select(User).join(UserRole, UserRole.user_id == User.id).where(UserRole.role_id == role_id)
    if text:
        needle = text.lower()
        query = query.where(
            or_(
                func.lower(User.username).contains(needle, autoescape=True),
                func.lower(User.name).contains(needle, autoescape=True),
                func.lower(User.email).contains(needle, autoescape=True),
            )
        )
    if only_available:
        query = query.where(User.livechat_status == "available")
    if exclude_id:
        query = query.where(User.id != exclude_id)
    if not show_idle:
        query = query.where(User.status != "offline")
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order: list[UnaryExpression[Any]] = [
        SORTABLE_STAFF_FIELDS[name].asc() if direction > 0 else SORTABLE_STAFF_FIELDS[name].desc()
        for name, direction in sort
    ] or [User.name.asc()]
    rows = session.scalars(query.order_by(*order, User.id).offset(offset).limit(count)).all()
    return list(rows), total


def open_chat_counts(session: Session, user_ids: Collection[str]) -> dict[str, int]:
    """How many open rooms each user serves (Rocket.Chat's ``livechatCount``)."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(Room.served_by_id, func.count())
        .where(Room.served_by_id.in_(list(user_ids)), Room.open.is_(True))
        .group_by(Room.served_by_id)
    )
    return {user_id: number for user_id, number in rows if user_id is not None}


def department_ids_of_agents(session: Session, user_ids: Collection[str]) -> dict[str, list[str]]:
    if not user_ids:
        return {}
    found: dict[str, list[str]] = {user_id: [] for user_id in user_ids}
    rows = session.execute(
        select(DepartmentAgent.agent_id, DepartmentAgent.department_id)
        .where(DepartmentAgent.agent_id.in_(list(user_ids)))
        .order_by(DepartmentAgent.department_id)
    )
    for agent_id, department_id in rows:
        found[agent_id].append(department_id)
    return found
