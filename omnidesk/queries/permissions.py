"""Read paths for roles and permission grants."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.models import Permission, Role


def all_permissions(session: Session, *, updated_since: datetime | None = None) -> list[Permission]:
    query = select(Permission).order_by(Permission.id)
    if updated_since is not None:
        query = query.where(Permission.updated_at > updated_since)
    return list(session.scalars(query))


def all_roles(session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.id)))
