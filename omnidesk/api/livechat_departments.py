"""``livechat/department*`` and ``livechat/agents/{agentId}/departments``.

As in Rocket.Chat, anyone who may view omnichannel rooms (``view-l-room``, so every agent) may list
and read departments: agents need them to transfer chats. ``onlyMyDepartments=true`` narrows the list
to the caller's own departments unless the caller supervises departments (``view-livechat-departments``
or ``manage-livechat-departments``). Writes need ``manage-livechat-departments``; changing a
department's agents also accepts ``add-livechat-department-agents``, and deleting one
``remove-livechat-department``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from omnidesk.access import Actor, require, require_any
from omnidesk.actions import departments as department_actions
from omnidesk.actions.departments import AgentAssignment, DepartmentFields
from omnidesk.api.shapes import ok, page_bounds, parse_sort
from omnidesk.api.validation import Body, QueryParams, parse_query
from omnidesk.dates import iso
from omnidesk.errors import ApiError, Failure, InvalidQuery
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.input_rules import loads_json
from omnidesk.models import Department
from omnidesk.queries.departments import (
    SORTABLE_DEPARTMENT_AGENT_FIELDS,
    SORTABLE_DEPARTMENT_FIELDS,
    DepartmentAgentRow,
    agent_counts,
    department_agents,
    departments_by_ids,
    departments_of_agent,
    departments_to_autocomplete,
    is_department_agent,
    list_departments,
)

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["livechat"])

VIEW_PERMISSIONS = ("view-livechat-departments", "manage-livechat-departments", "view-l-room")
SUPERVISE_PERMISSIONS = ("view-livechat-departments", "manage-livechat-departments")
EDIT_AGENTS_PERMISSIONS = ("manage-livechat-departments", "add-livechat-department-agents")
REMOVE_PERMISSIONS = ("manage-livechat-departments", "remove-livechat-department")


def _department_or_error(session: Session, department_id: str, error: ApiError | None = None) -> Department:
    department = session.get(Department, department_id)
    if department is None:
        raise error or ApiError("error-department-not-found", "Department not found")
    return department


def _restrict_to_own(session: Session, actor: Actor, only_mine: str | None) -> str | None:
    """The agent id to narrow a listing to, when ``onlyMyDepartments`` applies to this caller."""
    supervises = any(actor.can(session, permission) for permission in SUPERVISE_PERMISSIONS)
    return actor.id if only_mine == "true" and not supervises else None


def department_shapes(session: Session, departments: Sequence[Department]) -> list[dict[str, Any]]:
    counts = agent_counts(session, [department.id for department in departments])
    shapes = []
    for department in departments:
        shape: dict[str, Any] = {
            "offlineMessageChannelName": "",
            **(department.extra or {}),
            "_id": department.id,
            "name": department.name,
            "enabled": department.enabled,
            "description": department.description,
            "email": department.email,
            "showOnRegistration": department.show_on_registration,
            "showOnOfflineForm": department.show_on_offline_form,
            "requestTagBeforeClosingChat": department.request_tag_before_closing,
            "chatClosingTags": list(department.chat_closing_tags),
            "archived": department.archived,
            "numAgents": counts.get(department.id, 0),
            "_updatedAt": iso(department.updated_at),
        }
        if department.fallback_forward_department_id:
            shape["fallbackForwardDepartment"] = department.fallback_forward_department_id
        if department.max_chats_per_agent:
            shape["maxNumberSimultaneousChat"] = department.max_chats_per_agent
        if department.sla_id:
            shape["slaId"] = department.sla_id
        shapes.append(shape)
    return shapes


def department_agent_shape(row: DepartmentAgentRow, *, with_department_name: bool = False) -> dict[str, Any]:
    membership = row.membership
    shape: dict[str, Any] = {
        "_id": membership.id,
        "agentId": membership.agent_id,
        "departmentId": membership.department_id,
        "departmentEnabled": row.department_enabled,
        "username": row.username,
        "count": membership.count,
        "order": membership.order,
        "_updatedAt": iso(membership.updated_at),
    }
    if with_department_name:
        shape["departmentName"] = row.department_name
    return shape


def _saved(session: Session, department: Department) -> dict[str, Any]:
    rows, _total = department_agents(session, department.id)
    return ok(
        department=department_shapes(session, [department])[0],
        agents=[department_agent_shape(row) for row in rows],
    )


# Rocket.Chat's department fields that Omnidesk keeps for its clients without applying them.
KEPT_FIELDS = (
    "departmentsAllowedToForward",
    "allowReceiveForwardOffline",
    "offlineMessageChannelName",
    "abandonedRoomsCloseCustomMessage",
    "waitingQueueMessage",
)
# What a department's answer computes or Omnidesk owns: a form's own property of that name is dropped.
ANSWERED_FIELDS = frozenset(
    {"_id", "_updatedAt", "numAgents", "archived", "type", "parentId", "ancestors", "businessHourId"}
)
MAX_KEPT_TEXT = 5000


class DepartmentInput(Body):
    """Rocket.Chat lets forms add custom properties; they must be scalars, and are kept as given."""

    model_config = ConfigDict(strict=True, extra="allow")

    enabled: bool
    name: str
    email: str
    showOnRegistration: bool
    showOnOfflineForm: bool
    description: str | None = None
    requestTagBeforeClosingChat: bool | None = None
    chatClosingTags: list[str] | None = None
    fallbackForwardDepartment: str | None = None
    departmentsAllowedToForward: list[Annotated[str, Field(max_length=32)]] | None = Field(
        default=None, max_length=1000
    )
    allowReceiveForwardOffline: bool | None = None
    offlineMessageChannelName: str | None = Field(default=None, max_length=MAX_KEPT_TEXT)
    abandonedRoomsCloseCustomMessage: str | None = Field(default=None, max_length=MAX_KEPT_TEXT)
    waitingQueueMessage: str | None = Field(default=None, max_length=MAX_KEPT_TEXT)
    maxNumberSimultaneousChat: int | None = Field(default=None, ge=0, le=1000)
    slaId: str | None = None  # extension: the default SLA of the department's new chats

    @model_validator(mode="after")
    def _scalar_extras(self) -> DepartmentInput:
        for value in (self.model_extra or {}).values():
            if not isinstance(value, str | int | bool):
                raise ValueError("must be string, integer or boolean")
            if isinstance(value, str) and len(value) > MAX_KEPT_TEXT:
                raise ValueError(f"must NOT have more than {MAX_KEPT_TEXT} characters")
        return self

    def kept(self) -> dict[str, Any]:
        given = {name: getattr(self, name) for name in KEPT_FIELDS if getattr(self, name) is not None}
        extras = {key: value for key, value in (self.model_extra or {}).items() if key not in ANSWERED_FIELDS}
        return {**extras, **given}

    def fields(self) -> DepartmentFields:
        return DepartmentFields(
            name=self.name,
            enabled=self.enabled,
            email=self.email,
            show_on_registration=self.showOnRegistration,
            show_on_offline_form=self.showOnOfflineForm,
            description=self.description,
            request_tag_before_closing=self.requestTagBeforeClosingChat,
            chat_closing_tags=self.chatClosingTags,
            fallback_forward_department_id=self.fallbackForwardDepartment,
            max_chats_per_agent=self.maxNumberSimultaneousChat,
            sla_id=self.slaId,
            extra=self.kept(),
        )


class DepartmentAgentInput(Body):
    agentId: str = Field(min_length=1)
    username: str | None = None
    name: str | None = None
    count: int | None = None
    order: int | None = None

    def assignment(self) -> AgentAssignment:
        return AgentAssignment(agent_id=self.agentId, count=self.count or 0, order=self.order or 0)


class DepartmentAgentRemoval(DepartmentAgentInput):
    """What clients send back from a department's agent list, read-only fields included."""

    departmentEnabled: bool | None = None
    departmentId: str | None = None
    id_: str | None = Field(default=None, alias="_id")
    updatedAt: str | None = Field(default=None, alias="_updatedAt")


