"""Read paths for departments and their agents."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from omnidesk.models import Department, DepartmentAgent, User


@dataclass(frozen=True)
class DepartmentAgentRow:
    """One agent's membership of one department, with what Rocket.Chat denormalises onto it."""

    membership: DepartmentAgent
    username: str
    department_enabled: bool
    department_name: str


def _agent_count_of(department_id: Any) -> Any:
    return (
        select(func.count())
        .where(DepartmentAgent.department_id == department_id)
        .correlate(Department)
        .scalar_subquery()
    )


SORTABLE_DEPARTMENT_FIELDS: dict[str, Any] = {
    "name": Department.name,
    "description": Department.description,
    "email": Department.email,
    "enabled": Department.enabled,
    "archived": Department.archived,
    "showOnRegistration": Department.show_on_registration,
    "showOnOfflineForm": Department.show_on_offline_form,
    "_updatedAt": Department.updated_at,
    "numAgents": _agent_count_of(Department.id),
}

SORTABLE_DEPARTMENT_AGENT_FIELDS: dict[str, Any] = {
    "username": User.username,
    "count": DepartmentAgent.count,
    "order": DepartmentAgent.order,
    "_updatedAt": DepartmentAgent.updated_at,
}


def _ordering(
    sort: Sequence[tuple[str, int]], fields: dict[str, Any], default: Any
) -> list[ColumnElement[Any]]:
    return [fields[name].asc() if direction > 0 else fields[name].desc() for name, direction in sort] or [
        default.asc()
    ]


def is_department_agent(session: Session, department_id: str, user_id: str) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    DepartmentAgent.department_id == department_id, DepartmentAgent.agent_id == user_id
                )
            )
        )
    )


def _served_by(agent_id: str) -> ColumnElement[bool]:
    return exists().where(
        DepartmentAgent.department_id == Department.id, DepartmentAgent.agent_id == agent_id
    )


def list_departments(
    session: Session,
    *,
    text: str | None = None,
    enabled_only: bool = False,
    show_archived: bool = False,
    archived_only: bool = False,
    exclude_id: str | None = None,
    agent_id: str | None = None,
    sort: Sequence[tuple[str, int]] = (),
    offset: int = 0,
    count: int = 50,
) -> tuple[list[Department], int]:
    """Departments by case-insensitive name substring; ``agent_id`` keeps only that agent's ones."""
    query = select(Department)
    if archived_only:
        query = query.where(Department.archived.is_(True))
    elif not show_archived:
        query = query.where(Department.archived.is_(False))
    if enabled_only:
        query = query.where(Department.enabled.is_(True))
    if text:
        query = query.where(func.lower(Department.name).contains(text.lower(), autoescape=True))
    if exclude_id:
        query = query.where(Department.id != exclude_id)
    if agent_id is not None:
        query = query.where(_served_by(agent_id))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = _ordering(sort, SORTABLE_DEPARTMENT_FIELDS, Department.name)
    rows = session.scalars(query.order_by(*order, Department.id).offset(offset).limit(count)).all()
    return list(rows), total


def departments_to_autocomplete(
    session: Session,
    *,
    term: str,
    exceptions: Collection[str] = (),
    show_archived: bool = False,
    agent_id: str | None = None,
) -> list[Department]:
    """Departments whose name starts with ``term`` (any case), by name: Rocket.Chat's autocomplete."""
    query = select(Department).where(
        func.lower(Department.name).startswith(term.strip().lower(), autoescape=True)
    )
    if exceptions:
        query = query.where(Department.id.not_in(list(exceptions)))
    if not show_archived:
        query = query.where(Department.archived.is_(False))
    if agent_id is not None:
        query = query.where(_served_by(agent_id))
    return list(session.scalars(query.order_by(Department.name, Department.id)))


def departments_by_ids(session: Session, ids: Collection[str]) -> list[Department]:
    if not ids:
        return []
    query = select(Department).where(Department.id.in_(list(ids)))
    return list(session.scalars(query.order_by(Department.name, Department.id)))


def agent_counts(session: Session, department_ids: Collection[str]) -> dict[str, int]:
    if not department_ids:
        return {}
    rows = session.execute(
        select(DepartmentAgent.department_id, func.count())
        .where(DepartmentAgent.department_id.in_(list(department_ids)))
        .group_by(DepartmentAgent.department_id)
    )
    return {department_id: number for department_id, number in rows}


def _membership_query() -> Any:
    return (
        select(DepartmentAgent, User.username, Department.enabled, Department.name)
        .join(User, User.id == DepartmentAgent.agent_id)
        .join(Department, Department.id == DepartmentAgent.department_id)
    )


def _rows(result: Any) -> list[DepartmentAgentRow]:
    return [
        DepartmentAgentRow(
            membership=membership, username=username, department_enabled=enabled, department_name=name
        )
        for membership, username, enabled, name in result
    ]


def department_agents(
    session: Session,
    department_id: str,
    *,
    sort: Sequence[tuple[str, int]] = (),
    offset: int = 0,
    count: int | None = None,
) -> tuple[list[DepartmentAgentRow], int]:
    query = _membership_query().where(DepartmentAgent.department_id == department_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = _ordering(sort, SORTABLE_DEPARTMENT_AGENT_FIELDS, User.username)
    query = query.order_by(*order, DepartmentAgent.id).offset(offset)
    if count is not None:
        query = query.limit(count)
    return _rows(session.execute(query)), total


def departments_of_agent(
    session: Session, agent_id: str, *, enabled_only: bool = False
) -> list[DepartmentAgentRow]:
    query = _membership_query().where(DepartmentAgent.agent_id == agent_id)
    if enabled_only:
        query = query.where(Department.enabled.is_(True))
    return _rows(session.execute(query.order_by(Department.name, Department.id)))


def widget_departments(session: Session) -> list[Department]:
    """The departments a visitor may choose in the widget, by name."""
    return list(
        session.scalars(
            select(Department)
            .where(Department.enabled.is_(True), Department.archived.is_(False))
            .order_by(Department.name)
        )
    )
