"""``settings``: typed workspace settings. Public ones are readable by anyone (the widget needs them)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field
from sqlalchemy.orm import Session

from omnidesk.access import Actor, require_any
from omnidesk.actions.settings import SECRET_MASK, SECRET_SETTINGS, set_setting
from omnidesk.api.shapes import ok, page_bounds
from omnidesk.api.validation import Body, QueryParams
from omnidesk.dates import iso
from omnidesk.errors import Forbidden, NotFound
from omnidesk.http.deps import CurrentActor, SessionDep
from omnidesk.http.one_thread_route import OneThreadRoute
from omnidesk.models import Setting
from omnidesk.queries.settings import list_settings as list_settings_query

router = APIRouter(route_class=OneThreadRoute, prefix="/api/v1", tags=["settings"])

# Managers run the omnichannel side without being workspace admins.
GROUP_EDIT_PERMISSIONS = {"Omnichannel": "edit-livechat-settings"}


def _shown_value(setting: Setting) -> Any:
    """A secret setting is never sent back, not even encrypted: only whether one is set."""
    if setting.id in SECRET_SETTINGS:
        return SECRET_MASK if setting.value else ""
    return setting.value


def setting_shape(setting: Setting) -> dict[str, Any]:
    shape = {
        "_id": setting.id,
        "value": _shown_value(setting),
        "type": setting.type,
        "group": setting.group,
        "public": setting.public,
        "packageValue": setting.package_value,
        "_updatedAt": iso(setting.updated_at),
    }
    if setting.values:
        shape["values"] = setting.values
    return shape


def _get_setting(session: Session, setting_id: str) -> Setting:
    setting = session.get(Setting, setting_id)
    if setting is None:
        raise NotFound(f"Setting {setting_id} not found")
    return setting


def _may_view_all(session: Session, actor: Actor) -> bool:
    return actor.can(session, "view-privileged-setting")


class SettingsListQuery(QueryParams):
    count: int | None = None
    offset: int | None = Field(default=None, ge=0)
    query: str | None = None
    sort: str | None = None
    fields: str | None = None


@router.get("/settings")
def list_settings(
    params: Annotated[SettingsListQuery, Query()], actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    offset, count = page_bounds(params.offset, params.count)
    settings, total = list_settings_query(
        session, public_only=not _may_view_all(session, actor), offset=offset, count=count
    )
    return ok(settings=[setting_shape(s) for s in settings], count=len(settings), offset=offset, total=total)


@router.get("/settings.public")
def list_public_settings(session: SessionDep) -> dict[str, Any]:
    settings, _ = list_settings_query(session, public_only=True, offset=0, count=10_000)
    return ok(
        settings=[{"_id": s.id, "value": _shown_value(s)} for s in settings],
        count=len(settings),
        offset=0,
        total=len(settings),
    )


@router.get("/settings/{setting_id}")
def get_setting(setting_id: str, actor: CurrentActor, session: SessionDep) -> dict[str, Any]:
    setting = _get_setting(session, setting_id)
    if not setting.public and not _may_view_all(session, actor):
        raise Forbidden()
    return ok(_id=setting.id, value=_shown_value(setting))


class SettingUpdateBody(Body):
    value: Any


@router.post("/settings/{setting_id}")
def update_setting(
    setting_id: str, body: SettingUpdateBody, actor: CurrentActor, session: SessionDep
) -> dict[str, Any]:
    setting = _get_setting(session, setting_id)
    group_permission = GROUP_EDIT_PERMISSIONS.get(setting.group)
    require_any(session, actor, "edit-privileged-setting", *([group_permission] if group_permission else []))
    set_setting(session, setting=setting, value=body.value)
    return ok()
