"""Who is acting, and what they may do. Every permission check goes through here.

Grants are read from the database at most once per request, so a ``permissions.update`` or a role
change takes effect on the very next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.errors import Forbidden, NotFound
from omnidesk.models import PermissionRole, User, UserRole


@dataclass
class Actor:
    user: User
    _permissions: frozenset[str] | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        return self.user.id

    def permissions(self, session: Session) -> frozenset[str]:
        if self._permissions is None:
            self._permissions = permissions_of(session, self.user.id)
        return self._permissions

    def can(self, session: Session, permission: str) -> bool:
        return permission in self.permissions(session)

    def has_role(self, role_id: str) -> bool:
        return role_id in self.user.role_ids


def permissions_of(session: Session, user_id: str) -> frozenset[str]:
    rows = session.scalars(
        select(PermissionRole.permission_id)
        .join(UserRole, UserRole.role_id == PermissionRole.role_id)
        .where(UserRole.user_id == user_id)
    )
    return frozenset(rows)


def require(session: Session, actor: Actor, *permissions: str) -> None:
    """Refuse unless the actor holds every one of ``permissions``."""
    granted = actor.permissions(session)
    if not all(permission in granted for permission in permissions):
        raise Forbidden()


def require_any(session: Session, actor: Actor, *permissions: str) -> None:
    granted = actor.permissions(session)
    if not any(permission in granted for permission in permissions):
        raise Forbidden()


def user_by_id_for_admin(session: Session, actor: Actor, user_id: str, permission: str) -> User:
    """Fetch another user for an administrative change; acting on oneself needs no permission."""
    if user_id != actor.id:
        require(session, actor, permission)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("User not found")
    return user