class DepartmentUnit(Body):
    id_: str | None = Field(default=None, alias="_id")


class DepartmentSaveBody(Body):
    department: DepartmentInput
    agents: list[DepartmentAgentInput] | None = None
    departmentUnit: DepartmentUnit | None = None  # Enterprise business units: accepted, not kept

    def assignments(self) -> list[AgentAssignment]:
        return [agent.assignment() for agent in self.agents or []]


class DepartmentListQuery(QueryParams):
    text: str | None = None
    onlyMyDepartments: Literal["true", "false"] | None = None
    enabled: str | None = None
    excludeDepartmentId: str | None = None
    showArchived: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None
    query: str | None = None


def _listing(
    session: Session, actor: Actor, params: DepartmentListQuery, *, archived_only: bool = False
) -> dict[str, Any]:
    require_any(session, actor, *VIEW_PERMISSIONS)
    offset, count = page_bounds(params.offset, params.count)
    departments, total = list_departments(
        session,
        text=params.text,
        # The archived listing is Rocket.Chat's: it takes no "enabled" filter.
        enabled_only=params.enabled == "true" and not archived_only,
        show_archived=params.showArchived == "true",
        archived_only=archived_only,
        exclude_id=params.excludeDepartmentId,
        agent_id=_restrict_to_own(session, actor, params.onlyMyDepartments),
        sort=parse_sort(params.sort, SORTABLE_DEPARTMENT_FIELDS),
        offset=offset,
        count=count,
    )
    shapes = department_shapes(session, departments)
    return ok(departments=shapes, count=len(shapes), offset=offset, total=total)


