"""Read paths of email inboxes: lookups, the listing, and the Message-IDs of a chat's thread."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from omnidesk.models import EmailInbox, EmailThreadMessage, Room


def inbox_by_email(session: Session, address: str) -> EmailInbox | None:
    return session.scalar(select(EmailInbox).where(EmailInbox.email == address.lower()))


def list_inboxes(
    session: Session, *, text: str | None, offset: int, count: int
) -> tuple[list[EmailInbox], int]:
    query = select(EmailInbox)
    if text:
        needle = f"%{text.lower()}%"
        query = query.where(or_(func.lower(EmailInbox.name).like(needle), EmailInbox.email.like(needle)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(EmailInbox.name, EmailInbox.id).offset(offset).limit(count)).all()
    return list(rows), total


def active_inbox_ids(session: Session) -> list[str]:
    return list(
        session.scalars(select(EmailInbox.id).where(EmailInbox.active.is_(True)).order_by(EmailInbox.id))
    )


def email_already_stored(session: Session, *, inbox_id: str, message_id: str) -> bool:
    found = session.scalar(
        select(EmailThreadMessage.id).where(
            EmailThreadMessage.inbox_id == inbox_id, EmailThreadMessage.message_id_header == message_id[:500]
        )
    )
    return found is not None


def room_of_thread(session: Session, *, inbox_id: str, message_ids: Sequence[str]) -> Room | None:
    """The chat of the first of ``message_ids`` (most direct first) that belongs to this inbox."""
    if not message_ids:
        return None
    rows = session.execute(
        select(EmailThreadMessage.message_id_header, EmailThreadMessage.room_id).where(
            EmailThreadMessage.inbox_id == inbox_id,
            EmailThreadMessage.message_id_header.in_([mid[:500] for mid in message_ids]),
        )
    ).all()
    rooms = {message_id: room_id for message_id, room_id in rows}
    for message_id in message_ids:
        if message_id[:500] in rooms:
            return session.get(Room, rooms[message_id[:500]])
    return None


def thread_of_room(session: Session, room_id: str) -> list[EmailThreadMessage]:
    """Every email of a chat, oldest first."""
    return list(
        session.scalars(
            select(EmailThreadMessage)
            .where(EmailThreadMessage.room_id == room_id)
            .order_by(EmailThreadMessage.created_at, EmailThreadMessage.id)
        )
    )
