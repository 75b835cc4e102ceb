"""Sending in a chat: a visitor's message (which brings a chat on hold back) and an agent's reply, which
also leaves on the customer's own channel when the chat came from one (``replies``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from omnidesk.access import writes_in_room
from omnidesk.actions.messages import add_message, check_text, existing_message
from omnidesk.actions.replies import reply_channel
from omnidesk.actions.rooms import resume_room
from omnidesk.actions.visitors import capture_lead
from omnidesk.errors import ApiError
from omnidesk.models import Inquiry, Message, Room, User, Visitor
from omnidesk.queries.settings import CRM_INTEGRATION_SETTINGS, preload_settings, setting_value

LIMIT_SETTINGS = ("Livechat_enable_message_character_limit", "Livechat_message_character_limit")


def widget_message_limit(session: Session) -> int | None:
    """The widget's character limit (``Livechat_enable_message_character_limit``), which Rocket.Chat
    applies to ``livechat/message`` only: what arrives by SMS or email is never refused for it."""
    # One statement for these and the CRM integration's, which the message reads next: every visitor
    # message pays for it.
    preload_settings(session, (*LIMIT_SETTINGS, *CRM_INTEGRATION_SETTINGS))
    limit = setting_value(session, "Livechat_message_character_limit")
    if setting_value(session, "Livechat_enable_message_character_limit") and limit:
        return int(limit)
    return None


def check_widget_message_length(session: Session, msg: str) -> None:
    limit = widget_message_limit(session)
    if limit is not None and len(msg) > limit:
        raise ApiError("message-length-exceeds-character-limit")  # Rocket.Chat's: the id alone


def send_visitor_message(
    session: Session,
    *,
    visitor: Visitor,
    room: Room,
    msg: str,
    message_id: str | None = None,
    files: dict[str, Any] | None = None,
) -> Message:
    """``files``: the fields of a file message (``uploads.file_message_fields``), whose text may be empty."""
    existing = existing_message(session, message_id, room=room, author_id=visitor.id)
    if existing is not None:
        return existing
    if not room.open:
        raise ApiError("room-closed")  # Rocket.Chat's livechat/message: the id alone
    if room.on_hold:
        resume_room(session, room=room, by=None)
    message = add_message(
        session,
        room=room,
        author_kind="visitor",
        author_id=visitor.id,
        author_username=visitor.username,
        author_name=visitor.name,
        msg=_text(msg, files),
        message_id=message_id,
        extra=files,
    )
    capture_lead(session, room=room, visitor=visitor, text=message.msg)
    room.waiting_response = True
    room.awaiting_visitor_since = None
    # The queue shows what the visitor first wrote.
    session.execute(
        update(Inquiry).where(Inquiry.room_id == room.id, Inquiry.message == "").values(message=msg[:500]),
        execution_options={"synchronize_session": False},
    )
    return message


def _text(msg: str, files: dict[str, Any] | None) -> str:
    return check_text(msg) if files is None or msg else msg


def check_writes_in_room(session: Session, agent: User, room: Room) -> None:
    """The serving agent and those who joined the chat write in it; nobody else."""
    if not writes_in_room(session, agent.id, room):
        raise ApiError("error-not-allowed", "Only the serving agent and who joined the chat write in it")


def send_agent_message(
    session: Session,
    *,
    agent: User,
    room: Room,
    msg: str,
    message_id: str | None = None,
    files: dict[str, Any] | None = None,
    file_link: str | None = None,
) -> Message:
    """``files`` as for a visitor; ``file_link``, the file's public address, which a channel without
    attachments (SMS, WhatsApp, email) sends in the text."""
    existing = existing_message(session, message_id, room=room, author_id=agent.id)
    if existing is not None:
        return existing
    if not room.open:
        raise ApiError("error-room-closed", "This conversation is already closed")
    check_writes_in_room(session, agent, room)
    channel = reply_channel(room.source_type)
    # A reply the customer's channel cannot deliver is refused before anything is written.
    destination = channel.prepare_reply(session, room=room) if channel is not None else None
    if channel is not None and file_link:
        msg = f"{msg}\n{file_link}" if msg else file_link
    message = add_message(
        session,
        room=room,
        author_kind="user",
        author_id=agent.id,
        author_username=agent.username,
        author_name=agent.name,
        msg=_text(msg, files),
        message_id=message_id,
        extra=files,
    )
    if channel is not None:
        channel.queue_reply(session, room=room, message=message, destination=destination)
    room.waiting_response = False
    if room.awaiting_visitor_since is None:
        room.awaiting_visitor_since = message.created_at
    return message
