"""The staff side of livechat rooms: the Chats listing, room information, closing, holding, forwarding,
removal, and the messages of one conversation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import Field
from sqlalchemy.orm import Session

from omnidesk.access import Actor, can_see_room, may_act_on_room, require, room_for_staff, room_to_act_on
from omnidesk.actions import rooms as room_actions
from omnidesk.actions.participants import join_room
from omnidesk.actions.routing import forward_room
from omnidesk.actions.transcripts import TranscriptRecipient
from omnidesk.actions.visitors import update_visitor
from omnidesk.api.shapes import ok, page_bounds, parse_sort, total_fields
from omnidesk.api.validation import Body, QueryParams, parse_date_range, parse_query
from omnidesk.errors import ApiError, Forbidden, InvalidQuery
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.input_rules import loads_json
from omnidesk.models import Department, Room
from omnidesk.queries.rooms import (
    SORTABLE_ROOM_FIELDS,
    RoomFilters,
    last_messages,
    list_rooms,
    room_messages,
    source_filters,
)
from omnidesk.shapes.livechat import message_shape, room_shape
from omnidesk.shapes.rooms import room_shapes

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/livechat", tags=["livechat: rooms"])
# ``/livechat/{rid}/messages`` would shadow any fixed path of that form: its router is included last.
messages_router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/livechat", tags=["livechat: rooms"])


class RoomIdBody(Body):
    roomId: str


class RoomIdQuery(QueryParams):
    roomId: str


class RoomsQuery(QueryParams):
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None
    query: str | None = None
    fields: str | None = None
    createdAt: str | None = None
    closedAt: str | None = None
    customFields: str | None = None
    agents: list[str] | None = None
    roomName: str | None = None
    departmentId: list[str] | None = None
    open: bool | None = None
    onhold: bool | None = None
    queued: bool | None = None
    tags: list[str] | None = None
    units: list[str] | None = None


def _custom_fields(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        parsed = loads_json(raw)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise InvalidQuery('The "customFields" query parameter must be a valid JSON.')
    return {str(key): str(value) for key, value in parsed.items() if value not in (None, "")}


@router.get("/rooms")
def rooms(request: Request, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    params = parse_query(RoomsQuery, request.query_params, lists={"agents", "departmentId", "tags", "units"})
    if not actor.can(session, "view-livechat-rooms"):
        # Agents list only their own chats, and must say so.
        require(session, actor, "view-l-room")
        if params.agents != [actor.id]:
            raise Forbidden()
    created = parse_date_range(params.createdAt, "createdAt")
    closed = parse_date_range(params.closedAt, "closedAt")
    filters = RoomFilters(
        agents=params.agents or (),
        room_name=params.roomName,
        department_ids=params.departmentId or (),
        open=params.open,
        on_hold=params.onhold,
        queued=params.queued,
        created_from=created[0],
        created_to=created[1],
        closed_from=closed[0],
        closed_to=closed[1],
        tags=params.tags or (),
        custom_fields=_custom_fields(params.customFields),
    )
    offset, count = page_bounds(params.offset, params.count)
    sort = parse_sort(params.sort, SORTABLE_ROOM_FIELDS)
    page = list_rooms(session, filters=filters, sort=sort, offset=offset, count=count)
    shapes = room_shapes(session, page.room_ids)
    total = total_fields(page.total, page.total_is_exact)
    return ok(rooms=shapes, count=len(shapes), offset=offset, **total)


@router.get("/rooms/filters")
def rooms_filters(actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "view-l-room")
    return ok(filters=source_filters(session))


@router.get("/room.info")
def room_info(
    params: Annotated[RoomIdQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    room = room_for_staff(session, actor, params.roomId)
    department = session.get(Department, room.department_id) if room.department_id else None
    messages = last_messages(session, [room])
    return ok(room=room_shape(room, last_message=messages.get(room.id), department=department))


class GuestData(Body):
    id_: str = Field(alias="_id")
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    livechatData: dict[str, str] | None = None


class RoomData(Body):
    id_: str = Field(alias="_id")
    topic: str | None = None
    tags: list[str] | None = None
    livechatData: dict[str, Any] | None = None
    priorityId: str | None = None
    slaId: str | None = None


class SaveInfoBody(Body):
    guestData: GuestData
    roomData: RoomData


@router.post("/room.saveInfo")
def save_info(body: SaveInfoBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    room = room_for_staff(session, actor, body.roomData.id_)
    may_act_on_room(session, actor, room, others_permission="save-others-livechat-room-info")
    if body.roomData.livechatData is not None:
        require(session, actor, "edit-livechat-room-customfields")
    guest = body.guestData
    if guest.id_ != room.visitor_id:
        raise ApiError("error-invalid-visitor", "The guest is not this room's visitor")
    if guest.name is not None or guest.email is not None or guest.phone is not None:
        update_visitor(session, visitor=room.visitor, name=guest.name, email=guest.email, phone=guest.phone)
    data = body.roomData
    room_actions.save_room_info(
        session,
        room=room,
        topic=data.topic,
        tags=data.tags,
        livechat_data=data.livechatData,
        priority_id=data.priorityId,
        sla_id=data.slaId,
        by=actor.user,
    )
    return ok()


class TranscriptRequest(Body):
    email: str
    subject: str


class TranscriptEmail(Body):
    sendToVisitor: bool
    requestData: TranscriptRequest | None = None


class CloseByUserBody(Body):
    rid: str
    comment: str | None = None
    tags: list[str] | None = None
    generateTranscriptPdf: bool | None = None
    forceClose: bool | None = None
    transcriptEmail: TranscriptEmail | None = None


@router.post("/room.closeByUser")
def close_by_user(body: CloseByUserBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "close-livechat-room")
    room = room_to_act_on(
        session,
        actor,
        body.rid,
        others_permission="close-others-livechat-room",
        refusal=ApiError("error-not-authorized"),
    )
    transcript_to = None
    if body.transcriptEmail is not None and body.transcriptEmail.sendToVisitor:
        require(session, actor, "send-omnichannel-chat-transcript")
        data = body.transcriptEmail.requestData  # without it: to the visitor's own address
        transcript_to = TranscriptRecipient(data.email, data.subject) if data else TranscriptRecipient()
    room_actions.close_room(
        session,
        room=room,
        closer="user",
        by_id=actor.id,
        by_username=actor.user.username,
        comment=body.comment,
        tags=body.tags,
        transcript_to=transcript_to,
    )
    return ok()


def _held_room(session: Session, actor: Actor, room_id: str) -> Room:
    return room_to_act_on(
        session,
        actor,
        room_id,
        others_permission="on-hold-others-livechat-room",
        refusal=ApiError("Not_authorized"),  # Rocket.Chat's id, as it spells it
    )


@router.post("/room.onHold")
def on_hold(body: RoomIdBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "on-hold-livechat-room")
    room = _held_room(session, actor, body.roomId)
    room_actions.hold_room(session, room=room, by=actor.user, manual=True)
    return ok()


@router.post("/room.resumeOnHold")
def resume_on_hold(body: RoomIdBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    # Rocket.Chat asks only view-l-room here (and the "others" permission for someone else's chat).
    if not body.roomId.strip():
        raise ApiError("invalid-param")
    room = _held_room(session, actor, body.roomId)
    room_actions.resume_room(session, room=room, by=actor.user, manual=True)
    return ok()


@router.get("/room.join")
# A GET that writes, as Rocket.Chat's: by session cookie a page sends it as a POST with the CSRF token.
@router.post("/room.join", operation_id="room_join_post")
def room_join(
    params: Annotated[RoomIdQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    """The actor joins a chat it may see, beside its serving agent (who keeps it)."""
    require(session, actor, "view-l-room")
    room = session.get(Room, params.roomId)
    if room is None:
        raise ApiError("error-invalid-room")  # Rocket.Chat's bare Errors, in its order
    if not room.open:
        raise ApiError("room-closed")
    if not can_see_room(session, actor, room):
        raise ApiError("error-not-allowed")
    join_room(session, room=room, user=actor.user)
    return ok()


class ForwardBody(Body):
    roomId: str
    userId: str | None = None
    departmentId: str | None = None
    comment: str | None = None
    clientAction: bool | None = None


@router.post("/room.forward")
def forward(body: ForwardBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "view-l-room", "transfer-livechat-guest")
    room = room_for_staff(session, actor, body.roomId, unknown=ApiError("error-invalid-room"))
    forward_room(
        session,
        room=room,
        by=actor.user,
        to_agent_id=body.userId,
        to_department_id=body.departmentId,
        comment=body.comment,
    )
    return ok()


@router.post("/rooms.delete")
def delete_room(body: RoomIdBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    require(session, actor, "remove-closed-livechat-room")
    room = room_for_staff(session, actor, body.roomId)
    room_actions.delete_closed_room(session, room=room)
    return ok()


class RoomMessagesQuery(QueryParams):
    searchTerm: str | None = None
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None


@messages_router.get("/{rid}/messages")
def messages(
    rid: str, params: Annotated[RoomMessagesQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    room = room_for_staff(session, actor, rid)
    offset, count = page_bounds(params.offset, params.count)
    sort = parse_sort(params.sort, {"ts"})
    newest_first = bool(sort) and sort[0][1] < 0
    found, total = room_messages(
        session,
        room_id=room.id,
        search=params.searchTerm,
        offset=offset,
        count=count,
        newest_first=newest_first,
    )
    return ok(messages=[message_shape(m) for m in found], count=len(found), offset=offset, total=total)
