"""The visitor side of livechat (the web widget and API clients), authenticated by the visitor token."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from omnidesk.access import (
    check_room_of_visitor,
    message_in_room,
    message_of_visitor,
    require,
    room_of_visitor,
    visitor_by_token,
    widget_visitor,
)
from omnidesk.actions import rooms as room_actions
from omnidesk.actions import visitors as visitor_actions
from omnidesk.actions.message_batches import VisitorMessage
from omnidesk.actions.messages import delete_message, edit_message
from omnidesk.actions.offline import leave_offline_message
from omnidesk.actions.routing import next_agent
from omnidesk.api.livechat_config import widget_config
from omnidesk.api.message_writer import MessageWriter
from omnidesk.api.shapes import ok
from omnidesk.api.validation import Body, QueryParams, parse_instant
from omnidesk.dates import iso
from omnidesk.db import utcnow
from omnidesk.errors import ApiError, Failure, InvalidParams, InvalidQuery
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Message, Room, User, Visitor
from omnidesk.queries.rooms import room_messages
from omnidesk.queries.settings import setting_value
from omnidesk.queries.visitors import open_room_of_visitor, open_rooms_of_visitor
from omnidesk.shapes.livechat import message_shape, room_shape, staff_visitor_shape, visitor_shape

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1/livechat", tags=["livechat: visitor"])


def source_of(request: Request) -> dict[str, Any]:
    """A request from a page in a browser (it carries Origin or Referer) comes from the web widget;
    anything else is an API client."""
    page = request.headers.get("origin") or request.headers.get("referer")
    if page:
        return {"type": "widget", "destination": page.split("://", 1)[-1].split("/", 1)[0]}
    return {"type": "api"}


def connection_of(request: Request) -> visitor_actions.Connection:
    return visitor_actions.Connection(
        user_agent=request.headers.get("user-agent"),
        ip=request.client.host if request.client else None,
        host=request.headers.get("origin") or request.headers.get("host"),
    )


class ConfigQuery(QueryParams):
    token: str | None = None
    department: str | None = None
    businessUnit: str | None = None


@router.get("/config")
def config(params: Annotated[ConfigQuery, Query()], session: SessionDep) -> dict[str, Any]:
    return ok(config=widget_config(session, token=params.token, department_id=params.department))


class CustomFieldInput(Body):
    key: str
    value: str
    overwrite: bool


class VisitorData(Body):
    # Rocket.Chat's ILivechatVisitorDTO; connectionData and unknown keys from older widgets are tolerated.
    model_config = ConfigDict(strict=True, extra="ignore")

    # Bounded as their columns are: PostgreSQL refuses a longer value where SQLite stores it. A blank
    # token is refused by the action, in Rocket.Chat's words.
    token: str = Field(max_length=255)
    id: str | None = None
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    department: str | None = None
    phone: str | None = Field(default=None, max_length=60)
    username: str | None = None
    customFields: list[CustomFieldInput] | None = None


class VisitorBody(Body):
    visitor: VisitorData


@router.post("/visitor")
def register_visitor(body: VisitorBody, request: Request, session: SessionDep) -> dict[str, Any]:
    data = body.visitor
    visitor = visitor_actions.register_visitor(
        session,
        token=data.token,
        name=data.name,
        email=data.email,
        phone=data.phone,
        department=data.department,
        username=data.username,
        custom_fields=[
            visitor_actions.CustomFieldInput(f.key, f.value, f.overwrite) for f in data.customFields or []
        ],
        connection=connection_of(request),
    )
    return ok(visitor=visitor_shape(visitor))


@router.get("/visitor/{token}")
def get_visitor(token: str, session: SessionDep) -> dict[str, Any]:
    return ok(visitor=visitor_shape(visitor_by_token(session, token, meteor_error=True)))


@router.delete("/visitor/{token}")
def delete_visitor(token: str, session: SessionDep) -> dict[str, Any]:
    visitor = visitor_by_token(session, token, meteor_error=True)
    removed = {"_id": visitor.id, "ts": visitor_shape(visitor)["ts"]}
    visitor_actions.remove_visitor(session, visitor=visitor)
    return ok(visitor=removed)


@router.get("/visitor/{token}/room")
def visitor_rooms(token: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    """The open rooms of the visitor with this token, in Rocket.Chat's projection, for staff."""
    require(session, actor, "view-livechat-manager")
    visitor = widget_visitor(session, token)
    rooms = open_rooms_of_visitor(session, visitor.id) if visitor else []
    return ok(rooms=[_room_summary(room) for room in rooms])


def _room_summary(room: Room) -> dict[str, Any]:
    summary: dict[str, Any] = {"_id": room.id, "t": "l", "name": room.fname}
    if room.served_by_id:
        summary["servedBy"] = {"_id": room.served_by_id, "username": room.served_by_username}
    return summary


