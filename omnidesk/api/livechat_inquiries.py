"""``livechat/inquiries.*``: the queue of chats waiting for an agent."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy.orm import Session

from omnidesk.access import Actor, agent_serves_department, require, room_for_staff
from omnidesk.actions.routing import return_room_to_queue, take_inquiry
from omnidesk.api.shapes import ok, page_bounds, parse_sort
from omnidesk.api.validation import Body, QueryParams
from omnidesk.errors import ApiError, Failure, Forbidden
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Inquiry, Room, User, Visitor
from omnidesk.queries.inquiries import inquiry_of_room, queued_inquiries
from omnidesk.shapes.livechat import inquiry_shape

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/livechat", tags=["livechat: queue"])


class QueueQuery(QueryParams):
    department: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None


def _queue_page(session: Session, actor: Actor, params: QueueQuery, *, only_mine: bool) -> dict[str, Any]:
    require(session, actor, "view-l-room")
    offset, count = page_bounds(params.offset, params.count)
    sort = parse_sort(params.sort, {"queuedAt", "ts"})
    sees_all = actor.can(session, "view-livechat-rooms") and not only_mine
    inquiries, total = queued_inquiries(
        session,
        department_id=params.department,
        for_agent_id=None if sees_all else actor.id,
        offset=offset,
        count=count,
        newest_first=bool(sort) and sort[0][1] < 0,
    )
    shapes = [_shape(session, inquiry) for inquiry in inquiries]
    return ok(inquiries=shapes, count=len(shapes), offset=offset, total=total)


def _shape(session: Session, inquiry: Inquiry) -> dict[str, Any]:
    visitor = session.get(Visitor, inquiry.visitor_id)
    assert visitor is not None  # the foreign key guarantees it
    return inquiry_shape(inquiry, visitor=visitor)


@router.get("/inquiries.list")
def inquiries_list(
    params: Annotated[QueueQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    return _queue_page(session, actor, params, only_mine=False)


@router.get("/inquiries.queued")
def inquiries_queued(
    params: Annotated[QueueQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    return _queue_page(session, actor, params, only_mine=False)


@router.get("/inquiries.queuedForUser")
def inquiries_queued_for_user(
    params: Annotated[QueueQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    return _queue_page(session, actor, params, only_mine=True)


class GetOneQuery(QueryParams):
    roomId: str


@router.get("/inquiries.getOne")
def inquiries_get_one(
    params: Annotated[GetOneQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-l-room")
    if session.get(Room, params.roomId) is None:
        return ok(inquiry=None)  # Rocket.Chat answers an unknown room so
    room = room_for_staff(session, actor, params.roomId)
    inquiry = inquiry_of_room(session, room.id)
    return ok(inquiry=_shape(session, inquiry) if inquiry else None)


class TakeOptions(Body):
    clientAction: bool
    forwardingToDepartment: dict[str, Any] | None = None


class TakeBody(Body):
    inquiryId: str
    userId: str | None = None
    options: TakeOptions | None = None


@router.post("/inquiries.take")
def inquiries_take(body: TakeBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "view-l-room")
    agent = actor.user
    if body.userId and body.userId != actor.id:
        require(session, actor, "manage-livechat-agents")
        found = session.get(User, body.userId)
        if found is None:
            raise Failure("error-invalid-user", "The user is invalid")  # Rocket.Chat's text
        agent = found
    inquiry = session.get(Inquiry, body.inquiryId)
    if inquiry is None:
        raise ApiError("error-not-found", "Inquiry not found")
    if inquiry.status == "taken":
        raise ApiError("error-inquiry-taken", "Inquiry already taken")
    if not agent_serves_department(session, agent.id, inquiry.department_id) and not actor.can(
        session, "view-livechat-rooms"
    ):
        raise Forbidden()
    take_inquiry(session, inquiry=inquiry, agent=agent)
    return ok(inquiry=_shape(session, inquiry))


class ReturnAsInquiryBody(Body):
    roomId: str
    departmentId: str | None = None


@router.post("/inquiries.returnAsInquiry")
def inquiries_return_as_inquiry(
    body: ReturnAsInquiryBody, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-l-room")
    if session.get(Room, body.roomId) is None:
        raise ApiError("error-room-not-found")  # Rocket.Chat's API.v1.failure text
    room = room_for_staff(session, actor, body.roomId)
    return ok(result=return_room_to_queue(session, room=room, department_id=body.departmentId))
