"""Every write to livechat rooms: opening, closing, on hold and resume, room information, removal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from omnidesk.actions import webhooks
from omnidesk.actions.contact_links import (
    ensure_channel_not_blocked,
    note_contact_chat,
    resolve_contact_for_room,
)
from omnidesk.actions.custom_fields import validate_custom_field_values
from omnidesk.actions.key_locks import lock
from omnidesk.actions.messages import add_message, add_system_message
from omnidesk.actions.routing import (
    check_someone_can_serve,
    queue_room,
    remove_inquiry,
    require_room_for,
    room_event,
    route_waiting_chats,
)
from omnidesk.actions.slas import apply_department_sla, set_room_sla
from omnidesk.actions.transcripts import TranscriptRecipient, send_transcript_on_close
from omnidesk.actions.uploads import discard_room_files
from omnidesk.actions.verification import verification_required, vouch_for_channel
from omnidesk.actions.visitors import note_visitor_chat
from omnidesk.db import new_id, utcnow
from omnidesk.errors import ApiError
from omnidesk.events import send_event_on_commit
from omnidesk.models import (
    Contact,
    Department,
    Inquiry,
    Message,
    Priority,
    Room,
    RoomTag,
    ServiceLevelAgreement,
    User,
    Visitor,
)
from omnidesk.models.livechat import PRIORITY_NOT_SPECIFIED
from omnidesk.queries.settings import setting_value

BLOCKED_CHANNEL_COMMENT = "This channel has been blocked"


def room_being_opened(session: Session, room_id: str) -> Room | None:
    """The room a client names by an id it chose, once no concurrent request is still opening it.

    Rocket.Chat's widget names a new room by its first message; when that message is sent twice at
    once, the second request waits on the id's lock for the first to commit and then finds its room."""
    lock(session, [f"room-id:{room_id}"])
    return session.get(Room, room_id, populate_existing=True)


def open_room(
    session: Session,
    *,
    visitor: Visitor,
    source: dict[str, Any],
    room_id: str | None = None,
    department_id: str | None = None,
    wait_for_agents: bool = False,
) -> Room:
    """Open a conversation for ``visitor`` on ``source``, resolve its contact and queue it.

    A chat nobody could serve now is refused, unless ``wait_for_agents``: channels whose messages
    arrive whether or not anyone is online (email, SMS) always queue."""
    if not setting_value(session, "Livechat_enabled"):
        raise ApiError("error-livechat-disabled", "Livechat is disabled")
    department_id = department_id or visitor.department_id
    contact, channel = resolve_contact_for_room(session, visitor=visitor, source=source)
    if not wait_for_agents:
        check_someone_can_serve(session, department_id=department_id, contact=contact)
    vouch_for_channel(session, contact=contact, channel=channel, visitor=visitor)  # SMS, WhatsApp
    contact = session.get(Contact, channel.contact_id) or contact  # a verified identity may have merged it
    verifying = verification_required(session, channel=channel)
    if verifying and channel.verified:  # "always": every conversation proves the identity again
        channel.verified, channel.verified_at = False, None
    now = utcnow()
    room = Room(
        id=room_id or new_id(),
        fname=contact.name,
        visitor_id=visitor.id,
        contact_id=contact.id,
        source=dict(source),
        source_type=str(source["type"]),
        source_id=str(source.get("id") or ""),
        department_id=department_id,
        verified=channel.verified,
        livechat_data={},
        created_at=now,
        queued_at=now,
    )
    apply_department_sla(session, room=room)
    session.add(room)
    session.flush()
    note_contact_chat(contact, channel, room=room, at=now)
    note_visitor_chat(visitor, room=room)
    send_event_on_commit(session, room_event("opened", room))
    webhooks.chat_started(session, room=room)
    queue_room(session, room=room, visitor=visitor, contact=contact, verifying=verifying)
    return room


def check_channel_open(session: Session, *, room: Room) -> None:
    """Refuse a visitor's write on a room whose contact channel has been blocked since it opened."""
    ensure_channel_not_blocked(
        session, visitor_id=room.visitor_id, source_type=room.source_type, source_id=room.source_id
    )


