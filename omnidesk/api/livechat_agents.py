"""``livechat/users/{type}`` and ``livechat/agent.status``: omnichannel agents and managers.

Permissions follow Rocket.Chat: anyone who may transfer chats or edit contacts lists agents (the
transfer and contact-manager pickers need it); listing managers and reading one user needs
``view-livechat-manager``. Adding or removing needs ``manage-livechat-agents`` for agents and
``manage-livechat-managers`` for managers (Rocket.Chat asks only ``view-livechat-manager``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from omnidesk.access import Actor, require, require_any
from omnidesk.actions import agents as agent_actions
from omnidesk.actions import departments as department_actions
from omnidesk.api.openapi import errors
from omnidesk.api.shapes import ok, page_bounds, parse_sort
from omnidesk.api.validation import Body, QueryParams
from omnidesk.errors import ApiError, Failure, NotFound
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import User
from omnidesk.models.accounts import AGENT_ROLE, MANAGER_ROLE
from omnidesk.queries.agents import (
    ROLE_OF_TYPE,
    SORTABLE_STAFF_FIELDS,
    department_ids_of_agents,
    is_agent,
    list_users_with_role,
    open_chat_counts,
    user_with_role,
)
from omnidesk.queries.users import user_by_username

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["livechat"])

LIST_AGENTS_PERMISSIONS = (
    "view-livechat-manager",
    "manage-livechat-agents",
    "transfer-livechat-guest",
    "edit-omnichannel-contact",
)
MANAGE_PERMISSION = {AGENT_ROLE: "manage-livechat-agents", MANAGER_ROLE: "manage-livechat-managers"}


def _role_of(user_type: str) -> str:
    role_id = ROLE_OF_TYPE.get(user_type)
    if role_id is None:
        raise Failure("error-invalid-type", "Invalid type")  # Rocket.Chat's Error("Invalid type")
    return role_id


def staff_shapes(session: Session, users: Sequence[User], *, role_id: str) -> list[dict[str, Any]]:
    ids = [user.id for user in users]
    chats = open_chat_counts(session, ids)
    departments = department_ids_of_agents(session, ids) if role_id == AGENT_ROLE else {}
    shapes = []
    for user in users:
        shape: dict[str, Any] = {
            "_id": user.id,
            "username": user.username,
            "name": user.name,
            "status": user.status,
            "statusLivechat": user.livechat_status,
            "emails": [{"address": user.email, "verified": user.email_verified}] if user.email else [],
            "livechatCount": chats.get(user.id, 0),
            "statusDefault": user.status_default,
            "roles": user.role_ids,
            "active": user.active,
        }
        if role_id == AGENT_ROLE:
            shape["departments"] = departments.get(user.id, [])
            if user.livechat_max_chats:
                shape["livechat"] = {"maxNumberSimultaneousChat": user.livechat_max_chats}
        shapes.append(shape)
    return shapes


class StaffListQuery(QueryParams):
    text: str | None = None
    onlyAvailable: bool | None = None
    excludeId: str | None = None
    showIdleAgents: bool | None = None
    fields: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None
    query: str | None = None


@router.get("/livechat/users/{user_type}")
def list_staff(
    user_type: str, params: Annotated[StaffListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    role_id = _role_of(user_type)
    if role_id == AGENT_ROLE:
        require_any(session, actor, *LIST_AGENTS_PERMISSIONS)
    else:
        require(session, actor, "view-livechat-manager")
    offset, count = page_bounds(params.offset, params.count)
    users, total = list_users_with_role(
        session,
        role_id=role_id,
        text=params.text,
        only_available=bool(params.onlyAvailable),
        exclude_id=params.excludeId,
        show_idle=params.showIdleAgents is not False,
        sort=parse_sort(params.sort, SORTABLE_STAFF_FIELDS),
        offset=offset,
        count=count,
    )
    users_out = staff_shapes(session, users, role_id=role_id)
    return ok(users=users_out, count=len(users_out), offset=offset, total=total)


class StaffAddBody(Body):
    username: str


@router.post("/livechat/users/{user_type}")
def add_staff(user_type: str, body: StaffAddBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    role_id = _role_of(user_type)
    require(session, actor, MANAGE_PERMISSION[role_id])
    user = user_by_username(session, body.username)
    if user is None:
        raise ApiError("error-invalid-user", "Invalid user")
    agent_actions.add_staff_role(session, user=user, role_id=role_id)
    return ok(user=staff_shapes(session, [user], role_id=role_id)[0])


@router.get("/livechat/users/{user_type}/{user_id}")
def get_staff(user_type: str, user_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    role_id = _role_of(user_type)
    require(session, actor, "view-livechat-manager")
    user = user_with_role(session, user_id, role_id)
    # Rocket.Chat answers 200 with a null user when the id is unknown or lacks the role.
    return ok(user=staff_shapes(session, [user], role_id=role_id)[0] if user else None)


@router.delete("/livechat/users/{user_type}/{user_id}")
def remove_staff(user_type: str, user_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    role_id = _role_of(user_type)
    require(session, actor, MANAGE_PERMISSION[role_id])
    user = session.get(User, user_id)
    if user is None:
        raise ApiError("error-invalid-user", "Invalid user")
    agent_actions.remove_staff_role(session, user=user, role_id=role_id)
    return ok()


class AgentStatusBody(Body):
    status: Literal["available", "not-available"] | None = None
    agentId: str | None = None


def _status_target(session: Session, actor: Actor, agent_id: str | None) -> User:
    if agent_id and agent_id != actor.id:
        if not actor.can(session, "manage-livechat-agents"):
            # Rocket.Chat checks this one by hand: its forbidden() answers "unauthorized".
            raise Failure("error-unauthorized", "unauthorized", status_code=403)
        target = session.get(User, agent_id)
    else:
        target = actor.user
    if target is None or not is_agent(target):
        raise NotFound("Agent not found")
    return target


@router.post("/livechat/agent.status", responses=errors(404))
def agent_status(body: AgentStatusBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "view-l-room")
    target = _status_target(session, actor, body.agentId)
    return ok(
        status=agent_actions.toggle_agent_status(session, user=target, status=body.status, by=actor.user)
    )


class AgentData(Body):
    """The agent's livechat data; Rocket.Chat keeps any key, Omnidesk the one routing reads."""

    model_config = ConfigDict(extra="ignore")

    maxNumberSimultaneousChat: (
        Annotated[int, Field(ge=0, le=1000)] | Annotated[str, Field(max_length=4)] | None
    ) = None

    def max_chats(self) -> int | None:
        value = self.maxNumberSimultaneousChat
        if isinstance(value, str):
            if not value.strip():
                return None
            if not value.strip().isdigit() or int(value) > 1000:
                raise ApiError(
                    "error-invalid-value", "maxNumberSimultaneousChat must be a whole number from 0 to 1000"
                )
            return int(value)
        return value


class AgentSaveInfoBody(Body):
    agentId: str = Field(min_length=1, max_length=64)
    agentData: AgentData
    agentDepartments: list[Annotated[str, Field(max_length=64)]] = Field(max_length=500)


@router.post("/livechat/agents.saveInfo")
def save_agent_info(body: AgentSaveInfoBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """An agent's chat limit and departments (Rocket.Chat's agent edit form)."""
    require(session, actor, "manage-livechat-agents")
    agent = session.get(User, body.agentId)
    if agent is None or not is_agent(agent):
        raise Failure("error-user-is-not-agent")  # Rocket.Chat's failure('error-user-is-not-agent')
    agent_actions.set_agent_chat_limit(session, user=agent, max_chats=body.agentData.max_chats())
    department_actions.set_agent_departments(session, agent=agent, department_ids=body.agentDepartments)
    return ok()
