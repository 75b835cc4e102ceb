"""Where an agent's reply goes besides the chat itself, by the chat's source type: one line per channel
that delivers replies on the customer's own medium. Web and API chats have none; the visitor reads
the reply in the widget."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy.orm import Session

from omnidesk.actions import email_replies, messaging_replies
from omnidesk.models import Message, Room


class ReplyChannel(Protocol):
    def prepare_reply(self, session: Session, *, room: Room) -> Any:
        """Refuse (ApiError) a reply this channel cannot deliver; else return where it goes."""

    def queue_reply(self, session: Session, *, room: Room, message: Message, destination: Any) -> object:
        """Queue ``message`` for delivery in the request's transaction: it leaves only if that commits."""


REPLY_CHANNELS: dict[str, ReplyChannel] = {
    "sms": messaging_replies,
    "whatsapp": messaging_replies,
    "email": email_replies,
}


def reply_channel(source_type: str | None) -> ReplyChannel | None:
    return REPLY_CHANNELS.get(source_type or "")
