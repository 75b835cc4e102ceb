"""``livechat/priorities*``: the five fixed priorities, which managers may rename and reset."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from omnidesk.access import require, require_any
from omnidesk.actions.priorities import rename_priority, reset_all_priorities, reset_priority
from omnidesk.api.shapes import ok, page_bounds, parse_sort
from omnidesk.api.validation import Body, QueryParams
from omnidesk.dates import iso
from omnidesk.errors import ApiError, InvalidParams, NotFound
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Priority
from omnidesk.queries.lists import SORTABLE_PRIORITY_FIELDS, any_priority_renamed, list_priorities

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["livechat priorities"])

READ_PERMISSIONS = ("view-l-room", "manage-livechat-priorities")


def priority_shape(priority: Priority) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "_id": priority.id,
        "i18n": priority.i18n,
        "sortItem": priority.sort_item,
        "dirty": priority.dirty,
        "_updatedAt": iso(priority.updated_at),
    }
    if priority.name is not None:  # Rocket.Chat unsets the name of a priority never renamed
        shape["name"] = priority.name
    return shape


class PrioritiesListQuery(QueryParams):
    text: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None


@router.get("/livechat/priorities")
def list_(
    params: Annotated[PrioritiesListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require_any(session, actor, *READ_PERMISSIONS)
    offset, count = page_bounds(params.offset, params.count)
    priorities, total = list_priorities(
        session,
        text=params.text,
        sort=parse_sort(params.sort, SORTABLE_PRIORITY_FIELDS),
        offset=offset,
        count=count,
    )
    return ok(
        priorities=[priority_shape(p) for p in priorities], count=len(priorities), offset=offset, total=total
    )


@router.get("/livechat/priorities.reset")
def can_reset(actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-priorities")
    return ok(reset=any_priority_renamed(session))


class NoBody(Body):
    pass


@router.post("/livechat/priorities.reset")
def reset_all(actor: CurrentActor, session: SessionDep, body: NoBody | None = None) -> dict[str, Any]:
    require(session, actor, "manage-livechat-priorities")
    reset_all_priorities(session)
    return ok()


@router.get("/livechat/priorities/{priorityId}")
def get(priorityId: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require_any(session, actor, *READ_PERMISSIONS)
    priority = session.get(Priority, priorityId)
    if priority is None:
        raise NotFound(f"Priority with id {priorityId} not found")
    return ok(**priority_shape(priority))


class PriorityUpdateBody(Body):
    """Exactly one of ``name`` (rename) or ``reset: true`` (back to the default name)."""

    name: str | None = Field(default=None, min_length=1)
    reset: bool | None = None


@router.put("/livechat/priorities/{priorityId}")
def update(
    priorityId: str, body: PriorityUpdateBody, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "manage-livechat-priorities")
    if (body.name is None) == (body.reset is None):
        raise InvalidParams("must match exactly one schema in oneOf")
    if body.reset is False:
        raise InvalidParams("must be equal to constant")
    priority = session.get(Priority, priorityId)
    if priority is None:
        raise ApiError("error-unable-to-update-priority")
    if body.name is not None:
        rename_priority(session, priority=priority, name=body.name)
    else:
        reset_priority(session, priority=priority)
    return ok()
