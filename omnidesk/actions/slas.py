"""SLAs (Rocket.Chat's SLA policies): managers keep the list; a chat gets one from its department when
it opens, or from staff (``inquiry.setSLA``, ``room.saveInfo``); the queue-timers worker marks the
chats whose SLA came due before an agent answered.

A chat's SLA is the promise of a first answer within the SLA's minutes of the chat's start: its due
moment is ``created_at`` plus those minutes, kept on the room and copied to its inquiry (the queue's
order reads it there, as it reads the priority). A chat is *overdue* once that moment passes while it
is open and no agent has written in it yet, waiting in the queue or served. It is marked once
(``sla_overdue_at``, a conditional UPDATE, so two processes mark it once) and ``ChatOverdue`` is
published; giving the chat another SLA, or changing its SLA's minutes, dates it anew.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from omnidesk.actions import key_locks, webhooks
from omnidesk.actions.messages import add_system_message
from omnidesk.dates import iso
from omnidesk.db import utcnow
from omnidesk.errors import ApiError
from omnidesk.events import ChatOverdue, InquiryChanged, RoomChanged, send_event_on_commit
from omnidesk.models import Department, Inquiry, Message, Room, ServiceLevelAgreement, User
from omnidesk.queries.lists import duplicate_sla

MAX_SLA_NAME = 200
# Below Rocket.Chat's "no SLA" minutes (9999999), so a chat with an SLA always sorts before one without.
MAX_DUE_MINUTES = 999_999
SLA_LOCK = "slas"  # names and minutes are unique: one writer at a time checks them
OVERDUE_BATCH = 500


def _clean(name: str, description: str | None, due_time_minutes: int) -> tuple[str, str | None]:
    clean = name.strip()
    if not clean:
        raise ApiError("error-invalid-sla-name", "The SLA name cannot be empty")
    if len(clean) > MAX_SLA_NAME:
        raise ApiError(
            "error-invalid-sla-name", f"The SLA name cannot be longer than {MAX_SLA_NAME} characters"
        )
    if not 1 <= due_time_minutes <= MAX_DUE_MINUTES:
        raise ApiError(
            "error-invalid-sla-due-time",
            f"The due time must be a whole number of minutes from 1 to {MAX_DUE_MINUTES}",
        )
    return clean, (description.strip() if description is not None else None)


def save_sla(
    session: Session,
    *,
    sla: ServiceLevelAgreement | None,
    name: str,
    description: str | None,
    due_time_minutes: int,
) -> ServiceLevelAgreement:
    """Create an SLA (``sla`` None) or change one. Another SLA with the same name (case-insensitive) or
    the same minutes is refused, as Rocket.Chat does; new minutes re-date the open chats that have it."""
    clean, description = _clean(name, description, due_time_minutes)
    key_locks.lock(session, [SLA_LOCK])
    if duplicate_sla(
        session, name=clean, due_time_minutes=due_time_minutes, other_than=sla.id if sla else None
    ):
        raise ApiError("error-duplicated-sla")
    if sla is None:
        sla = ServiceLevelAgreement(name=clean, description=description, due_time_minutes=due_time_minutes)
        session.add(sla)
        session.flush()
        return sla
    minutes_changed = sla.due_time_minutes != due_time_minutes
    sla.name, sla.description, sla.due_time_minutes = clean, description, due_time_minutes
    sla.updated_at = utcnow()
    session.flush()
    if minutes_changed:
        rooms = session.scalars(select(Room).where(Room.sla_id == sla.id, Room.open.is_(True))).all()
        for room in rooms:
            _apply(session, room, sla)
    return sla


def delete_sla(session: Session, *, sla: ServiceLevelAgreement) -> None:
    """Remove an SLA: open chats and departments that had it have none (closed chats keep its id, as in
    Rocket.Chat)."""
    rooms = session.scalars(select(Room).where(Room.sla_id == sla.id, Room.open.is_(True))).all()
    for room in rooms:
        _apply(session, room, None)
    session.execute(
        update(Department).where(Department.sla_id == sla.id).values(sla_id=None),
        execution_options={"synchronize_session": "fetch"},
    )
    session.delete(sla)
    session.flush()


def set_room_sla(session: Session, *, room: Room, sla: ServiceLevelAgreement | None, by: User) -> None:
    """Give a chat ``sla`` (None: take its SLA away), with Rocket.Chat's ``omnichannel_sla_change_history``
    system message. Giving a chat the SLA it has changes nothing."""
    if (sla.id if sla else None) == room.sla_id:
        return
    _apply(session, room, sla)
    sla_data: dict[str, object] = {"definedBy": {"_id": by.id, "username": by.username}}
    if sla is not None:
        sla_data["sla"] = {"name": sla.name}
    add_system_message(
        session, room=room, type="omnichannel_sla_change_history", by=by, extra={"slaData": sla_data}
    )


def apply_department_sla(session: Session, *, room: Room) -> None:
    """A new chat takes its department's default SLA, if it has one (before its inquiry exists)."""
    if room.department_id is None:
        return
    department = session.get(Department, room.department_id)
    if department is None or not department.sla_id:
        return
    sla = session.get(ServiceLevelAgreement, department.sla_id)
    if sla is not None:
        _date(room, sla)


