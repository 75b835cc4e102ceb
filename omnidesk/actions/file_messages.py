"""A file sent in a chat: a visitor's upload becomes its message at once (``livechat/upload``); an
agent's is uploaded first and sent when confirmed (``rooms.media``, then ``rooms.mediaConfirm``), as
in Rocket.Chat 8. Either way the message is sent as any other (``conversations``), so it is pushed
live and reaches the webhook; in an SMS, WhatsApp or email chat the file's signed link goes in the
text, since those channels carry no attachment yet."""

from __future__ import annotations

from sqlalchemy.orm import Session

from omnidesk.actions.conversations import check_writes_in_room, send_agent_message, send_visitor_message
from omnidesk.actions.messages import MAX_MESSAGE_LENGTH
from omnidesk.actions.upload_quotas import count_visitor_upload
from omnidesk.actions.uploads import IncomingFile, file_message_fields, store_upload, thumbnail_of
from omnidesk.errors import ApiError
from omnidesk.files.links import SENT_LINK_SECONDS, signed_path
from omnidesk.models import Message, Room, Upload, User, Visitor


def _check_description(description: str | None) -> str | None:
    if description and len(description) > MAX_MESSAGE_LENGTH:
        raise ApiError("error-message-size-exceeded", "Message size exceeds the allowed limit")
    return description or None


def send_visitor_file(
    session: Session,
    *,
    visitor: Visitor,
    room: Room,
    incoming: IncomingFile,
    msg: str,
    description: str | None,
    client_address: str,
) -> Message:
    if not room.open:
        raise ApiError("room-closed", "Room closed")
    count_visitor_upload(session, visitor_id=visitor.id, client_address=client_address, size=incoming.size())
    upload = store_upload(
        session,
        room=room,
        incoming=incoming,
        visitor_id=visitor.id,
        description=_check_description(description),
    )
    files = file_message_fields(upload, thumbnail_of(session, upload))
    message = send_visitor_message(session, visitor=visitor, room=room, msg=msg, files=files)
    _sent_in(session, upload, message)
    return message


def _check_agent_may_write(session: Session, agent: User, room: Room) -> None:
    if not room.open:
        raise ApiError("error-room-closed", "This conversation is already closed")
    check_writes_in_room(session, agent, room)


def upload_agent_file(session: Session, *, agent: User, room: Room, incoming: IncomingFile) -> Upload:
    """Kept, not yet sent: Rocket.Chat's temporary upload, which ``confirm_agent_file`` sends."""
    _check_agent_may_write(session, agent, room)
    return store_upload(session, room=room, incoming=incoming, user_id=agent.id, complete=False)


def confirm_agent_file(
    session: Session,
    *,
    agent: User,
    room: Room,
    upload: Upload,
    msg: str,
    description: str | None,
    public_url: str,
) -> Message:
    if upload.room_id != room.id or upload.user_id != agent.id or upload.complete or upload.original_id:
        raise ApiError("invalid-file")
    _check_agent_may_write(session, agent, room)
    upload.description = _check_description(description)
    thumbnail = thumbnail_of(session, upload)
    files = file_message_fields(upload, thumbnail)
    link = public_url + signed_path(upload.id, upload.name, seconds=SENT_LINK_SECONDS)
    message = send_agent_message(session, agent=agent, room=room, msg=msg, files=files, file_link=link)
    _sent_in(session, upload, message)
    if thumbnail is not None:
        _sent_in(session, thumbnail, message)
    return message


def _sent_in(session: Session, upload: Upload, message: Message) -> None:
    upload.complete = True
    upload.message_id = message.id
    session.flush()
