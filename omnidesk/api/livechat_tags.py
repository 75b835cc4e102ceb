"""``livechat/tags*``: the tags agents put on rooms. Anyone serving chats reads them; managers edit."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from omnidesk.access import require, require_any
from omnidesk.actions.tags import delete_tag, save_tag
from omnidesk.api.shapes import ok, page_bounds, parse_sort
from omnidesk.api.validation import Body, QueryParams
from omnidesk.dates import iso
from omnidesk.errors import ApiError, NotFound
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Tag
from omnidesk.queries.lists import SORTABLE_TAG_FIELDS, list_tags

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["livechat tags"])

READ_PERMISSIONS = ("view-l-room", "manage-livechat-tags")


def tag_shape(tag: Tag) -> dict[str, Any]:
    return {
        "_id": tag.id,
        "name": tag.name,
        "description": tag.description,
        "numDepartments": len(tag.departments),
        "departments": list(tag.departments),
        "_updatedAt": iso(tag.updated_at),
    }


class TagsListQuery(QueryParams):
    text: str | None = None  # required by Rocket.Chat's schema; optional here
    department: str | None = None
    viewAll: Literal["true", "false"] | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None
    query: str | None = None


@router.get("/livechat/tags")
def list_(
    params: Annotated[TagsListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require_any(session, actor, *READ_PERMISSIONS)
    offset, count = page_bounds(params.offset, params.count)
    tags, total = list_tags(
        session,
        text=params.text,
        department_id=params.department,
        view_all=params.viewAll == "true",
        sort=parse_sort(params.sort, SORTABLE_TAG_FIELDS),
        offset=offset,
        count=count,
    )
    return ok(tags=[tag_shape(tag) for tag in tags], count=len(tags), offset=offset, total=total)


@router.get("/livechat/tags/{tagId}")
def get(tagId: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require_any(session, actor, *READ_PERMISSIONS)
    tag = session.get(Tag, tagId)
    if tag is None:
        raise NotFound("Tag not found")
    return ok(**tag_shape(tag))


class TagData(Body):
    name: str
    description: str | None = None


class TagSaveBody(Body):
    id: str | None = Field(default=None, alias="_id")
    tagData: TagData
    tagDepartments: list[str] | None = None


def _tag_or_fail(session: Any, tag_id: str) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None:
        raise ApiError("tag-not-found", "Tag not found")
    return tag


@router.post("/livechat/tags.save")
def save(body: TagSaveBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-tags")
    tag = save_tag(
        session,
        tag=_tag_or_fail(session, body.id) if body.id else None,
        name=body.tagData.name,
        description=body.tagData.description,
        department_ids=body.tagDepartments,
    )
    return ok(**tag_shape(tag))


class TagDeleteBody(Body):
    id: str


@router.post("/livechat/tags.delete")
def delete(body: TagDeleteBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "manage-livechat-tags")
    delete_tag(session, tag=_tag_or_fail(session, body.id))
    return ok()
