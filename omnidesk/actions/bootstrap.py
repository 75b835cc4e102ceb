"""Seed a workspace with its default roles, permissions and settings, adding only what is missing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from omnidesk import defaults
from omnidesk.actions.business_hours import ensure_default_hours
from omnidesk.actions.priorities import ensure_default_priorities
from omnidesk.models import Permission, Role, Setting


def ensure_defaults(session: Session) -> None:
    roles = {role.id: role for role in session.scalars(select(Role))}
    for role_id, description in defaults.ROLES.items():
        if role_id not in roles:
            roles[role_id] = Role(id=role_id, description=description, scope="Users", protected=True)
            session.add(roles[role_id])

    existing_permissions = set(session.scalars(select(Permission.id)))
    for permission_id, (group, role_ids) in defaults.PERMISSIONS.items():
        if permission_id not in existing_permissions:
            session.add(Permission(id=permission_id, group=group, roles=[roles[r] for r in role_ids]))

    existing_settings = set(session.scalars(select(Setting.id)))
    # Whether a setting is public is the release's to say, not the workspace's: a setting made public
    # after a workspace was created becomes public there too.
    public_ids = [setting_id for setting_id, spec in defaults.SETTINGS.items() if spec.public]
    for setting in session.scalars(
        select(Setting).where(Setting.id.in_(public_ids), Setting.public.is_(False))
    ):
        setting.public = True
    for setting_id, spec in defaults.SETTINGS.items():
        if setting_id not in existing_settings:
            session.add(
                Setting(
                    id=setting_id,
                    type=spec.type,
                    value=spec.value,
                    package_value=spec.value,
                    group=spec.group,
                    public=spec.public,
                    values=[{"key": key, "i18nLabel": key} for key in spec.values] or None,
                )
            )
    ensure_default_priorities(session)
    ensure_default_hours(session)
    session.flush()
