"""``canned-responses*``: Rocket.Chat's canned responses (an EE module there). Everyone serving chats
reads the responses within reach and keeps their own; managers keep them all (``access.py`` says who
reaches and writes which)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import Field

from omnidesk.access import (
    canned_response_for_staff,
    canned_response_reach,
    check_may_write_canned_response,
    require,
    writable_canned_response,
)
from omnidesk.actions.canned_responses import delete_canned_response, save_canned_response
from omnidesk.api.shapes import ok, page_bounds, parse_sort
from omnidesk.api.validation import Body, QueryParams, parse_query
from omnidesk.dates import iso
from omnidesk.errors import NotFound
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import CannedResponse
from omnidesk.models.canned_responses import MAX_TAG
from omnidesk.queries.canned_responses import (
    SORTABLE_CANNED_RESPONSE_FIELDS,
    CannedResponseFilters,
    list_canned_responses,
    usable_canned_responses,
)

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["canned responses"])

MAX_TAGS = 100


def canned_response_shape(response: CannedResponse) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "_id": response.id,
        "shortcut": response.shortcut,
        "text": response.text,
        "scope": response.scope,
        "tags": response.tags,
        "createdBy": {"_id": response.created_by_id, "username": response.created_by_username},
        "_createdAt": iso(response.created_at),
        "_updatedAt": iso(response.updated_at),
    }
    if response.user_id is not None:
        shape["userId"] = response.user_id
    if response.department_id is not None:
        shape["departmentId"] = response.department_id
    return shape


class CannedResponsesQuery(QueryParams):
    shortcut: str | None = None
    text: str | None = None
    scope: str | None = None
    tags: list[str] | None = None
    departmentId: str | None = None
    createdBy: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None


@router.get("/canned-responses")
def list_(request: Request, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    params = parse_query(CannedResponsesQuery, request.query_params, lists={"tags"})
    reach = canned_response_reach(session, actor)
    offset, count = page_bounds(params.offset, params.count)
    responses, total = list_canned_responses(
        session,
        reach=reach,
        filters=CannedResponseFilters(
            shortcut=params.shortcut,
            text=params.text,
            scope=params.scope,
            tags=params.tags or (),
            department_id=params.departmentId,
            created_by=params.createdBy,
        ),
        sort=parse_sort(params.sort, SORTABLE_CANNED_RESPONSE_FIELDS),
        offset=offset,
        count=count,
    )
    shapes = [canned_response_shape(response) for response in responses]
    return ok(cannedResponses=shapes, count=len(shapes), offset=offset, total=total)


@router.get("/canned-responses.get")
def usable(actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    responses = usable_canned_responses(session, reach=canned_response_reach(session, actor))
    return ok(responses=[canned_response_shape(response) for response in responses])


@router.get("/canned-responses/{response_id}")
def get(response_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    response = canned_response_for_staff(session, actor, response_id)
    if response is None:
        raise NotFound()
    return ok(cannedResponse=canned_response_shape(response))


class CannedResponseSaveBody(Body):
    id: str | None = Field(default=None, alias="_id")
    shortcut: str
    text: str
    scope: Literal["global", "department", "user"]
    departmentId: str | None = None
    tags: list[Annotated[str, Field(max_length=MAX_TAG)]] | None = Field(default=None, max_length=MAX_TAGS)


@router.post("/canned-responses")
def save(body: CannedResponseSaveBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Rocket.Chat answers with ``success`` alone; the saved response comes with it here."""
    require(session, actor, "save-canned-responses")
    existing = (
        writable_canned_response(session, actor, body.id, permission="save-canned-responses")
        if body.id
        else None
    )
    check_may_write_canned_response(
        session,
        actor,
        scope=body.scope,
        department_id=body.departmentId,
        keeper_id=existing.user_id if existing is not None and existing.scope == "user" else None,
    )
    response = save_canned_response(
        session,
        response=existing,
        author=actor.user,
        shortcut=body.shortcut,
        text=body.text,
        scope=body.scope,
        department_id=body.departmentId,
        tags=body.tags or [],
    )
    return ok(cannedResponse=canned_response_shape(response))


class CannedResponseDeleteBody(Body):
    id: str = Field(alias="_id")


@router.delete("/canned-responses")
def delete(body: CannedResponseDeleteBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """Deprecated in Rocket.Chat 8 for ``DELETE canned-responses/{_id}``; both remain."""
    response = writable_canned_response(session, actor, body.id, permission="remove-canned-responses")
    delete_canned_response(session, response=response)
    return ok()


@router.delete("/canned-responses/{response_id}")
def delete_by_id(response_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    response = writable_canned_response(session, actor, response_id, permission="remove-canned-responses")
    delete_canned_response(session, response=response)
    return ok()