def close_room(
    session: Session,
    *,
    room: Room,
    closer: str,
    by_id: str,
    by_username: str,
    comment: str | None = None,
    tags: Sequence[str] | None = None,
    already_closed_error: str = "error-room-already-closed",
    transcript_to: TranscriptRecipient | None = None,
    by_rule: bool = False,
) -> Room:
    """Close an open room. Of concurrent closes of one room, exactly one succeeds. A transcript asked
    for now (``transcript_to``) or earlier in the chat is queued for email. A close ``by_rule`` (the
    workspace's, not a person's) needs no closing tags. Errors are Rocket.Chat's bare ids."""
    if not room.open:  # before the tags: a closed chat is refused as closed, whatever its department
        raise ApiError(already_closed_error)
    if not by_rule:
        _require_closing_tags(session, room, tags if tags is not None else room.tags)
    now = utcnow()
    # The conditional UPDATE comes first: a losing concurrent close stops here, before writing anything.
    closed = session.execute(
        update(Room)
        .where(Room.id == room.id, Room.open.is_(True))
        .values(
            open=False,
            on_hold=False,
            closed_at=now,
            closer=closer,
            closed_by_id=by_id,
            closed_by_username=by_username,
            closing_comment=comment or None,
            waiting_response=False,
            updated_at=now,
        ),
        execution_options={"synchronize_session": "fetch"},
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        raise ApiError(already_closed_error)
    if tags is not None:
        set_room_tags(room, tags)
    add_message(
        session,
        room=room,
        author_kind="system",
        author_id=by_id,
        author_username=by_username,
        author_name=None,
        msg=comment or "",
        type="livechat-close",
    )
    remove_inquiry(session, room=room)
    session.flush()
    send_transcript_on_close(session, room=room, recipient=transcript_to)
    send_event_on_commit(session, room_event("closed", room))
    webhooks.chat_closed(session, room=room)
    if room.served_by_id is not None:
        route_waiting_chats(session)  # its agent has room for one more now
    return room


def _require_closing_tags(session: Session, room: Room, tags: Sequence[str]) -> None:
    if room.department_id is None or any(tag.strip() for tag in tags):
        return
    department = session.get(Department, room.department_id)
    if department is not None and department.request_tag_before_closing:
        raise ApiError("error-tags-must-be-assigned-before-closing-chat")


def check_visitors_may_close(session: Session) -> None:
    """``Omnichannel_allow_visitors_to_close_conversation`` off: only staff end a chat."""
    if not setting_value(session, "Omnichannel_allow_visitors_to_close_conversation"):
        raise ApiError("error-not-allowed-to-close-conversation")


def hold_room(session: Session, *, room: Room, by: User, manual: bool = False) -> None:
    """Put a served chat on hold, in Rocket.Chat's order of refusals (bare ids). A ``manual`` hold (an
    agent's, not the inactivity rule's) needs ``Livechat_allow_manual_on_hold`` and, with
    ``Livechat_allow_manual_on_hold_upon_agent_engagement_only``, a chat the visitor did not write in
    last: a chat waiting for the agent's answer is not held."""
    if not room.open:
        raise ApiError("error-room-already-closed")
    if room.on_hold:
        raise ApiError("error-room-is-already-on-hold")
    if manual:
        _check_manual_hold(session, room)
    if room.served_by_id is None:
        raise ApiError("error-unserved-rooms-cannot-be-placed-onhold")
    room.on_hold = True
    add_system_message(session, room=room, type="omnichannel_placed_chat_on_hold", by=by)
    send_event_on_commit(session, room_event("on_hold", room))
    route_waiting_chats(session)  # a chat on hold counts against no limit


def _check_manual_hold(session: Session, room: Room) -> None:
    if not setting_value(session, "Livechat_allow_manual_on_hold"):
        raise ApiError("error-cannot-place-chat-on-hold", "Placing chats on hold is turned off")
    if not setting_value(session, "Livechat_allow_manual_on_hold_upon_agent_engagement_only"):
        return
    # Rocket.Chat's rule: the room's last message carries the visitor's token (any message of the
    # visitor's, a system one it caused included).
    last = session.get(Message, room.last_message_id) if room.last_message_id else None
    if last is not None and last.author_id == room.visitor_id:
        raise ApiError("error-cannot-place-chat-on-hold")


def resume_room(session: Session, *, room: Room, by: User | None, manual: bool = False) -> None:
    """Take a chat off hold: the visitor wrote, or (``manual``) its agent resumed it, which needs room
    for one more chat under the limits, as a take does (the chat counts again)."""
    if not room.open:
        raise ApiError("This_conversation_is_already_closed")  # Rocket.Chat's id, as it spells it
    if not room.on_hold:
        raise ApiError("error-room-not-on-hold")
    if room.served_by_id is None:
        raise ApiError("error-room-not-served")
    serving = session.get(User, room.served_by_id) if manual else None
    if serving is not None:
        require_room_for(session, serving, department_id=room.department_id)
    room.on_hold = False
    add_system_message(session, room=room, type="omnichannel_on_hold_chat_resumed", by=by)
    send_event_on_commit(session, room_event("resumed", room))


def set_room_tags(room: Room, tags: Sequence[str]) -> None:
    cleaned = list(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))
    kept = {row.tag: row for row in room.tag_rows if row.tag in cleaned}
    if room.created_at is None:  # a room not flushed yet
        room.created_at = utcnow()
    room.tag_rows = [
        kept.get(tag) or RoomTag(room_id=room.id, tag=tag, position=position, room_created_at=room.created_at)
        for position, tag in enumerate(cleaned)
    ]
    for position, row in enumerate(room.tag_rows):
        row.position = position


