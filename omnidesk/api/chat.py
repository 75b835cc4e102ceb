"""``chat.sendMessage``: an agent writes in the livechat room it serves."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ConfigDict, Field

from omnidesk.access import room_for_staff
from omnidesk.actions.messages import send_agent_message
from omnidesk.api.deps import CurrentActor, SessionDep
from omnidesk.api.livechat_shapes import message_shape
from omnidesk.api.shapes import ok
from omnidesk.api.validation import Body
from omnidesk.errors import InvalidParams

router = APIRouter(prefix="/api/v1", tags=["chat"])


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