@router.get("/livechat/department")
def department_list(
    params: Annotated[DepartmentListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    return _listing(session, actor, params)


@router.get("/livechat/departments/archived")
def archived_department_list(
    params: Annotated[DepartmentListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    return _listing(session, actor, params, archived_only=True)


@router.post("/livechat/department")
def department_create(body: DepartmentSaveBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-departments")
    department = department_actions.create_department(
        session, fields=body.department.fields(), agents=body.assignments()
    )
    return _saved(session, department)


@router.get("/livechat/department/isDepartmentCreationAvailable")
def department_creation_available(actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Rocket.Chat's community edition allows one department; Omnidesk has no such limit."""
    require_any(session, actor, *SUPERVISE_PERMISSIONS)
    return ok(isDepartmentCreationAvailable=True)


class DepartmentGetQuery(QueryParams):
    onlyMyDepartments: str | None = None
    includeAgents: str | None = None


@router.get("/livechat/department/{department_id}")
def department_get(
    department_id: str,
    params: Annotated[DepartmentGetQuery, Query()],
    actor: CurrentActor,
    session: SessionDep,
) -> dict[str, Any]:
    require_any(session, actor, *VIEW_PERMISSIONS)
    department = session.get(Department, department_id)
    own = _restrict_to_own(session, actor, params.onlyMyDepartments)
    if department is not None and own and not is_department_agent(session, department.id, own):
        department = None
    # Rocket.Chat answers 200 with a null department when there is none: its UI relies on it.
    answer = ok(department=department_shapes(session, [department])[0] if department else None)
    if params.includeAgents == "true" and actor.can(session, "view-livechat-departments"):
        rows = department_agents(session, department.id)[0] if department else []
        answer["agents"] = [department_agent_shape(row) for row in rows]
    return answer


@router.put("/livechat/department/{department_id}")
def department_update(
    department_id: str, body: DepartmentSaveBody, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    # As Rocket.Chat: the route admits those who may edit agents, the save needs the department
    # permission, and the agents are saved only by those who may edit them (else ignored).
    require_any(session, actor, *EDIT_AGENTS_PERMISSIONS)
    if not actor.can(session, "manage-livechat-departments"):
        raise Failure("error-not-allowed")
    department = _department_or_error(session, department_id)
    agents = body.assignments() if actor.can(session, "add-livechat-department-agents") else []
    department_actions.update_department(
        session, department=department, fields=body.department.fields(), agents=agents
    )
    return _saved(session, department)


@router.delete("/livechat/department/{department_id}")
def department_delete(department_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require_any(session, actor, *REMOVE_PERMISSIONS)
    department_actions.delete_department(session, department_id=department_id)
    return ok()


@router.post("/livechat/department/{department_id}/archive")
def department_archive(department_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-departments")
    # Rocket.Chat's answer for an unknown id here is the bare error id.
    department = _department_or_error(session, department_id, Failure("department-not-found"))
    department_actions.set_department_archived(session, department=department, archived=True)
    return ok()


@router.post("/livechat/department/{department_id}/unarchive")
def department_unarchive(department_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-departments")
    # Rocket.Chat raises a Meteor error without a reason here, which renders as "[id]".
    unknown = Failure("department-not-found", "[department-not-found]")
    department = _department_or_error(session, department_id, unknown)
    department_actions.set_department_archived(session, department=department, archived=False)
    return ok()


class AutocompleteQuery(QueryParams):
    selector: str | None = None
    onlyMyDepartments: str | None = None
    showArchived: str | None = None


class AutocompleteSelector(Body):
    """Rocket.Chat's selector; ``conditions`` (a MongoDB filter there) is accepted and not applied."""

    model_config = ConfigDict(extra="ignore")

    term: str = ""
    exceptions: list[str] = Field(default_factory=list, max_length=1000)


def _selector(raw: str | None) -> AutocompleteSelector:
    if not raw:
        raise InvalidQuery("The 'selector' param is required")
    try:
        return AutocompleteSelector.model_validate(loads_json(raw))
    except ValueError:  # not JSON, or not a selector
        raise InvalidQuery("The 'selector' param must be a JSON object with a string 'term'") from None


@router.get("/livechat/department.autocomplete")
def department_autocomplete(
    params: Annotated[AutocompleteQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require_any(session, actor, *VIEW_PERMISSIONS)
    selector = _selector(params.selector)
    departments = departments_to_autocomplete(
        session,
        term=selector.term,
        exceptions=selector.exceptions,
        show_archived=params.showArchived == "true",
        agent_id=_restrict_to_own(session, actor, params.onlyMyDepartments),
    )
    return ok(items=[{"_id": department.id, "name": department.name} for department in departments])


class ListByIdsQuery(QueryParams):
    ids: list[str] | None = Field(default=None, max_length=1000)
    fields: str | None = None  # Rocket.Chat's projection: accepted, the whole department is sent


@router.get("/livechat/department.listByIds")
def departments_listed_by_id(request: Request, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require_any(session, actor, *VIEW_PERMISSIONS)
    params = parse_query(ListByIdsQuery, request.query_params, lists={"ids"})
    if not params.ids:
        raise InvalidQuery("The 'ids' param is required")
    return ok(departments=department_shapes(session, departments_by_ids(session, params.ids)))


class PageQuery(QueryParams):
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None


@router.get("/livechat/department/{department_id}/agents")
def list_agents(
    department_id: str, params: Annotated[PageQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require_any(session, actor, *VIEW_PERMISSIONS)
    offset, count = page_bounds(params.offset, params.count)
    sort = parse_sort(params.sort, SORTABLE_DEPARTMENT_AGENT_FIELDS)
    rows, total = department_agents(session, department_id, sort=sort, offset=offset, count=count)
    return ok(
        agents=[department_agent_shape(row) for row in rows], count=len(rows), offset=offset, total=total
    )


class DepartmentAgentsBody(Body):
    upsert: list[DepartmentAgentInput]
    remove: list[DepartmentAgentRemoval]


@router.post("/livechat/department/{department_id}/agents")
def save_agents(
    department_id: str, body: DepartmentAgentsBody, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require_any(session, actor, *EDIT_AGENTS_PERMISSIONS)
    department_actions.save_department_agents(
        session,
        department=_department_or_error(session, department_id),
        upsert=[agent.assignment() for agent in body.upsert],
        remove=[agent.agentId for agent in body.remove],
    )
    return ok()


class AgentDepartmentsQuery(QueryParams):
    enabledDepartmentsOnly: str | None = None


@router.get("/livechat/agents/{agent_id}/departments")
def agent_departments(
    agent_id: str,
    params: Annotated[AgentDepartmentsQuery, Query()],
    actor: CurrentActor,
    session: SessionDep,
) -> dict[str, Any]:
    if agent_id != actor.id:
        require_any(session, actor, *VIEW_PERMISSIONS)
    rows = departments_of_agent(session, agent_id, enabled_only=params.enabledDepartmentsOnly == "true")
    return ok(departments=[department_agent_shape(row, with_department_name=True) for row in rows])
