"""Every write to departments and to the agents that serve them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from omnidesk.actions.accounts import normalise_email
from omnidesk.actions.routing import route_waiting_chats
from omnidesk.errors import ApiError, Failure
from omnidesk.events import DepartmentAgentChange, DepartmentChanged, send_event_on_commit
from omnidesk.models import Department, DepartmentAgent, ServiceLevelAgreement, User
from omnidesk.queries.agents import is_agent
from omnidesk.queries.settings import setting_value


@dataclass(frozen=True)
class DepartmentFields:
    """What a client may set on a department. ``None`` keeps the current value on update."""

    name: str
    enabled: bool
    email: str
    show_on_registration: bool
    show_on_offline_form: bool
    description: str | None = None
    request_tag_before_closing: bool | None = None
    chat_closing_tags: list[str] | None = None
    fallback_forward_department_id: str | None = None  # "" clears it
    max_chats_per_agent: int | None = None  # 0 clears it
    sla_id: str | None = None  # the default SLA of its new chats; "" clears it
    # Kept and answered, not applied; each key given replaces its stored value, the others stay.
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AgentAssignment:
    agent_id: str
    count: int = 0
    order: int = 0


def _apply_fields(session: Session, department: Department, fields: DepartmentFields) -> None:
    name = fields.name.strip()
    if not name:
        raise ApiError("error-the-field-is-required", "The field name is required.")
    if department.archived and fields.enabled:
        raise ApiError("error-archived-department-cant-be-enabled", "Archived departments cant be enabled")
    tags = fields.chat_closing_tags if fields.chat_closing_tags is not None else department.chat_closing_tags
    requires_tags = (
        fields.request_tag_before_closing
        if fields.request_tag_before_closing is not None
        else department.request_tag_before_closing
    )
    if requires_tags and not tags:
        raise ApiError(
            "error-validating-department-chat-closing-tags",
            "At least one closing tag is required when the department requires tag(s) on closing"
            " conversations.",
        )
    if fields.fallback_forward_department_id is not None:
        department.fallback_forward_department_id = _check_fallback(
            session, department, fields.fallback_forward_department_id
        )
    department.name = name
    department.enabled = fields.enabled
    department.email = normalise_email(fields.email) if fields.email.strip() else ""
    department.show_on_registration = fields.show_on_registration
    department.show_on_offline_form = fields.show_on_offline_form
    department.request_tag_before_closing = bool(requires_tags)
    department.chat_closing_tags = [tag.strip() for tag in tags or [] if tag.strip()]
    if fields.description is not None:
        department.description = fields.description
    if fields.max_chats_per_agent is not None:
        if fields.max_chats_per_agent < 0:
            raise ApiError(
                "error-invalid-value", "The maximum number of simultaneous chats cannot be negative"
            )
        department.max_chats_per_agent = fields.max_chats_per_agent or None
    if fields.sla_id is not None:
        if fields.sla_id and session.get(ServiceLevelAgreement, fields.sla_id) is None:
            raise ApiError("error-invalid-sla", "Invalid SLA")
        department.sla_id = fields.sla_id or None
    if fields.extra:
        department.extra = {**(department.extra or {}), **fields.extra}


def _check_fallback(session: Session, department: Department, fallback_id: str) -> str | None:
    if not fallback_id:
        return None
    if fallback_id == department.id:
        raise ApiError(
            "error-fallback-department-circular",
            "Cannot save department. Circular reference between fallback department and department",
        )
    if session.get(Department, fallback_id) is None:
        raise ApiError("error-fallback-department-not-found", "Fallback department not found")
    return fallback_id


def create_department(
    session: Session, *, fields: DepartmentFields, agents: Sequence[AgentAssignment] | None = None
) -> Department:
    department = Department(
        description="", chat_closing_tags=[], request_tag_before_closing=False, archived=False
    )
    _apply_fields(session, department, fields)
    session.add(department)
    session.flush()
    if agents:
        save_department_agents(session, department=department, upsert=agents, remove=())
    return department


def update_department(
    session: Session,
    *,
    department: Department,
    fields: DepartmentFields,
    agents: Sequence[AgentAssignment] | None = None,
) -> Department:
    was_enabled = department.enabled
    _apply_fields(session, department, fields)
    session.flush()
    if department.enabled != was_enabled:
        _tell_agents_enabled_changed(session, department)
    if agents:
        save_department_agents(session, department=department, upsert=agents, remove=())
    else:
        route_waiting_chats(session)  # a raised or lifted limit, a department enabled again
    return department


def _agents_by_id(session: Session, agent_ids: Sequence[str]) -> dict[str, User]:
    users = {user.id: user for user in session.scalars(select(User).where(User.id.in_(agent_ids)))}
    for agent_id in agent_ids:
        user = users.get(agent_id)
        if user is None:
            raise ApiError("error-invalid-user", "Invalid user")
        if not is_agent(user):
            raise ApiError("error-user-is-not-agent", "User is not an agent")
    return users


def save_department_agents(
    session: Session,
    *,
    department: Department,
    upsert: Sequence[AgentAssignment],
    remove: Sequence[str],
) -> None:
    """Add or update the ``upsert`` agents, then drop the ``remove`` ones. Each must be an agent."""
    _agents_by_id(session, [assignment.agent_id for assignment in upsert])
    current = {
        membership.agent_id: membership
        for membership in session.scalars(
            select(DepartmentAgent).where(DepartmentAgent.department_id == department.id)
        )
    }
    joined: list[DepartmentAgent] = []
    left: list[DepartmentAgent] = []
    for assignment in upsert:
        membership = current.get(assignment.agent_id)
        if membership is None:
            membership = DepartmentAgent(department_id=department.id, agent_id=assignment.agent_id)
            session.add(membership)
            current[assignment.agent_id] = membership
            joined.append(membership)
        membership.count = assignment.count
        membership.order = assignment.order
    for agent_id in remove:
        if agent_id in current:
            left.append(current[agent_id])
            session.delete(current.pop(agent_id))
    session.flush()
    changes = [_change("inserted", membership) for membership in joined if membership not in left]
    changes += [_change("removed", membership) for membership in left if membership not in joined]
    queue_department_agents_changed(session, department.id, "agents", changes)
    route_waiting_chats(session)  # new agents may serve the department's waiting chats


def _memberships(session: Session, department_id: str) -> list[DepartmentAgent]:
    return list(
        session.scalars(select(DepartmentAgent).where(DepartmentAgent.department_id == department_id))
    )


def _change(action: str, membership: DepartmentAgent) -> DepartmentAgentChange:
    """What the agent is told (before a deletion: the row's id is gone after it)."""
    return DepartmentAgentChange(action=action, membership_id=membership.id, agent_id=membership.agent_id)


def queue_department_agents_changed(
    session: Session, department_id: str, op: str, changes: Sequence[DepartmentAgentChange]
) -> None:
    """Tell the agents whose place in the department changed; a change that touches none tells nobody."""
    if changes:
        send_event_on_commit(
            session, DepartmentChanged(op=op, department_id=department_id, agents=tuple(changes))
        )


def _tell_agents_enabled_changed(session: Session, department: Department) -> None:
    """Its agents' queues gain or lose the department's chats (Rocket.Chat tells them "updated")."""
    changes = [_change("updated", membership) for membership in _memberships(session, department.id)]
    queue_department_agents_changed(session, department.id, "updated", changes)


def set_department_archived(session: Session, *, department: Department, archived: bool) -> None:
    """Archive or unarchive a department, as Rocket.Chat: archiving disables it too, and unarchiving
    leaves it disabled until an edit enables it again."""
    was_enabled = department.enabled
    department.archived = archived
    if archived:
        department.enabled = False
    session.flush()
    if department.enabled != was_enabled:
        _tell_agents_enabled_changed(session, department)


def delete_department(session: Session, *, department_id: str) -> None:
    """Delete a department, while ``Omnichannel_enable_department_removal`` allows it. Its rooms,
    inquiries and visitors keep no department (ON DELETE SET NULL)."""
    # Rocket.Chat's texts, alone: its route answers these with the bare error id.
    if not setting_value(session, "Omnichannel_enable_department_removal"):
        raise Failure("error-department-removal-disabled")
    department = session.get(Department, department_id)
    if department is None:
        raise Failure("error-department-not-found")
    memberships = _memberships(session, department_id)
    session.execute(
        update(Department)
        .where(Department.fallback_forward_department_id == department_id)
        .values(fallback_forward_department_id=None)
    )
    session.execute(delete(DepartmentAgent).where(DepartmentAgent.department_id == department_id))
    session.delete(department)
    session.flush()
    changes = [_change("removed", membership) for membership in memberships]
    queue_department_agents_changed(session, department_id, "deleted", changes)


def set_agent_departments(session: Session, *, agent: User, department_ids: Sequence[str]) -> None:
    """Make the agent a member of exactly these departments (Rocket.Chat's agents.saveInfo); ids of
    departments that do not exist are ignored, as there."""
    wanted = set(session.scalars(select(Department.id).where(Department.id.in_(set(department_ids)))))
    memberships = {
        membership.department_id: membership
        for membership in session.scalars(select(DepartmentAgent).where(DepartmentAgent.agent_id == agent.id))
    }
    left = [memberships[department_id] for department_id in sorted(set(memberships) - wanted)]
    changes = [(membership.department_id, _change("removed", membership)) for membership in left]
    for membership in left:
        session.delete(membership)
    joined = [
        DepartmentAgent(department_id=department_id, agent_id=agent.id, count=0, order=0)
        for department_id in sorted(wanted - set(memberships))
    ]
    session.add_all(joined)
    session.flush()
    changes += [(membership.department_id, _change("inserted", membership)) for membership in joined]
    for department_id, change in changes:
        queue_department_agents_changed(session, department_id, "agents", [change])
    if changes:
        route_waiting_chats(session)
