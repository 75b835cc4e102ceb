"""Wire shapes of livechat visitors, rooms, messages and inquiries (Rocket.Chat's core-typings).

A visitor's token is its password, and staff read rooms, inquiries and messages: unlike Rocket.Chat's,
those shapes carry no ``v.token`` and no message ``token``. Only ``visitor_shape``, which the visitor API
answers to the visitor itself, has it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from omnidesk.dates import iso
from omnidesk.files.links import link_token
from omnidesk.models import Department, Inquiry, Message, Room, Visitor
from omnidesk.models.livechat import NO_SLA_MINUTES


def visitor_shape(visitor: Visitor) -> dict[str, Any]:
    """The visitor as the visitor API answers it to the visitor itself: the only shape with its token."""
    shape: dict[str, Any] = {
        "_id": visitor.id,
        "username": visitor.username,
        "token": visitor.token,
        "ts": iso(visitor.created_at),
        "_updatedAt": iso(visitor.updated_at),
        "status": visitor.status,
        "livechatData": visitor.livechat_data or {},
    }
    if visitor.name:
        shape["name"] = visitor.name
    if visitor.email:
        shape["visitorEmails"] = [{"address": visitor.email}]
    if visitor.phone:
        shape["phone"] = [{"phoneNumber": visitor.phone}]
    if visitor.department_id:
        shape["department"] = visitor.department_id
    if visitor.last_chat_room_id:
        shape["lastChat"] = {"_id": visitor.last_chat_room_id, "ts": iso(visitor.last_chat_at)}
    if visitor.last_agent_id:
        shape["lastAgent"] = {
            "agentId": visitor.last_agent_id,
            "username": visitor.last_agent_username,
            "ts": iso(visitor.last_agent_at),
        }
    for field, value in (("userAgent", visitor.user_agent), ("ip", visitor.ip), ("host", visitor.host)):
        if value:
            shape[field] = value
    return shape


def staff_visitor_shape(visitor: Visitor) -> dict[str, Any]:
    """The visitor as staff read it: its token, which is its password, left out."""
    shape = visitor_shape(visitor)
    del shape["token"]
    return shape


def message_shape(message: Message | Row[Any]) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "_id": message.id,
        "rid": message.room_id,
        "msg": message.msg,
        "ts": iso(message.created_at),
        "u": {"_id": message.author_id, "username": message.author_username},
        "_updatedAt": iso(message.updated_at),
    }
    if message.author_name:
        shape["u"]["name"] = message.author_name
    if message.type:
        shape["t"] = message.type
    if message.alias:
        shape["alias"] = message.alias
    if message.edited_at:
        shape["editedAt"] = iso(message.edited_at)
    extra = message.extra or {}
    shape.update(extra)
    if "files" in extra:
        shape["attachments"] = [_signed_attachment(attachment) for attachment in extra.get("attachments", [])]
    return shape


_LINKS = ("title_link", "image_url", "audio_url", "video_url")


def _signed_attachment(attachment: dict[str, Any]) -> dict[str, Any]:
    """A file's links signed for whoever reads the message: the visitor opens them without a login
    (``files/links``); staff may too, or by their session."""
    signed = dict(attachment)
    for name in _LINKS:
        path = signed.get(name)
        if isinstance(path, str) and path.startswith("/file-upload/"):
            file_id = path.split("/", 3)[2]
            signed[name] = f"{path}?token={link_token(file_id)}"
    return signed


def room_shape(
    room: Room | Row[Any],
    *,
    visitor: Visitor | Row[Any] | None = None,
    tags: list[str] | None = None,
    last_message: Message | Row[Any] | None = None,
    department: Department | Row[Any] | None = None,
) -> dict[str, Any]:
    """A room; from a ``Room``, or from a row of its columns with its ``visitor`` and ``tags`` given
    (``room_shapes``)."""
    if isinstance(room, Room):
        visitor, tags = room.visitor, room.tags
    assert visitor is not None and tags is not None, "a room row comes with its visitor and tags"
    shape: dict[str, Any] = {
        "_id": room.id,
        "t": "l",
        "fname": room.fname,
        "msgs": room.message_count,
        "usersCount": 1 if room.served_by_id is None else 2,
        "v": {
            "_id": visitor.id,
            "username": visitor.username,
            "status": visitor.status,
            **({"name": visitor.name} if visitor.name else {}),
            **({"phone": visitor.phone} if visitor.phone else {}),
        },
        "source": room.source,
        "ts": iso(room.created_at),
        "_updatedAt": iso(room.updated_at),
        "tags": tags,
        "livechatData": room.livechat_data or {},
        "priorityWeight": room.priority_weight,
        "estimatedWaitingTimeQueue": room.sla_minutes or NO_SLA_MINUTES,
        "waitingResponse": room.waiting_response,
        "verified": room.verified,
        "onHold": room.on_hold,
        "cl": False,
    }
    # Rocket.Chat removes ``open`` when a room closes: clients test for its presence.
    if room.open:
        shape["open"] = True
    optional = {
        "contactId": room.contact_id,
        "departmentId": room.department_id,
        "topic": room.topic,
        "priorityId": room.priority_id,
        "slaId": room.sla_id,
        "slaDueAt": iso(room.sla_due_at),  # extension: when the first answer is due
        "slaOverdueAt": iso(room.sla_overdue_at),  # extension: when the chat was marked overdue
        "queuedAt": iso(room.queued_at),
        "lm": iso(room.last_message_at),
        "closedAt": iso(room.closed_at),
        "closer": room.closer,
    }
    shape.update({key: value for key, value in optional.items() if value is not None})
    if room.served_by_id:
        shape["servedBy"] = {
            "_id": room.served_by_id,
            "username": room.served_by_username,
            "ts": iso(room.served_at),
        }
    if room.closed_by_id:
        shape["closedBy"] = {"_id": room.closed_by_id, "username": room.closed_by_username}
    if room.closed_at is not None:
        shape["closingMessage"] = {"msg": room.closing_comment or ""}
    if last_message is not None:
        shape["lastMessage"] = message_shape(last_message)
    if department is not None:
        shape["department"] = {"_id": department.id, "name": department.name}
    if room.transcript_email:
        shape["transcriptRequest"] = {"email": room.transcript_email}
    return shape


def inquiry_shape(inquiry: Inquiry, *, visitor: Visitor) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "_id": inquiry.id,
        "rid": inquiry.room_id,
        "t": "l",
        "name": inquiry.name,
        "message": inquiry.message,
        "status": inquiry.status,
        "ts": iso(inquiry.created_at),
        "queuedAt": iso(inquiry.queued_at),
        "_updatedAt": iso(inquiry.updated_at),
        "v": {
            "_id": visitor.id,
            "username": visitor.username,
            "status": visitor.status,
        },
        "source": {"type": inquiry.source_type},
        "priorityWeight": inquiry.priority_weight,
        "estimatedWaitingTimeQueue": inquiry.sla_minutes or NO_SLA_MINUTES,
    }
    if inquiry.sla_id:
        shape["slaId"] = inquiry.sla_id
        shape["slaDueAt"] = iso(inquiry.sla_due_at)  # extension
    if visitor.name:
        shape["v"]["name"] = visitor.name
    if inquiry.department_id:
        shape["department"] = inquiry.department_id
    if inquiry.default_agent_id:
        shape["defaultAgent"] = {
            "agentId": inquiry.default_agent_id,
            "username": inquiry.default_agent_username,
        }
    if inquiry.taken_at:
        shape["takenAt"] = iso(inquiry.taken_at)
    return shape
