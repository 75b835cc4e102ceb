"""``chat.sendMessage``, ``chat.update``, ``chat.delete``: an agent writes in the livechat room it serves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ConfigDict, Field
from sqlalchemy.orm import Session

from omnidesk.access import Actor, require, room_for_staff
from omnidesk.actions.conversations import send_agent_message
from omnidesk.actions.messages import delete_message, edit_message
from omnidesk.api.shapes import ok
from omnidesk.api.validation import Body
from omnidesk.dates import iso
from omnidesk.db import utcnow
from omnidesk.errors import ApiError, InvalidParams
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Message, Room
from omnidesk.shapes.livechat import message_shape

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["chat"])


class OutgoingMessage(Body):
    # Rocket.Chat's schema lets a message carry more fields than Omnidesk uses (emoji, avatar, blocks...).
    model_config = ConfigDict(strict=True, extra="ignore")

    id_: str | None = Field(default=None, alias="_id")
    rid: str | None = None
    msg: str | None = None
    tmid: str | None = None


class SendMessageBody(Body):
    message: OutgoingMessage
    previewUrls: list[str] | None = None


@router.post("/chat.sendMessage")
def send_message(body: SendMessageBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    if not body.message.rid:
        raise InvalidParams("The 'rid' property on the message object is missing.")
    room = room_for_staff(session, actor, body.message.rid)
    message = send_agent_message(
        session, agent=actor.user, room=room, msg=body.message.msg or "", message_id=body.message.id_
    )
    return ok(message=message_shape(message))


def _own_message(session: Session, actor: Actor, room_id: str, message_id: str) -> tuple[Room, Message]:
    """A message an agent may change: its own in a chat it serves; anyone's with ``others_permission``."""
    room = room_for_staff(session, actor, room_id)
    message = session.get(Message, message_id)
    if message is None or message.room_id != room.id:
        raise ApiError("error-invalid-message", "Invalid message")
    if message.author_id != actor.id:
        require(session, actor, "edit-others-livechat-messages")
    return room, message


class UpdateMessageBody(Body):
    roomId: str
    msgId: str
    text: str
    previewUrls: list[str] | None = None
    customFields: dict[str, Any] | None = None


@router.post("/chat.update")
def update_message(body: UpdateMessageBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    room, message = _own_message(session, actor, body.roomId, body.msgId)
    edit_message(session, room=room, message=message, text=body.text)
    return ok(message=message_shape(message))


class DeleteMessageBody(Body):
    roomId: str
    msgId: str
    asUser: bool | None = None


@router.post("/chat.delete")
def remove_message(body: DeleteMessageBody, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    room, message = _own_message(session, actor, body.roomId, body.msgId)
    removed = {
        "_id": message.id,
        "rid": room.id,
        "u": {"_id": message.author_id, "username": message.author_username},
    }
    delete_message(session, room=room, message=message)
    return ok(_id=removed["_id"], ts=iso(utcnow()), message=removed)