def due_moment(room: Room, sla: ServiceLevelAgreement) -> datetime:
    return (room.created_at or utcnow()) + timedelta(minutes=sla.due_time_minutes)


def _date(room: Room, sla: ServiceLevelAgreement | None) -> None:
    room.sla_id = sla.id if sla else None
    room.sla_due_at = due_moment(room, sla) if sla else None
    room.sla_minutes = sla.due_time_minutes if sla else None
    room.sla_overdue_at = None  # a new promise: it may come due again


def _apply(session: Session, room: Room, sla: ServiceLevelAgreement | None) -> None:
    """Date the room (and its inquiry: its place in the queue follows) by ``sla``, and tell."""
    _date(room, sla)
    room.updated_at = utcnow()
    inquiry = session.scalar(select(Inquiry).where(Inquiry.room_id == room.id))
    if inquiry is not None:
        inquiry.sla_id, inquiry.sla_due_at = room.sla_id, room.sla_due_at
        inquiry.sla_minutes = room.sla_minutes
    session.flush()
    send_event_on_commit(session, _room_changed("updated", room))
    if inquiry is not None and inquiry.status == "queued":
        send_event_on_commit(
            session,
            InquiryChanged(
                op="updated", inquiry_id=inquiry.id, room_id=room.id, department_id=inquiry.department_id
            ),
        )


def mark_overdue_chats(session: Session, *, now: datetime | None = None) -> int:
    """Mark the open chats whose SLA came due before any agent wrote in them, once each; returns how
    many this run marked."""
    now = now or utcnow()
    answered = exists().where(Message.room_id == Room.id, Message.author_kind == "user")
    due = session.scalars(
        select(Room.id)
        .where(Room.sla_due_at <= now, Room.sla_overdue_at.is_(None), Room.open.is_(True), ~answered)
        .order_by(Room.sla_due_at)
        .limit(OVERDUE_BATCH)
    ).all()
    marked = 0
    for room_id in due:
        # The conditional UPDATE is the once: a second process finds the room marked already.
        result = session.execute(
            update(Room)
            .where(Room.id == room_id, Room.sla_overdue_at.is_(None), Room.open.is_(True))
            .values(sla_overdue_at=now),
            execution_options={"synchronize_session": "fetch"},
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            continue
        room = session.get(Room, room_id)
        if room is None:
            continue
        marked += 1
        webhooks.chat_overdue(session, room=room, due_at=iso(room.sla_due_at) or "")
        send_event_on_commit(
            session,
            ChatOverdue(
                op="sla_overdue",
                room_id=room.id,
                visitor_id=room.visitor_id,
                agent_id=room.served_by_id,
                department_id=room.department_id,
                sla_id=room.sla_id or "",
                due_at=iso(room.sla_due_at) or "",
            ),
        )
    return marked


def _room_changed(op: str, room: Room) -> RoomChanged:
    return RoomChanged(
        op=op,
        room_id=room.id,
        visitor_id=room.visitor_id,
        agent_id=room.served_by_id,
        department_id=room.department_id,
    )
