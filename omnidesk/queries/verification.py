"""Read paths of contact verification: a chat's pending code, whether the chat waits for one, and the
chats that wait."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from omnidesk.models import ContactVerification, Inquiry, Room


def pending_verification(session: Session, room_id: str) -> ContactVerification | None:
    """The newest code of this chat that has not been confirmed (a new request replaces older ones)."""
    return session.scalar(
        select(ContactVerification)
        .where(ContactVerification.room_id == room_id, ContactVerification.verified_at.is_(None))
        .order_by(ContactVerification.created_at.desc())
        .limit(1)
    )


def waits_for_verification(session: Session, room_id: str) -> bool:
    query = select(Inquiry.id).where(Inquiry.room_id == room_id, Inquiry.status == "verifying")
    return bool(session.scalar(select(exists(query))))


def rooms_waiting_for_verification(session: Session) -> list[Room]:
    """The open chats held in ``verifying``, longest waiting first."""
    return list(
        session.scalars(
            select(Room)
            .join(Inquiry, Inquiry.room_id == Room.id)
            .where(Inquiry.status == "verifying", Room.open.is_(True))
            .order_by(Inquiry.queued_at, Inquiry.id)
        )
    )