def save_room_info(
    session: Session,
    *,
    room: Room,
    topic: str | None = None,
    tags: Sequence[str] | None = None,
    livechat_data: dict[str, Any] | None = None,
    priority_id: str | None = None,
    sla_id: str | None = None,
    by: User | None = None,
) -> Room:
    """Room Information: topic, tags, priority, SLA and room-scope custom fields. ``None`` leaves a
    field as it is; an empty topic, priority or SLA clears it (an SLA needs ``by``, who set it)."""
    if topic is not None:
        room.topic = topic.strip() or None
    if tags is not None:
        set_room_tags(room, tags)
    if livechat_data is not None:
        room.livechat_data = validate_custom_field_values(
            session, scope="room", values=livechat_data, current=room.livechat_data
        )
    if priority_id is not None:
        _set_priority(session, room, priority_id)
    if sla_id is not None and by is not None:
        sla = session.get(ServiceLevelAgreement, sla_id) if sla_id else None
        if sla_id and sla is None:
            raise ApiError("error-invalid-sla", "Invalid SLA")
        set_room_sla(session, room=room, sla=sla, by=by)
    room.updated_at = utcnow()
    session.flush()
    send_event_on_commit(session, room_event("updated", room))
    webhooks.chat_info_saved(session, room=room)
    return room


def _set_priority(session: Session, room: Room, priority_id: str) -> None:
    if not priority_id:
        room.priority_id, room.priority_weight = None, PRIORITY_NOT_SPECIFIED
    else:
        priority = session.get(Priority, priority_id)
        if priority is None:
            raise ApiError("error-invalid-priority", "Invalid priority")
        room.priority_id, room.priority_weight = priority.id, priority.sort_item
    # A waiting chat's place in the queue follows its priority.
    session.execute(
        update(Inquiry).where(Inquiry.room_id == room.id).values(priority_weight=room.priority_weight)
    )


def delete_closed_room(session: Session, *, room: Room) -> None:
    if room.open:
        raise ApiError("error-room-not-closed", "Only closed chats can be removed")
    event = room_event("deleted", room)
    discard_room_files(session, [room.id])
    session.delete(room)
    session.flush()
    send_event_on_commit(session, event)
