"""Writes to the permission grants."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk.errors import ApiError
from omnidesk.events import PermissionChanged, send_event_on_commit
from omnidesk.models import Permission, Role

# Without these an admin could lock every admin out of the permission screens for good.
ADMIN_ONLY_ESSENTIALS = ("access-permissions",)


def set_permission_roles(
    session: Session, *, grants: Sequence[tuple[str, Sequence[str]]]
) -> list[Permission]:
    """Replace the roles granted each listed permission, all or nothing."""
    known_roles = {role.id: role for role in session.scalars(select(Role))}
    changed = []
    for permission_id, role_ids in grants:
        permission = session.get(Permission, permission_id)
        if permission is None:
            raise ApiError("error-invalid-permission", f"Invalid permission {permission_id}")
        unknown = [role_id for role_id in role_ids if role_id not in known_roles]
        if unknown:
            raise ApiError("error-invalid-role", f"Invalid role {unknown[0]}")
        if permission_id in ADMIN_ONLY_ESSENTIALS and "admin" not in role_ids:
            raise ApiError("error-action-not-allowed", f"The admin role cannot lose {permission_id}")
        permission.roles = [known_roles[role_id] for role_id in dict.fromkeys(role_ids)]
        changed.append(permission)
    session.flush()
    for permission in changed:
        send_event_on_commit(
            session,
            PermissionChanged(permission_id=permission.id, roles=tuple(r.id for r in permission.roles)),
        )
    return changed