class VisitorStatusBody(Body):
    token: str
    status: str


@router.post("/visitor.status")
def visitor_status(body: VisitorStatusBody, session: SessionDep) -> dict[str, Any]:
    visitor = visitor_by_token(session, body.token, meteor_error=True)
    visitor_actions.set_visitor_status(session, visitor=visitor, status=body.status)
    return ok(token=body.token, status=body.status)


class VisitorInfoQuery(QueryParams):
    visitorId: str


@router.get("/visitors.info")
def visitor_info(
    params: Annotated[VisitorInfoQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    require(session, actor, "view-l-room")
    visitor = session.get(Visitor, params.visitorId)
    if visitor is None:
        raise Failure("visitor-not-found")  # Rocket.Chat's: the id alone
    return ok(visitor=staff_visitor_shape(visitor))


class RoomQuery(QueryParams):
    model_config = ConfigDict(extra="allow")  # Rocket.Chat passes extra widget parameters through

    token: str
    rid: str | None = None
    agentId: str | None = None


@router.get("/room")
def get_room(params: Annotated[RoomQuery, Query()], request: Request, session: SessionDep) -> dict[str, Any]:
    visitor = visitor_by_token(session, params.token)
    source = source_of(request)
    if params.rid:
        existing = session.get(Room, params.rid) or room_actions.room_being_opened(session, params.rid)
        if existing is not None:
            check_room_of_visitor(visitor, existing)
            if not existing.open:
                raise ApiError("room-closed", "Room closed")
            return ok(room=room_shape(existing), newRoom=False)
    else:
        existing = open_room_of_visitor(session, visitor.id, source_type=source["type"])
        if existing is not None:
            return ok(room=room_shape(existing), newRoom=False)
    room = room_actions.open_room(session, visitor=visitor, source=source, room_id=params.rid)
    return ok(room=room_shape(room), newRoom=True)


class MessageAgent(Body):
    agentId: str
    username: str


class MessageBody(Body):
    token: str
    rid: str
    msg: str
    agent: MessageAgent | None = None
    id_: str | None = Field(default=None, alias="_id")


@router.post("/message")
async def post_message(body: MessageBody, request: Request) -> dict[str, Any]:
    # On the event loop: the message joins the writer's next batch and is answered once it commits.
    writer: MessageWriter = request.app.state.message_writer
    message = VisitorMessage(
        token=body.token, room_id=body.rid, msg=body.msg, message_id=body.id_, source=source_of(request)
    )
    return ok(message=await writer.send(message))


class HistoryQuery(QueryParams):
    token: str
    searchText: str | None = None
    count: int | None = Field(default=None, ge=0)
    offset: int | None = Field(default=None, ge=0)
    sort: str | None = None
    ls: str | None = None
    end: str | None = None
    limit: int | None = Field(default=None, ge=0)


# Rocket.Chat's loadMessageHistory: the newest ``limit`` messages (20 unless asked), older than
# ``end`` when it is given; ``count`` pages nothing here, and ``ls`` changes nothing in the answer.
HISTORY_LIMIT = 20


@router.get("/messages.history/{rid}")
def messages_history(
    rid: str, params: Annotated[HistoryQuery, Query()], session: SessionDep
) -> dict[str, Any]:
    visitor = visitor_by_token(session, params.token)
    room = room_of_visitor(session, visitor, rid)
    before = None
    if params.end:
        try:
            before = parse_instant(params.end)
        except InvalidParams:
            raise InvalidQuery('The "end" query parameter must be a valid date.') from None
    messages, _ = room_messages(
        session,
        room_id=room.id,
        search=params.searchText,
        offset=params.offset or 0,
        count=min(params.limit or HISTORY_LIMIT, 1000),
        newest_first=True,
        before=before,
    )
    return ok(messages=[message_shape(message) for message in messages])


class VisitorCloseBody(Body):
    token: str
    rid: str


@router.post("/room.close")
def close_room(body: VisitorCloseBody, session: SessionDep) -> dict[str, Any]:
    room_actions.check_visitors_may_close(session)  # Rocket.Chat asks this first, before the token
    visitor = visitor_by_token(session, body.token)
    room = room_of_visitor(session, visitor, body.rid)
    comment = "Closed by visitor"
    room_actions.close_room(
        session,
        room=room,
        closer="visitor",
        by_id=visitor.id,
        by_username=visitor.username,
        comment=comment,
        already_closed_error="room-closed",
    )
    return ok(rid=room.id, comment=comment)


class CustomFieldBody(Body):
    token: str
    key: str
    value: str
    overwrite: bool


@router.post("/custom.field")
def set_custom_field(body: CustomFieldBody, session: SessionDep) -> dict[str, Any]:
    visitor = visitor_by_token(session, body.token)
    visitor_actions.set_custom_field_from_widget(
        session, visitor=visitor, key=body.key, value=body.value, overwrite=body.overwrite
    )
    return ok(field={"key": body.key, "value": body.value, "overwrite": body.overwrite})


class CustomFieldsBody(Body):
    token: str
    customFields: list[CustomFieldInput]


@router.post("/custom.fields")
def set_custom_fields(body: CustomFieldsBody, session: SessionDep) -> dict[str, Any]:
    visitor = visitor_by_token(session, body.token)
    for field in body.customFields:
        visitor_actions.set_custom_field_from_widget(
            session, visitor=visitor, key=field.key, value=field.value, overwrite=field.overwrite
        )
    fields = [{"Key": f.key, "value": f.value, "overwrite": f.overwrite} for f in body.customFields]
    return ok(fields=fields)


class OfflineMessageBody(Body):
    name: str
    email: str
    message: str
    department: str | None = None
    host: str | None = None


# Rocket.Chat's texts: the widget thanks the visitor with Livechat_offline_success_message itself.
OFFLINE_MESSAGE_SENT = "Livechat offline message sent"
OFFLINE_MESSAGE_FAILED = "Error sending livechat offline message"


@router.post("/offline.message")
def offline_message(body: OfflineMessageBody, session: SessionDep) -> dict[str, Any]:
    try:
        leave_offline_message(
            session,
            name=body.name,
            email=body.email,
            message=body.message,
            department=body.department,
            host=body.host,
        )
    except InvalidParams:
        raise
    except ApiError as refusal:
        # Rocket.Chat answers every refusal in one text; the type still says which it was.
        raise Failure(refusal.error_type, OFFLINE_MESSAGE_FAILED) from None
    return ok(message=OFFLINE_MESSAGE_SENT)


def _agent_for_visitor(session: Session, agent: User) -> dict[str, Any]:
    """The agent as a visitor may see it: nothing but ``hiddenInfo`` unless the workspace shows it."""
    if not setting_value(session, "Livechat_show_agent_info"):
        return {"hiddenInfo": True}
    shape: dict[str, Any] = {"_id": agent.id, "username": agent.username, "name": agent.name}
    if setting_value(session, "Livechat_show_agent_email") and agent.email:
        shape["emails"] = [{"address": agent.email}]
    return shape


@router.get("/agent.info/{rid}/{token}")
def agent_info(rid: str, token: str, session: SessionDep) -> dict[str, Any]:
    room = room_of_visitor(session, visitor_by_token(session, token), rid)
    agent = session.get(User, room.served_by_id) if room.served_by_id else None
    if agent is None:
        raise ApiError("invalid-agent")
    return ok(agent=_agent_for_visitor(session, agent))


class NextAgentQuery(QueryParams):
    department: str | None = None


@router.get("/agent.next/{token}")
def agent_next(token: str, params: Annotated[NextAgentQuery, Query()], session: SessionDep) -> dict[str, Any]:
    """Who would take the visitor's chat now; nothing while it has an open one. As Rocket.Chat's, the
    token need not be a visitor's yet: the widget asks before registering."""
    visitor = widget_visitor(session, token)
    if visitor is not None and open_room_of_visitor(session, visitor.id) is not None:
        return ok()
    agent = next_agent(session, department_id=params.department)
    if agent is None:
        raise ApiError("agent-not-found")
    return ok(agent=_agent_for_visitor(session, agent))


class MessageQuery(QueryParams):
    token: str
    rid: str


@router.get("/message/{message_id}")
def get_message(
    message_id: str, params: Annotated[MessageQuery, Query()], session: SessionDep
) -> dict[str, Any]:
    room = room_of_visitor(session, visitor_by_token(session, params.token), params.rid)
    return ok(message=message_shape(message_in_room(session, room, message_id)))


def _visitor_message(
    session: Session, token: str, rid: str, message_id: str, *, verb: str
) -> tuple[Room, Message]:
    visitor = visitor_by_token(session, token)
    room = room_of_visitor(session, visitor, rid)
    return room, message_of_visitor(session, visitor, room, message_id, verb=verb)


class EditMessageBody(Body):
    token: str
    rid: str
    msg: str


@router.put("/message/{message_id}")
def edit_own_message(message_id: str, body: EditMessageBody, session: SessionDep) -> dict[str, Any]:
    room, message = _visitor_message(session, body.token, body.rid, message_id, verb="editing")
    edit_message(session, room=room, message=message, text=body.msg)
    return ok(message=message_shape(message))


class DeleteMessageBody(Body):
    token: str
    rid: str


@router.delete("/message/{message_id}")
def delete_own_message(message_id: str, body: DeleteMessageBody, session: SessionDep) -> dict[str, Any]:
    room, message = _visitor_message(session, body.token, body.rid, message_id, verb="deleting")
    delete_message(session, room=room, message=message)
    return ok(message={"_id": message_id, "ts": iso(utcnow())})
