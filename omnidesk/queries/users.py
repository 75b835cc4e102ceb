"""Read paths for users."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import UnaryExpression

from omnidesk.models import User, UserRole


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def user_by_username_or_email(session: Session, identity: str) -> User | None:
    return user_by_email(session, identity) if "@" in identity else user_by_username(session, identity)


def any_admin_exists(session: Session) -> bool:
    return bool(session.scalar(select(exists().where(UserRole.role_id == "admin"))))


def count_users_in_role(session: Session, role_id: str) -> int:
    return session.scalar(select(func.count()).select_from(UserRole).where(UserRole.role_id == role_id)) or 0


SORTABLE_USER_FIELDS: dict[str, InstrumentedAttribute[Any]] = {
    "username": User.username,
    "name": User.name,
    "createdAt": User.created_at,
    "status": User.status,
    "active": User.active,
}


def list_users(
    session: Session,
    *,
    text: str | None,
    email: str | None,
    sort: Sequence[tuple[str, int]],
    offset: int,
    count: int,
) -> tuple[list[User], int]:
    query = select(User)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(or_(func.lower(User.username).like(pattern), func.lower(User.name).like(pattern)))
    if email:
        query = query.where(User.email == email.strip().lower())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order: list[UnaryExpression[Any]] = [
        SORTABLE_USER_FIELDS[name].asc() if direction > 0 else SORTABLE_USER_FIELDS[name].desc()
        for name, direction in sort
    ] or [User.username.asc()]
    rows = session.scalars(query.order_by(*order, User.id).offset(offset).limit(count)).all()
    return list(rows), total
